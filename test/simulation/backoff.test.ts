import { describe, expect, it } from 'vitest';
import { presentCreatedDebit } from '../../src/http/presenters.js';
import { createDebit } from '../../src/app/debits.js';
import { ensureDefaultPlans } from '../../src/app/fee-plans.js';
import { createMandate } from '../../src/app/mandates.js';
import { createMerchant } from '../../src/app/merchants.js';
import { SubmissionWorker } from '../../src/app/submission-worker.js';
import { ChannelConnectors } from '../../src/app/connector-registry.js';
import { RoutingTable } from '../../src/app/routing-table.js';
import type { ChannelFlows } from '../../src/core/index.js';
import { loadScenario } from '../../src/app/scenarios.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase } from '../support/engines.js';
import { ManualClock } from './manual-clock.js';
import { baseContext, cardNumber, START, WORKERS } from './simulator.js';

/**
 * Suspected in issue 10 and confirmed here: an attempt whose channel never answers was queried
 * again every `queryIntervalMs`, for ever — `attempts.query_count` was never incremented, so the
 * backoff it feeds never grew. Scripted on the simulation's pieces: a channel that may have the
 * submission and then answers no query.
 */
for (const engine of ENGINES) {
  describe(`query backoff on ${engine}`, () => {
    it('doubles with each unanswered query, up to backoffMsMax', async () => {
      const database = await freshDatabase(engine);
      const { store, db } = openStore(database.databaseUrl === null ? { engine: 'sqlite', file: ':memory:' } : { engine: 'postgres', url: database.databaseUrl });
      try {
        await migrateToLatest(db);
        const clock = new ManualClock(START);
        const ctx = baseContext(store, clock);
        // Every channel may have the submission and answers no query.
        const silent: ChannelFlows = {
          debitSubmit: { batchMax: 1, submitDebit: async () => ({ kind: 'unknown', reason: 'timed out' }), submitDebits: async () => [] },
          debitQuery: { batchMax: 1, queryDebit: async () => ({ kind: 'unreachable', reason: 'connection reset' }), queryDebits: async () => [] },
          payoutSubmit: null,
          statementSource: null,
        };
        const connectors = new ChannelConnectors(() => silent);
        ctx.connectors = connectors;
        ctx.routing = new RoutingTable(store, clock, (channels) => connectors.load(channels));
        await ensureDefaultPlans(ctx);
        await loadScenario(ctx, 'cn-2017');
        const { merchant } = await createMerchant(ctx, {
          name: '深圳市水务集团',
          category: 'utility',
          settlement_account: { account_number: '4403010012345678901', bank_code: 'ICBC', region_code: '440300', holder_name: '深圳市水务集团有限公司' },
        });
        const mandate = await createMandate(ctx, merchant.id, {
          payer: { account_number: cardNumber('622202', 1), account_kind: 'personal', medium: 'bank_card', holder_name: '张三' },
          agreement_number: 'BACKOFF-1',
          signed_at: '2026-01-01',
        });
        const created = await createDebit(ctx, merchant.id, null, { mandate_id: mandate.id, amount: 1_000, currency: 'CNY', reference: 'BACKOFF-1' }, presentCreatedDebit);
        const debitId = (created.body as { id: string }).id;
        const worker = new SubmissionWorker(ctx, 'node-1');
        expect(await worker.submitRound()).toBe(1);

        const waits: number[] = [];
        for (let query = 0; query < 6; query += 1) {
          const [attempt] = await store.listAttempts(debitId);
          clock.set(Date.parse(attempt!.next_query_at!));
          expect(await worker.queryRound()).toBe(1);
          const [after] = await store.listAttempts(debitId);
          expect(after!.state).toBe('unknown');
          waits.push(Date.parse(after!.next_query_at!) - clock.now().getTime());
        }
        // The submission's own unknown waited one interval; each unanswered query doubles the wait.
        expect(waits).toEqual([2 * WORKERS.queryIntervalMs, 4 * WORKERS.queryIntervalMs, 8 * WORKERS.queryIntervalMs, WORKERS.backoffMsMax, WORKERS.backoffMsMax, WORKERS.backoffMsMax]);
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}
