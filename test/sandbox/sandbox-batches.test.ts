import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    expect(account.received.map((r) => r.outcome)).toEqual(['succeeded', 'succeeded', 'duplicate']);

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

  it('a malformed batch is a 400 naming the item, and nothing is recorded', async () => {
    const answer = await request(t.url, 'POST', '/channels/sz-center/debit-batches', { body: { debits: [debitBody(), debitBody({ amount: -1 })] }, token: null });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('/debits/1/amount');
    expect((await t.control.getAccount(ACCOUNT)).received).toEqual([]);
  });
});
