import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTEMPT_MAX,
  DEBIT_BATCH_BODY_BYTES_MAX,
  DEBIT_BATCH_MAX,
  DEBIT_BODY_BYTES_MAX,
  DEBIT_JSON_BYTES_MAX,
  DEBIT_QUERY_BODY_BYTES_MAX,
  debitBatchSchema,
  debitQuerySchema,
} from '../../src/channels/sandbox/wire.js';
import { ACCOUNT, OTHER_ACCOUNT, debitBody, request, startTestSandbox, submit, type TestSandbox } from './harness.js';

/** Batch messages (docs/sandbox-protocol.md): many debits in one message, one query for many. */
describe('sandbox batch messages', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(async () => t.cleanup());

  it('records a batch in one go; a debit the channel already holds is a duplicate, applied once', async () => {
    const earlier = debitBody({ amount: 500 });
    expect((await submit(t.url, 'sz-center', earlier)).status).toBe(202);
    const fresh = [debitBody({ amount: 1_000 }), debitBody({ account_number: OTHER_ACCOUNT, amount: 2_000 })];
    const answer = await request(t.url, 'POST', '/channels/sz-center/debit-batches', { body: { debits: [...fresh, earlier] }, token: null });
    expect(answer.status).toBe(202);
    expect(answer.body.debits.map((d: { end_to_end_id: string }) => d.end_to_end_id)).toEqual([fresh[0]!.end_to_end_id, fresh[1]!.end_to_end_id, earlier.end_to_end_id]);
    const account = await t.control.getAccount(ACCOUNT);
    expect(account.balance).toBe(100_000_000 - 500 - 1_000);
    expect(account.received.map((r) => r.outcome)).toEqual(['duplicate', 'succeeded', 'succeeded']);

    const statuses = await request(t.url, 'POST', '/channels/sz-center/debit-queries', { body: { end_to_end_ids: [fresh[1]!.end_to_end_id, 'dbt_never'] }, token: null });
    expect(statuses.status).toBe(200);
    expect(statuses.body.results).toEqual([
      expect.objectContaining({ end_to_end_id: fresh[1]!.end_to_end_id, status: 'succeeded', amount: 2_000 }),
      { end_to_end_id: 'dbt_never', status: 'not_found' },
    ]);
  });

  it('an unavailable channel records none of the batch', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'unavailable' });
    const answer = await request(t.url, 'POST', '/channels/sz-center/debit-batches', { body: { debits: [debitBody(), debitBody()] }, token: null });
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('channel_unavailable');
    expect((await t.control.getAccount(ACCOUNT)).received).toEqual([]);
  });

  it('records a payout batch: each credited once, a repeated id a duplicate, answered item by item', async () => {
    const payout = (amount: number) => {
      const { id_number: _i, phone: _p, mandate_reference: _m, ...body } = debitBody({ amount, attempt: 1 });
      return body;
    };
    const [first, second] = [payout(700), payout(300)];
    const answer = await request(t.url, 'POST', '/channels/sz-center/payout-batches', { body: { payouts: [first, second, first] }, token: null });
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('accepted');
    expect(answer.body.payouts.map((p: { end_to_end_id: string; status: string }) => [p.end_to_end_id, p.status])).toEqual([
      [first.end_to_end_id, 'accepted'], [second.end_to_end_id, 'accepted'], [first.end_to_end_id, 'accepted'],
    ]);
    expect(answer.body.payouts[2].channel_reference).toBe(answer.body.payouts[0].channel_reference);
    const account = await t.control.getAccount(ACCOUNT);
    expect(account.balance).toBe(100_000_000 + 700 + 300);
    expect(account.received.map((r) => [r.outcome, r.direction])).toEqual([['duplicate', 'credit'], ['succeeded', 'credit'], ['succeeded', 'credit']]);
  });

  it.each([
    // what is wrong,                 body,                                                              pointer
    ['a debit field in a payout', { payouts: [{ ...debitBody(), id_number: undefined, phone: undefined }] }, '/payouts/0/mandate_reference'],
    ['an unknown field', { payouts: [], extra: 1 }, '/extra'],
    ['no payouts', { payouts: [] }, '/payouts'],
    ['over DEBIT_BATCH_MAX', { payouts: Array.from({ length: DEBIT_BATCH_MAX + 1 }, () => ({ end_to_end_id: 'pyt_1', amount: 1, account_number: ACCOUNT })) }, '/payouts'],
    ['a debit batch sent as payouts', { debits: [debitBody()] }, '/debits'],
  ])('a payout batch with %s is a 400, and nothing is recorded', async (_what, body, pointer) => {
    const answer = await request(t.url, 'POST', '/channels/sz-center/payout-batches', { body, token: null });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('bad_request');
    expect(answer.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect((await t.control.getAccount(ACCOUNT)).received).toEqual([]);
  });

  it('an unavailable channel records none of a payout batch', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'unavailable' });
    const answer = await request(t.url, 'POST', '/channels/sz-center/payout-batches', { body: { payouts: [{ end_to_end_id: 'pyt_1', amount: 1, account_number: ACCOUNT }] }, token: null });
    expect(answer.status).toBe(503);
    expect((await t.control.getAccount(ACCOUNT)).received).toEqual([]);
  });

  it('a malformed batch is a 400 naming the item, and nothing is recorded', async () => {
    const answer = await request(t.url, 'POST', '/channels/sz-center/debit-batches', { body: { debits: [debitBody(), debitBody({ amount: -1 })] }, token: null });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('/debits/1/amount');
    expect((await t.control.getAccount(ACCOUNT)).received).toEqual([]);
  });
});

