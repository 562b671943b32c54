import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, startTestHub, type TestHub } from '../support/hub.js';
import { watchTransactions } from '../support/transactions.js';

/**
 * A refund and a re-presentment under an Idempotency-Key claim the key in the transaction that
 * writes what they create (issue 15: one transaction, one fsync, per request), as a debit and a
 * payout do: a crash between a claim and its work can no longer leave the key held.
 */
for (const engine of ENGINES) {
  describe(`refunds and re-presentments in one transaction on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let serial = 7100;

    beforeAll(async () => {
      // No worker runs: the test drives the rounds, so that only the requests open transactions while it records them.
      t = await startTestHub(engine, { runWorkers: false });
      merchant = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    /** The store methods each transaction opened from now on called, in order. */
    function recordTransactions(): { calls: string[][]; restore(): void } {
      const calls: string[][] = [];
      const { restore } = watchTransactions(t.hub.ctx.store, (transaction, method) => (calls[transaction] ??= []).push(method));
      return { calls, restore };
    }

    async function debitEnding(date: string, balance: number | null): Promise<{ id: string; status: string }> {
      t.clock.set(new Date(`${date}T10:00:00+08:00`));
      serial += 1;
      const account = cardNumber('622202', serial);
      if (balance !== null) await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { balance } });
      const mandateId = await createMandate(t, merchant.key, account, { signed_at: '2024-01-01' });
      const created = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 10_000, currency: 'CNY', reference: `INV-1TX-${serial}` } });
      expect(created.status).toBe(201);
      // The sandbox settles at once, and the round that sends asks at once: the debit ends in this round
      // (with any refund an earlier test left pending).
      await t.hub.worker.submitRound();
      return (await t.call('GET', `/v1/debits/${created.body.id}`, { key: merchant.key })).body;
    }

    it('a refund writes its key, the refund and the key’s answer in one transaction', async () => {
      const debit = await debitEnding('2024-09-23', null);
      expect(debit.status).toBe('succeeded');
      const recorded = recordTransactions();
      const refund = await t.call('POST', `/v1/debits/${debit.id}/refunds`, { key: merchant.key, body: { amount: 1_000 }, headers: { 'idempotency-key': `rf-${serial}` } });
      recorded.restore();
      expect(refund.status).toBe(201);
      const claims = recorded.calls.filter((called) => called.includes('insertIdempotencyKey'));
      expect(claims).toHaveLength(1);
      expect(claims[0]).toEqual(expect.arrayContaining(['insertIdempotencyKey', 'insertPayout', 'completeIdempotencyKey']));
      const again = await t.call('POST', `/v1/debits/${debit.id}/refunds`, { key: merchant.key, body: { amount: 1_000 }, headers: { 'idempotency-key': `rf-${serial}` } });
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(refund.body.id);
    });

    it('a refused refund keeps nothing of its key: a corrected retry under it goes through', async () => {
      const debit = await debitEnding('2024-09-24', null);
      const key = `rf-retry-${serial}`;
      const refused = await t.call('POST', `/v1/debits/${debit.id}/refunds`, { key: merchant.key, body: { amount: 10_001 }, headers: { 'idempotency-key': key } });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('refund_exceeds_debit');
      const corrected = await t.call('POST', `/v1/debits/${debit.id}/refunds`, { key: merchant.key, body: { amount: 100 }, headers: { 'idempotency-key': key } });
      expect(corrected.status).toBe(201);
    });

    it('a re-presentment writes its key, the new debit and the key’s answer in one transaction', async () => {
      const failed = await debitEnding('2024-09-27', 9_999);
      expect(failed.status).toBe('failed');
      t.clock.set(new Date('2024-09-30T10:00:00+08:00'));
      const recorded = recordTransactions();
      const again = await t.call('POST', `/v1/debits/${failed.id}/represent`, { key: merchant.key, headers: { 'idempotency-key': `rp-${serial}` } });
      recorded.restore();
      expect(again.status).toBe(201);
      const claims = recorded.calls.filter((called) => called.includes('insertIdempotencyKey'));
      expect(claims).toHaveLength(1);
      expect(claims[0]).toEqual(expect.arrayContaining(['insertIdempotencyKey', 'insertDebit', 'completeIdempotencyKey']));
    });
  });
}
