import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutKind } from '../../src/app/instruction-kinds.js';
import type { DebitRow, Store, StoreTx } from '../../src/app/ports.js';
import { createRefund } from '../../src/app/refunds.js';
import { runSettlement } from '../../src/app/settlements.js';
import { debitSucceededTransaction, instructionMove, settlementTransaction } from '../../src/core/index.js';
import { presentCreatedPayout } from '../../src/http/presenters.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * A refund and the settlement of its debit, each holding the debit's row while the other starts
 * (SPEC §14, issue 11 item 4): whichever holds it first, the other waits and then sees what it did
 * — the settlement moves the net less what the refund drew from `pending`, or the refund finds the
 * debit settled and draws on `available`. On PostgreSQL the test waits until the second is blocked
 * on a lock; SQLite has one writer, so the second starts only when the first commits. And a refund
 * that drew on `pending` and fails after its debit settled gives that part back to `available`.
 * No worker runs: the debit is written succeeded with its posting, as its success would.
 */
for (const engine of ENGINES) {
  describe(`a refund and its debit's settlement on ${engine}`, () => {
    let t: TestHub;
    let serial = 0;
    let pool: pg.Pool | null = null;

    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false });
      if (engine === 'postgres') pool = new pg.Pool({ connectionString: t.database.databaseUrl!, max: 1 });
    });
    afterAll(async () => {
      await pool?.end();
      await t?.close();
    });

    const DATE = '2024-09-23';
    const NEXT = '2024-09-24';

    /** A merchant with a debit of 10,000 fen (fee 20) that succeeded on DATE. */
    async function succeededDebit(): Promise<{ merchantId: string; key: string; debitId: string }> {
      t.clock.set(new Date(`${DATE}T10:00:00+08:00`));
      const merchant = await createMerchant(t);
      serial += 1;
      const mandateId = await createMandate(t, merchant.key, cardNumber('622202', 7_700 + serial), { signed_at: '2024-01-01' });
      const debitId = `dbt_order_${engine}_${serial}`;
      const at = t.clock.now().toISOString();
      const row: DebitRow = {
        id: debitId, merchant_id: merchant.id, mandate_id: mandateId, reference: `ORDER-${serial}`, amount: 10_000, currency: 'CNY', description: null, metadata: null, status: 'succeeded',
        business_date: DATE, channel_id: 'sandbox-clearing', routing: null, channel_cost: 0, merchant_fee: 20, payer_fee: 0, merchant_fee_plan: null, payer_fee_plan: null,
        merchant_fee_subject: null, payer_fee_subject: null, batch_id: null, settlement_id: null, failure_code: null, failure_message: null, failure_retryable: null, next_action_at: null,
        attempt_count: 1, represents: null, presentment: 0, refunded_amount: 0, refunded_from_pending: 0, created_at: at, updated_at: at,
      };
      await t.hub.ctx.store.transaction(async (tx) => {
        await tx.insertDebits([row]);
        const transaction = debitSucceededTransaction({ debitId, merchantId: merchant.id, channelId: 'sandbox-clearing', amountFen: 10_000, payerFeeFen: 0, merchantFeeFen: 20, channelCostFen: 0 });
        await tx.postLedgerTransactions([{ id: `ltx_${debitId}`, transaction, at, businessDate: DATE }]);
      });
      return { merchantId: merchant.id, key: merchant.key, debitId };
    }

    async function balances(key: string): Promise<{ pending: number; available: number; reserved: number }> {
      const { body } = await t.call('GET', '/v1/balances', { key });
      return { pending: body.pending, available: body.available, reserved: body.reserved };
    }

    /** Waits until a transaction waits on a row lock (PostgreSQL); on SQLite the second simply queues. */
    async function secondIsBlocked(): Promise<void> {
      if (pool === null) return;
      await eventually(async () => {
        const { rows } = await pool!.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        return rows[0]!.n > 0;
      }, 15_000, 'the second transaction to wait on the first');
    }

    function gate(): { opened: Promise<void>; open: () => void } {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return { opened, open };
    }

    it('the settlement holds the debit first: the refund waits, then draws on available', async () => {
      const { merchantId, key, debitId } = await succeededDebit();
      t.clock.set(new Date(`${NEXT}T00:05:00+08:00`));
      const held = gate();
      const release = gate();
      const ctx = t.hub.ctx;
      const settling = ctx.store.transaction(async (tx) => {
        const row = await tx.settleMerchantDay({ id: `stl_${debitId}`, merchantId, businessDate: DATE, settlesOn: NEXT, ledgerTransactionId: `ltx_stl_${debitId}`, at: ctx.clock.now().toISOString() });
        held.open();
        await release.opened;
        await tx.postLedgerTransactions([{ id: row!.ledger_transaction_id!, transaction: settlementTransaction(row!.id, merchantId, row!.amount), at: row!.created_at, businessDate: NEXT }]);
        return row;
      });
      await held.opened;
      const refunding = createRefund(ctx, merchantId, null, debitId, { amount: 3_000 }, presentCreatedPayout);
      await secondIsBlocked();
      release.open();
      expect(await settling).toMatchObject({ count: 1, amount: 9_980 });
      expect((await refunding).body).toMatchObject({ status: 'pending', amount: 3_000, amount_from_pending: 0 });
      expect(await balances(key)).toEqual({ pending: 0, available: 6_980, reserved: 3_000 });
      expect((await t.call('GET', '/v1/ledger/trial-balance')).body).toMatchObject({ total: 0, balanced: true });
    });

    it('the refund holds the debit first: the settlement waits, then moves the net less what the refund drew from pending', async () => {
      const { key, debitId } = await succeededDebit();
      const held = gate();
      const release = gate();
      const ctx = t.hub.ctx;
      // The refund's transaction is held open after its last write, its debit's row locked.
      const pausing = (tx: StoreTx): StoreTx => new Proxy(tx, {
        get(target, property, receiver) {
          if (property === 'insertPayoutEvents') {
            return async (rows: Parameters<StoreTx['insertPayoutEvents']>[0]) => {
              await target.insertPayoutEvents(rows);
              held.open();
              await release.opened;
            };
          }
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const store = new Proxy(ctx.store, {
        get(target, property, receiver) {
          if (property === 'transaction') return <T>(work: (tx: StoreTx) => Promise<T>) => target.transaction((tx) => work(pausing(tx)));
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      }) as Store;
      const refunding = createRefund({ ...ctx, store }, (await t.hub.ctx.store.getDebit(debitId))!.merchant_id, null, debitId, { amount: 3_000 }, presentCreatedPayout);
      await held.opened;
      t.clock.set(new Date(`${NEXT}T00:05:00+08:00`));
      const settling = runSettlement(ctx);
      await secondIsBlocked();
      release.open();
      expect((await refunding).body).toMatchObject({ status: 'pending', amount: 3_000, amount_from_pending: 3_000 });
      const run = await settling;
      expect(run.settlements).toEqual([expect.objectContaining({ count: 1, amount: 6_980 })]);
      expect(await balances(key)).toEqual({ pending: 0, available: 6_980, reserved: 3_000 });
      expect((await t.call('GET', '/v1/ledger/trial-balance')).body).toMatchObject({ total: 0, balanced: true });
    });

    it('a refund that drew on pending and fails after its debit settled gives that part back to available', async () => {
      const { merchantId, key, debitId } = await succeededDebit();
      const ctx = t.hub.ctx;
      const refund = (await createRefund(ctx, merchantId, null, debitId, { amount: 3_000 }, presentCreatedPayout)).body as { id: string; amount_from_pending: number };
      expect(refund.amount_from_pending).toBe(3_000);
      t.clock.set(new Date(`${NEXT}T00:05:00+08:00`));
      expect((await runSettlement(ctx)).settlements).toEqual([expect.objectContaining({ amount: 6_980 })]);
      expect(await balances(key)).toEqual({ pending: 0, available: 6_980, reserved: 3_000 });
      // The worker's failure path: claimed, then failed by the table's move, then released.
      const kind = payoutKind(ctx);
      const at = ctx.clock.now().toISOString();
      await ctx.store.transaction(async (tx) => {
        expect(await tx.updatePayouts([{ id: refund.id, patch: {} }], instructionMove('payout', 'claimed').instruction, at)).toHaveLength(1);
        const failures = [{ id: refund.id, patch: { failure_code: 'channel_unavailable', failure_message: 'test', next_action_at: null } }];
        expect(await kind.fail(tx, failures, instructionMove('payout', 'exhausted').instruction, true, at)).toHaveLength(1);
      });
      expect(await balances(key)).toEqual({ pending: 0, available: 9_980, reserved: 0 });
      const debit = (await t.call('GET', `/v1/debits/${debitId}`, { key })).body;
      expect(debit.refunded_amount).toBe(0);
      expect((await t.call('GET', '/v1/ledger/trial-balance')).body).toMatchObject({ total: 0, balanced: true, mismatched: [] });
    });
  });
}
