import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNT, type TestSandbox, debitBody, request, startTestSandbox, submit } from './harness.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

/** SPEC §10/§12: what an account's bank received, newest first, in pages (`limit`, `starting_after`). */
describe('sandbox: the received list of an account', () => {
  async function receiveFive(s: TestSandbox): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const body = debitBody({ amount: 100 + i });
      expect((await submit(s.url, 'sandbox-clearing', body)).status).toBe(202);
      ids.push(body.end_to_end_id as string);
    }
    return ids;
  }

  it('is newest first and pages with limit and starting_after, has_more telling whether older entries remain', async () => {
    const s = (t = await startTestSandbox());
    const sent = await receiveFive(s);
    const all = await s.control.getAccount(ACCOUNT);
    expect(all.received.map((entry) => entry.end_to_end_id)).toEqual([...sent].reverse());
    expect(all.received_has_more).toBe(false);

    const first = await s.control.getAccount(ACCOUNT, { limit: 2 });
    expect(first.received.map((entry) => entry.amount)).toEqual([104, 103]);
    expect(first.received_has_more).toBe(true);
    const second = await s.control.getAccount(ACCOUNT, { limit: 2, startingAfter: first.received[1]!.id });
    expect(second.received.map((entry) => entry.amount)).toEqual([102, 101]);
    expect(second.received_has_more).toBe(true);
    const last = await s.control.getAccount(ACCOUNT, { limit: 2, startingAfter: second.received[1]!.id });
    expect(last.received.map((entry) => entry.amount)).toEqual([100]);
    expect(last.received_has_more).toBe(false);
    // The rest of the answer is the account, as before.
    expect(last).toMatchObject({ account_number_masked: '622202*********0123', status: 'open', account_class: 'I' });
  });

  it('holds more than a page: the default page is 100 entries, the newest', async () => {
    const s = (t = await startTestSandbox());
    const bodies = Array.from({ length: 120 }, (_, i) => debitBody({ amount: 1 + i }));
    expect((await request(s.url, 'POST', '/channels/sandbox-clearing/debit-batches', { body: { debits: bodies }, token: null })).status).toBe(202);
    const page = await s.control.getAccount(ACCOUNT);
    expect(page.received).toHaveLength(100);
    expect(page.received[0]!.amount).toBe(120);
    expect(page.received_has_more).toBe(true);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['starting_after=SBX00000000000001', 'starting_after'],
  ])('refuses %s, naming the parameter', async (query, parameter) => {
    const s = (t = await startTestSandbox());
    const answer = await request(s.url, 'GET', `/v1/sandbox/accounts/${ACCOUNT}?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ parameter })]);
  });
});
