import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BALANCE_FEN } from '../../src/channels/sandbox/index.js';
import {
  ACCOUNT,
  ID_NUMBER,
  OTHER_ACCOUNT,
  type TestSandbox,
  debitBody,
  endToEndId,
  query,
  startTestSandbox,
  submit,
} from './harness.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(async () => {
  await t.cleanup();
});

/** Submits a debit and answers the outcome its query reports: `succeeded` or the failure code. */
async function outcomeOf(overrides: Record<string, unknown>, channel = 'sz-center'): Promise<string> {
  const body = debitBody(overrides);
  const accepted = await submit(t.url, channel, body);
  expect(accepted.status).toBe(202);
  const answer = await query(t.url, channel, body.end_to_end_id as string);
  expect(answer.status).toBe(200);
  return answer.body.status === 'failed' ? answer.body.code : answer.body.status;
}

describe('sandbox: receiving debits', () => {
  it('debits an unconfigured account from its default balance and logs the message', async () => {
    const body = debitBody({ amount: 1234 });
    const accepted = await submit(t.url, 'sz-center', body);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({
      status: 'accepted',
      channel_reference: expect.stringMatching(/^SBX\d{14}$/),
      end_to_end_id: body.end_to_end_id,
    });

    const answer = await query(t.url, 'sz-center', body.end_to_end_id as string);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'succeeded',
      channel_reference: accepted.body.channel_reference,
      end_to_end_id: body.end_to_end_id,
      amount: 1234,
    });

    const account = await t.control.getAccount(ACCOUNT);
    expect(account.balance).toBe(DEFAULT_BALANCE_FEN - 1234);
    expect(account.status).toBe('open');
    expect(account.account_class).toBe('I');
    expect(account.account_number_masked).toBe('622202*********0123');
    expect(account.received).toEqual([
      {
        id: expect.stringMatching(/^rcv_\d+$/),
        channel: 'sz-center',
        channel_reference: accepted.body.channel_reference,
        end_to_end_id: body.end_to_end_id,
        amount: 1234,
        at: expect.stringMatching(RFC3339),
        outcome: 'succeeded',
        direction: 'debit',
      },
    ]);
    // Another account's bank saw nothing.
    expect((await t.control.getAccount(OTHER_ACCOUNT)).received).toEqual([]);
  });

  it.each([
    // configured account,                                    message overrides,      expected outcome
    [{ status: 'frozen' }, {}, 'account_blocked'],
    [{ status: 'closed' }, {}, 'account_closed'],
    [{ status: 'closed', balance: 0 }, {}, 'account_closed'],
    [{ status: 'frozen', holder_name: '李四' }, {}, 'account_blocked'],
    [{ balance: 1000 }, { amount: 1001 }, 'insufficient_funds'],
    [{ balance: 1000 }, { amount: 1000 }, 'succeeded'],
    [{ holder_name: '李四' }, {}, 'holder_mismatch'],
    [{ holder_name: '张三' }, { holder_name: ' 张三 ' }, 'succeeded'],
    [{ holder_name: '李四' }, { holder_name: null }, 'succeeded'],
    [{ id_number: '110105194912310038' }, {}, 'holder_mismatch'],
    [{ id_number: ID_NUMBER }, { id_number: ID_NUMBER.toLowerCase() }, 'succeeded'],
    [{ holder_name: '李四', balance: 10 }, { amount: 11 }, 'holder_mismatch'],
    [{ account_class: 'III', balance: 100 }, { amount: 200_001 }, 'limit_exceeded'],
    [{}, { amount: DEFAULT_BALANCE_FEN + 1 }, 'insufficient_funds'],
  ] as const)('account %o, message %o → %s', async (configured, overrides, expected) => {
    const before = await t.control.putAccount(ACCOUNT, configured);
    expect(await outcomeOf(overrides)).toBe(expected);
    const after = await t.control.getAccount(ACCOUNT);
    const amount = (overrides as { amount?: number }).amount ?? 1234;
    expect(after.balance).toBe(expected === 'succeeded' ? before.balance - amount : before.balance);
    expect(after.received.map((entry) => entry.outcome)).toEqual([expected]);
  });

  it('reports a failure with its code and a message', async () => {
    await t.control.putAccount(ACCOUNT, { status: 'frozen' });
    const body = debitBody();
    await submit(t.url, 'sz-center', body);
    const answer = await query(t.url, 'sz-center', body.end_to_end_id as string);
    expect(answer.body).toMatchObject({ status: 'failed', code: 'account_blocked', amount: 1234 });
    expect(answer.body.message).toEqual(expect.any(String));
  });

  it('records a duplicate end_to_end_id but applies it once, answering the first reference', async () => {
    const body = debitBody({ amount: 500 });
    const first = await submit(t.url, 'sz-center', body);
    const second = await submit(t.url, 'sz-center', body);
    expect(second.status).toBe(202);
    expect(second.body.channel_reference).toBe(first.body.channel_reference);

    const account = await t.control.getAccount(ACCOUNT);
    expect(account.balance).toBe(DEFAULT_BALANCE_FEN - 500);
    expect(account.received.map((entry) => [entry.end_to_end_id, entry.outcome, entry.channel_reference])).toEqual([
      [body.end_to_end_id, 'duplicate', first.body.channel_reference],
      [body.end_to_end_id, 'succeeded', first.body.channel_reference],
    ]);
    const answer = await query(t.url, 'sz-center', body.end_to_end_id as string);
    expect(answer.body.status).toBe('succeeded');
  });

  it('keeps end_to_end_ids per channel: the same id on another channel is a new message', async () => {
    const body = debitBody({ amount: 700 });
    await submit(t.url, 'sz-center', body);
    const other = await submit(t.url, 'netsunion', body);
    expect(other.status).toBe(202);
    const account = await t.control.getAccount(ACCOUNT);
    expect(account.balance).toBe(DEFAULT_BALANCE_FEN - 1400);
    expect(account.received.map((entry) => [entry.channel, entry.outcome])).toEqual([
      ['netsunion', 'succeeded'],
      ['sz-center', 'succeeded'],
    ]);
  });

  it('answers 404 not_found for what a channel never received', async () => {
    const body = debitBody();
    await submit(t.url, 'sz-center', body);
    expect(await query(t.url, 'sz-center', endToEndId())).toMatchObject({ status: 404, body: { status: 'not_found' } });
    expect(await query(t.url, 'tj-center', body.end_to_end_id as string)).toMatchObject({
      status: 404,
      body: { status: 'not_found' },
    });
  });

  it('refuses a malformed debit without recording it', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [debitBody({ extra: 1 }), '/extra'],
      [debitBody({ amount: 0 }), '/amount'],
      [debitBody({ amount: 12.5 }), '/amount'],
      [debitBody({ amount: '100' }), '/amount'],
      [debitBody({ account_number: '62220' }), '/account_number'],
      [debitBody({ end_to_end_id: '' }), '/end_to_end_id'],
    ];
    for (const [body, pointer] of cases) {
      const answer = await submit(t.url, 'sz-center', body);
      expect(answer.status, pointer).toBe(400);
      expect(answer.body.code).toBe('bad_request');
      expect(answer.body.message).toEqual(expect.any(String));
      expect(answer.body.errors.map((error: { pointer: string }) => error.pointer)).toContain(pointer);
    }
    const { end_to_end_id: _, ...withoutId } = debitBody();
    expect((await submit(t.url, 'sz-center', withoutId)).body.errors).toEqual([
      { pointer: '/end_to_end_id', code: 'required', detail: 'is required' },
    ]);
    expect((await submit(t.url, 'sz-center', '{"not json')).status).toBe(400);
    const account = await t.control.getAccount(ACCOUNT);
    expect(account.received).toEqual([]);
    expect(account.balance).toBe(DEFAULT_BALANCE_FEN);
  });

  it('never echoes an account number in an error', async () => {
    const answer = await submit(t.url, 'sz-center', debitBody({ account_number: Number(ACCOUNT.slice(0, 15)) }));
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain(ACCOUNT.slice(0, 15));
    const badJson = await submit(t.url, 'sz-center', `{"account_number": "${ACCOUNT}", oops}`);
    expect(badJson.status).toBe(400);
    expect(badJson.text).not.toContain(ACCOUNT);
  });
});

