import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubmissionWorker } from '../../src/app/submission-worker.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, startTestHub, type TestHub } from '../support/hub.js';
import { watchTransactions } from '../support/transactions.js';

/**
 * The submission worker's rounds write each debit's public event from the row the round holds
 * (the claim's and the success's own returned rows), not by reading the debits back: at a
 * thousand debits a round, the read was a tenth of completion's database time.
 */
for (const engine of ENGINES) {
  describe(`submission rounds on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };

    beforeAll(async () => {
      // No background workers: the test runs the rounds itself.
      t = await startTestHub(engine, { runWorkers: false, workers: { batchSize: 10 } });
      merchant = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    it('claims, sends and completes debits without reading them back for their events, which carry each debit as it then was', async () => {
      const ids: string[] = [];
      for (let serial = 1; serial <= 3; serial += 1) {
        const mandateId = await createMandate(t, merchant.key, cardNumber('622202', 7100 + serial));
        const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: { currency: 'CNY', mandate_id: mandateId, amount: 1_000 * serial, reference: `ROUND-${serial}` } });
        expect(response.status, JSON.stringify(response.body)).toBe(201);
        ids.push(response.body.id);
      }

      const ctx = t.hub.ctx;
      const reads: number[] = [];
      const watch = watchTransactions(ctx.store, (_, method, args) => method === 'getDebits' && reads.push((args[0] as readonly string[]).length));
      try {
        const worker = new SubmissionWorker(ctx, 'round-test');
        expect(await worker.submitRound()).toBe(3);
        // The sandbox settles at once, and the round that sends asks at once: the debits succeed in it.
        const bodies = await Promise.all(ids.map(async (id) => (await t.call('GET', `/v1/debits/${id}`, { key: merchant.key })).body));
        expect(bodies.map((body) => body.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      } finally {
        watch.restore();
      }
      expect(reads).toEqual([]);

      for (const id of ids) {
        const debit = (await t.call('GET', `/v1/debits/${id}`, { key: merchant.key })).body;
        const published = (await t.call('GET', `/v1/events?object_id=${id}&limit=10`, { key: merchant.key })).body.data.reverse();
        expect(published.map((event: { type: string; data: { object: { status: string } } }) => [event.type, event.data.object.status])).toEqual([
          ['debit.created', 'pending'],
          ['debit.submitted', 'submitted'],
          ['debit.succeeded', 'succeeded'],
        ]);
        // The last event carries the debit as GET shows it now, less what only GET adds (its history).
        const { events: _events, attempts: _attempts, represented_by: _representedBy, ...shown } = debit;
        expect(published[2].data.object).toEqual(shown);
        expect(published[1].data.object).toMatchObject({ id, status: 'submitted', channel: debit.channel, amount: debit.amount });
      }
    });
  });
}