/** Body limits (docs/sandbox-protocol.md): a full batch message always fits, the rest stays small. */
describe('sandbox message sizes', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(async () => t.cleanup());

  /** A debit with every field at its longest; `text` fills the free-text fields. */
  function longestDebit(serial: number, text: string): Record<string, unknown> {
    const id = String(serial).padStart(8, '0');
    return {
      end_to_end_id: '"'.repeat(128 - id.length) + id,
      attempt: ATTEMPT_MAX,
      amount: Number.MAX_SAFE_INTEGER,
      account_number: `62220${String(serial).padStart(27, '0')}`,
      account_kind: 'corporate',
      medium: 'virtual_account',
      bank_code: text.repeat(32),
      holder_name: text.repeat(256),
      id_number: text.repeat(64),
      phone: text.repeat(32),
      mandate_reference: text.repeat(128),
    };
  }
  const serials = Array.from({ length: DEBIT_BATCH_MAX }, (_, index) => index + 1);

  it('the limits hold DEBIT_BATCH_MAX of the largest valid debit, every text character escaped', () => {
    // JSON.stringify writes a control character as \u0001: 6 bytes, the most any character takes.
    const batch = { debits: serials.map((serial) => longestDebit(serial, '\u0001')) };
    expect(debitBatchSchema.safeParse(batch).success).toBe(true);
    // The largest but for the 8 digits that keep the ids apart: a byte each, where `"` takes two.
    expect(Buffer.byteLength(JSON.stringify(batch.debits[0]))).toBe(DEBIT_JSON_BYTES_MAX - 8);
    expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(DEBIT_BATCH_BODY_BYTES_MAX);
    expect(DEBIT_JSON_BYTES_MAX).toBeLessThan(DEBIT_BODY_BYTES_MAX);

    const ids = { end_to_end_ids: serials.map((serial) => '\u0001'.repeat(120) + String(serial).padStart(8, '0')) };
    expect(debitQuerySchema.safeParse(ids).success).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(ids))).toBeLessThanOrEqual(DEBIT_QUERY_BODY_BYTES_MAX);
    const queries = { queries: ids.end_to_end_ids.map((id) => ({ end_to_end_id: id, attempt: ATTEMPT_MAX })) };
    expect(debitQuerySchema.safeParse(queries).success).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(queries))).toBeLessThanOrEqual(DEBIT_QUERY_BODY_BYTES_MAX);
    expect([DEBIT_BODY_BYTES_MAX, DEBIT_QUERY_BODY_BYTES_MAX, DEBIT_BATCH_BODY_BYTES_MAX]).toEqual([64 * 1024, 1024 * 1024, 4 * 1024 * 1024]);
  });

  it('takes a batch of 1,000 debits with every field at its longest, and answers a query for all 1,000', async () => {
    // Chinese text: 3 bytes a character in UTF-8, ~2 MB in all, thirty times the 64 KiB of a single debit.
    const debits = serials.map((serial) => longestDebit(serial, '张'));
    const accepted = await request(t.url, 'POST', '/channels/sz-center/debit-batches', { body: { debits }, token: null });
    expect(accepted.status).toBe(202);
    expect(accepted.body.debits).toHaveLength(DEBIT_BATCH_MAX);
    expect(accepted.body.debits.map((d: { end_to_end_id: string }) => d.end_to_end_id)).toEqual(debits.map((d) => d.end_to_end_id));

    const answered = await request(t.url, 'POST', '/channels/sz-center/debit-queries', { body: { end_to_end_ids: debits.map((d) => d.end_to_end_id) }, token: null });
    expect(answered.status).toBe(200);
    expect(answered.body.results).toHaveLength(DEBIT_BATCH_MAX);
    // Every account starts with 1,000,000.00 yuan, less than the largest amount: each is declined, and answered.
    expect(answered.body.results.map((r: { end_to_end_id: string; status: string; code: string; channel_reference: string }) => [r.end_to_end_id, r.status, r.code])).toEqual(
      debits.map((d) => [d.end_to_end_id, 'failed', 'insufficient_funds']),
    );
    expect(answered.body.results.map((r: { channel_reference: string }) => r.channel_reference)).toEqual(accepted.body.debits.map((d: { channel_reference: string }) => d.channel_reference));
  });

  it.each([
    // endpoint, body limit
    ['debits', DEBIT_BODY_BYTES_MAX],
    ['debit-batches', DEBIT_BATCH_BODY_BYTES_MAX],
    ['payout-batches', DEBIT_BATCH_BODY_BYTES_MAX],
    ['debit-queries', DEBIT_QUERY_BODY_BYTES_MAX],
  ])('%s: a body over %i bytes is a 413 payload_too_large, and nothing is recorded', async (endpoint, bytesMax) => {
    const body =
      endpoint === 'debit-queries' ? { end_to_end_ids: ['dbt_1'] }
      : endpoint === 'debits' ? debitBody()
      : endpoint === 'payout-batches' ? { payouts: [{ end_to_end_id: 'pyt_1', amount: 1, account_number: ACCOUNT }] }
      : { debits: [debitBody()] };
    const text = JSON.stringify(body);
    // Valid JSON, valid content; only the whitespace after it makes it too large.
    const padded = text + ' '.repeat(bytesMax + 1 - Buffer.byteLength(text));
    const answer = await request(t.url, 'POST', `/channels/sz-center/${endpoint}`, { body: padded, token: null });
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('payload_too_large');
    expect((await t.control.getAccount(ACCOUNT)).received).toEqual([]);

    const fits = await request(t.url, 'POST', `/channels/sz-center/${endpoint}`, { body: padded.slice(0, -1), token: null });
    expect(fits.status).toBe(endpoint === 'debit-queries' ? 200 : 202);
  });
});
