import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, debitBody, request, startTestSandbox, submit, type TestSandbox } from './harness.js';

/**
 * Attempt numbers on the wire (docs/sandbox-protocol.md): once the channel has answered
 * `not_found` for (end_to_end_id, attempt n), a message of attempt n that reaches it later — the
 * bytes a killed sender left in a socket — is refused, as a bank refuses a message it has
 * reported not received, while attempt n + 1 goes through. Without it the late message and the
 * resend are both received, one as a duplicate: money moves once, but the channel holds two.
 */
describe('sandbox attempt numbers', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(async () => t.cleanup());

  const queryAttempt = (id: string, attempt: number) => request(t.url, 'GET', `/channels/sz-center/debits/${id}?attempt=${attempt}`, { token: null });

  it('a message of an attempt answered not_found is refused, unrecorded; the next attempt goes through', async () => {
    const late = debitBody({ attempt: 1 });
    const id = late.end_to_end_id as string;
    expect((await queryAttempt(id, 1)).status).toBe(404);

    const refused = await submit(t.url, 'sz-center', late);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ code: 'reported_not_found', message: expect.any(String) });
    expect((await t.control.getAccount(ACCOUNT)).received).toEqual([]);

    const resent = await submit(t.url, 'sz-center', { ...late, attempt: 2 });
    expect(resent.status).toBe(202);
    // The first attempt's bytes arrive after the second: still refused, and not a duplicate.
    expect((await submit(t.url, 'sz-center', late)).status).toBe(409);
    const account = await t.control.getAccount(ACCOUNT);
    expect(account.received.map((r) => [r.end_to_end_id, r.outcome])).toEqual([[id, 'succeeded']]);
    expect(account.balance).toBe(100_000_000 - 1234);
    expect((await queryAttempt(id, 2)).body).toMatchObject({ status: 'succeeded', channel_reference: resent.body.channel_reference });
  });

  it('a batch query records not_found per (id, attempt); a batch refuses those items alone', async () => {
    const [gone, fresh] = [debitBody({ attempt: 3 }), debitBody({ attempt: 1 })];
    const asked = await request(t.url, 'POST', '/channels/sz-center/debit-queries', {
      body: { queries: [{ end_to_end_id: gone.end_to_end_id, attempt: 3 }] },
      token: null,
    });
    expect(asked.body.results).toEqual([{ end_to_end_id: gone.end_to_end_id, status: 'not_found' }]);

    const batch = await request(t.url, 'POST', '/channels/sz-center/debit-batches', { body: { debits: [gone, fresh] }, token: null });
    expect(batch.status).toBe(202);
    expect(batch.body.debits).toEqual([
      { end_to_end_id: gone.end_to_end_id, status: 'refused', code: 'reported_not_found', message: expect.any(String) },
      { end_to_end_id: fresh.end_to_end_id, status: 'accepted', channel_reference: expect.any(String) },
    ]);
    expect((await t.control.getAccount(ACCOUNT)).received.map((r) => r.end_to_end_id)).toEqual([fresh.end_to_end_id]);
  });

  it('a query without an attempt number, and a message without one, keep their old meaning', async () => {
    const legacy = debitBody();
    expect((await request(t.url, 'GET', `/channels/sz-center/debits/${legacy.end_to_end_id}`, { token: null })).status).toBe(404);
    expect((await submit(t.url, 'sz-center', legacy)).status).toBe(202);
    const numbered = debitBody({ attempt: 1 });
    expect((await queryAttempt(numbered.end_to_end_id as string, 2)).status).toBe(404);
    // Only attempt 2 was reported not found: attempt 1 goes through.
    expect((await submit(t.url, 'sz-center', numbered)).status).toBe(202);
  });

  it('an attempt number is a positive integer', async () => {
    expect((await submit(t.url, 'sz-center', debitBody({ attempt: 0 }))).status).toBe(400);
    expect((await request(t.url, 'GET', '/channels/sz-center/debits/dbt_x?attempt=x', { token: null })).status).toBe(400);
  });
});
