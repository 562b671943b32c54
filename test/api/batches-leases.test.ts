import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWorker } from '../../src/app/batch-worker.js';
import { batchReportCsv } from '../../src/app/batches.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Issue 10, item 5: batches that several nodes share. Two BatchWorkers with different owners on
 * one store stand for two nodes; the test decides where one acts while the other is between two
 * chunks (afterChunk), and moves the clock by hand: no real-timer races.
 */
const LEASE_MS = 60_000;
const ROWS = 120;
const CHUNK_ROWS = 50;

for (const engine of ENGINES) {
  describe(`batch leases on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let mandate: string;
    let serial = 0;

    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false, workers: { leaseMs: LEASE_MS } });
      merchant = await createMerchant(t);
      mandate = await createMandate(t, merchant.key, cardNumber('622202', 8_101));
    });
    afterAll(async () => t?.close());

    /** A new file of ROWS rows, each a 1-fen debit under the mandate. */
    async function uploadBatch(): Promise<string> {
      serial += 1;
      const rows = Array.from({ length: ROWS }, (_, i) => `L${serial}-${i + 1},${mandate},1`).join('\n');
      const response = await fetch(`${t.hub.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${merchant.key}`, 'content-type': 'text/csv' }, body: `reference,mandate_id,amount\n${rows}\n` });
      expect(response.status).toBe(202);
      return ((await response.json()) as { id: string }).id;
    }

    /** Every row of the file once in the report, and one debit per row: nothing processed twice. */
    async function expectEachRowOnce(batchId: string): Promise<void> {
      let report = '';
      for await (const page of batchReportCsv(t.hub.ctx, batchId)) report += page;
      const rows = report.trim().split('\n').slice(1).map((line) => Number(line.split(',')[0]));
      expect(rows).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
      const debits = await t.hub.ctx.store.countBatchDebits(batchId);
      expect(Object.values(debits).reduce((sum, count) => sum + count, 0)).toBe(ROWS);
      expect(await t.hub.ctx.store.getBatch(batchId)).toMatchObject({ status: 'completed', rows: ROWS, cursor: ROWS, attempts: 0, lease_owner: null });
    }

    it('a second worker does not take a batch another holds: it waits, and each row is processed once', async () => {
      const batchId = await uploadBatch();
      const b = new BatchWorker(t.hub.ctx, { owner: 'node-b', chunkRows: CHUNK_ROWS });
      let takenByB: string[] | null = null;
      const a = new BatchWorker(t.hub.ctx, {
        owner: 'node-a',
        chunkRows: CHUNK_ROWS,
        afterChunk: async () => {
          // Between A's first and second chunk, B's round runs: A's lease is live.
          takenByB ??= await b.runOnce();
        },
      });
      expect(await a.runOnce()).toEqual([batchId]);
      expect(takenByB).toEqual([]);
      await expectEachRowOnce(batchId);
      expect(await b.runOnce()).toEqual([]);
    });

    it('a worker whose lease was taken over cannot advance the batch, end it or delete its file; the new holder finishes it', async () => {
      const batchId = await uploadBatch();
      let cursorWhenTakenOver: number | null = null;
      const a = new BatchWorker(t.hub.ctx, {
        owner: 'node-a',
        chunkRows: CHUNK_ROWS,
        afterChunk: async () => {
          if (cursorWhenTakenOver !== null) return;
          // A stalls past its lease after its first chunk, and node B claims the batch.
          t.clock.advance(LEASE_MS + 1);
          const now = t.clock.now();
          const claimed = await t.hub.ctx.store.claimDueBatch(now.toISOString(), 'node-b', new Date(now.getTime() + LEASE_MS).toISOString());
          expect(claimed).toMatchObject({ id: batchId, lease_owner: 'node-b' });
          cursorWhenTakenOver = claimed!.cursor;
        },
      });
      expect(await a.runOnce()).toEqual([batchId]);
      expect(cursorWhenTakenOver).toBe(CHUNK_ROWS);
      // A wrote nothing after the takeover, recorded no retry, and left the lease with B.
      expect(await t.hub.ctx.store.getBatch(batchId)).toMatchObject({ status: 'processing', cursor: CHUNK_ROWS, rows: CHUNK_ROWS, attempts: 0, next_attempt_at: null, lease_owner: 'node-b' });
      expect(t.logs.lines.some((line) => line.includes(batchId) && line.includes('another worker took over the batch'))).toBe(true);
      // B's lease runs out in turn (B crashed, say): a third node takes the batch up from its
      // cursor, with the file A did not delete.
      t.clock.advance(LEASE_MS + 1);
      const c = new BatchWorker(t.hub.ctx, { owner: 'node-c', chunkRows: CHUNK_ROWS });
      expect(await c.runOnce()).toEqual([batchId]);
      await expectEachRowOnce(batchId);
    });

    it('two workers running at once share the due batches, each batch processed by one', async () => {
      const batchIds = [await uploadBatch(), await uploadBatch(), await uploadBatch(), await uploadBatch()];
      const a = new BatchWorker(t.hub.ctx, { owner: 'node-a', chunkRows: CHUNK_ROWS });
      const b = new BatchWorker(t.hub.ctx, { owner: 'node-b', chunkRows: CHUNK_ROWS });
      const [byA, byB] = await Promise.all([a.runOnce(), b.runOnce()]);
      expect([...byA, ...byB].sort()).toEqual([...batchIds].sort());
      for (const batchId of batchIds) await expectEachRowOnce(batchId);
    });
  });
}
