import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Reconciliation end to end (issue 12): no file in hand — the hub fetches the channel's statement
 * from the sandbox through its connector (the `statementSource` flow), matches it against what it
 * sent, and finds what a statement fault injected at the sandbox; a second run supersedes the first.
 */
for (const engine of ENGINES) {
  describe(`reconciliation fetched from the sandbox on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    const DATE = '2024-09-30';

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
      expect((await t.call('POST', '/v1/sandbox/clock', { body: { now: `${DATE}T10:00:00+08:00` } })).status).toBe(200);
    });
    afterAll(async () => t?.close());

    async function collect(serial: number, amount: number): Promise<{ id: string; status: string; channel: string }> {
      const mandateId = await createMandate(t, merchant.key, cardNumber('622202', serial), { signed_at: '2024-01-01' });
      const created = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount, currency: 'CNY', reference: `INV-E2E-${serial}` } });
      expect(created.status).toBe(201);
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/debits/${created.body.id}`, { key: merchant.key });
        return body.status === 'succeeded' || body.status === 'failed' ? body : null;
      }, 15_000, `debit ${serial} to be final`);
    }

    async function reconcile(channel: string): Promise<any> {
      const posted = await t.call('POST', '/v1/reconciliations', { body: { channel, business_date: DATE } });
      expect(posted.status).toBe(202);
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/reconciliations/${posted.body.id}`);
        return body.status === 'completed' || body.status === 'failed' ? body : null;
      }, 15_000, 'the reconciliation to end');
    }

    it('matches every line of the fetched statement, then finds each line a statement fault adds, and supersedes the first run', async () => {
      const frozen = cardNumber('622202', 9302);
      expect((await t.call('PUT', `/v1/sandbox/accounts/${frozen}`, { body: { status: 'frozen' } })).status).toBe(200);
      const debits = [await collect(9300, 10_000), await collect(9301, 25_000), await collect(9302, 5_000)];
      expect(debits.map((d) => d.status)).toEqual(['succeeded', 'succeeded', 'failed']);
      const channel = debits[0]!.channel;
      expect(debits.every((d) => d.channel === channel)).toBe(true);

      const clean = await reconcile(channel);
      expect(clean).toMatchObject({
        status: 'completed',
        source: 'channel',
        format: 'csv',
        counts: { lines: 3, matched: 3, missing_in_daikou: 0, missing_in_statement: 0, amount_mismatch: 0, status_mismatch: 0, duplicate: 0 },
        totals: { statement: { debit: { count: 3, amount: 35_000 } } },
      });
      expect((await t.call('GET', `/v1/reconciliations/${clean.id}/exceptions`)).body.data).toEqual([]);

      // The channel now reports, beside each line, one daikou never sent.
      expect((await t.call('POST', '/v1/sandbox/faults', { body: { channel, mode: 'statement', discrepancy: 'unknown', rate: 1 } })).status).toBe(200);
      const faulty = await reconcile(channel);
      expect(faulty.counts).toMatchObject({ lines: 6, matched: 3, missing_in_daikou: 3, missing_in_statement: 0, amount_mismatch: 0, status_mismatch: 0, duplicate: 0 });
      const exceptions = (await t.call('GET', `/v1/reconciliations/${faulty.id}/exceptions?status=open`)).body.data;
      expect(exceptions.map((e: { kind: string }) => e.kind)).toEqual(['missing_in_daikou', 'missing_in_daikou', 'missing_in_daikou']);
      expect((await t.call('GET', `/v1/reconciliations/${clean.id}`)).body.status).toBe('superseded');
      expect((await t.call('DELETE', '/v1/sandbox/faults')).status).toBe(204);
    });
  });
}