describe('sandbox: daily class limits', () => {
  it('limits a class Ⅱ account per Shanghai business date and resets on the next one', async () => {
    // 23:50 in Shanghai is 15:50 UTC: fifteen minutes later the Shanghai date has changed, the UTC one not.
    await t.control.setClock({ now: '2017-12-07T23:50:00+08:00' });
    await t.control.putAccount(ACCOUNT, { account_class: 'II' });
    expect(await outcomeOf({ amount: 600_000 })).toBe('succeeded');
    expect(await outcomeOf({ amount: 400_000 })).toBe('succeeded');
    expect(await outcomeOf({ amount: 1 })).toBe('limit_exceeded');
    expect((await t.control.getAccount(ACCOUNT)).balance).toBe(DEFAULT_BALANCE_FEN - 1_000_000);

    const clock = await t.control.setClock({ advance: 'PT15M' });
    expect(clock.business_date).toBe('2017-12-08');
    expect(await outcomeOf({ amount: 1 })).toBe('succeeded');
    expect(await outcomeOf({ amount: 999_999 })).toBe('succeeded');
    expect(await outcomeOf({ amount: 1 })).toBe('limit_exceeded');
  });

  it('limits a class Ⅲ account to 2,000 yuan a day; failed debits use none of it', async () => {
    await t.control.setClock({ now: '2017-12-07T10:00:00+08:00' });
    await t.control.putAccount(ACCOUNT, { account_class: 'III', balance: 150_000 });
    expect(await outcomeOf({ amount: 200_000 })).toBe('insufficient_funds');
    expect(await outcomeOf({ amount: 150_000 })).toBe('succeeded');
    await t.control.putAccount(ACCOUNT, { balance: 1_000_000 });
    expect(await outcomeOf({ amount: 50_001 })).toBe('limit_exceeded');
    expect(await outcomeOf({ amount: 50_000 })).toBe('succeeded');
    expect(await outcomeOf({ amount: 1 })).toBe('limit_exceeded');
    await t.control.setClock({ advance: 'P1D' });
    expect(await outcomeOf({ amount: 200_000 })).toBe('succeeded');
  });

  it('does not limit a class Ⅰ account', async () => {
    expect(await outcomeOf({ amount: 5_000_000 })).toBe('succeeded');
    expect(await outcomeOf({ amount: 5_000_000 })).toBe('succeeded');
  });
});

describe('sandbox: settlement delay', () => {
  it('reports processing until the sandbox clock passes receipt + settleDelayMs', async () => {
    await t.restart({ settleDelayMs: 60_000 });
    await t.control.putAccount(ACCOUNT, { status: 'closed' });
    const ok = debitBody({ account_number: OTHER_ACCOUNT });
    const closed = debitBody();
    await submit(t.url, 'sz-center', ok);
    await submit(t.url, 'sz-center', closed);
    expect((await query(t.url, 'sz-center', ok.end_to_end_id as string)).body).toMatchObject({ status: 'processing' });
    const pending = await query(t.url, 'sz-center', closed.end_to_end_id as string);
    expect(pending.body.status).toBe('processing');
    expect(pending.body.code).toBeUndefined();

    await t.control.setClock({ advance: 'PT61S' });
    expect((await query(t.url, 'sz-center', ok.end_to_end_id as string)).body.status).toBe('succeeded');
    expect((await query(t.url, 'sz-center', closed.end_to_end_id as string)).body).toMatchObject({
      status: 'failed',
      code: 'account_closed',
    });
  });
});
