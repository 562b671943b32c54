import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DebitRow, MerchantRow, Store } from '../../src/app/ports.js';
import { runSettlement, type SettlementRunContext } from '../../src/app/settlements.js';
import { loadCalendarFile } from '../../src/cli/calendar-file.js';
import {
  answerStep,
  debitSucceededTransaction,
  CN_CALENDAR,
  nextBusinessDay,
  settlementTransaction,
  SequentialIds,
  SettableClock,
  type BusinessDate,
  type InstructionStatus,
} from '../../src/core/index.js';
import { createLogger } from '../../src/logger.js';
import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '../../src/storage/database.js';
import type { Database } from '../../src/storage/schema.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { tableWithTestYear2027, writeCalendarFile } from '../support/calendar-file.js';
import { eventually, LogCapture } from '../support/hub.js';
import { OBJECT_PRESENTERS } from '../../src/http/presenters.js';

/**
 * Settlement T+1 (SPEC §14) on the store of each engine: which day each business date settles on
 * (weekends, National Day week, a Sunday worked), runs repeated and concurrent, late successes,
 * the end of the calendar, and a property over random debits and run dates. Runs are driven by
 * hand with a settable clock.
 */

const SUCCEEDED = answerStep('debit', 'accepted', 'succeeded').instruction!;

function merchantRow(id: string): MerchantRow {
  return {
    id, name: `Merchant ${id}`, category: 'utility', settlement_account_ciphertext: 'sealed', settlement_account_index: `index-${id}`, settlement_account_masked: '4403****8901',
    settlement_bank_code: 'ICBC', settlement_region_code: '440300', settlement_holder_name: '深圳市水务集团', fee_plan: 'standard', payer_fee_plan: null, created_at: '2017-01-01T00:00:00.000Z',
    auto_represent_max: 0, auto_represent_after_business_days: 1,
  };
}

function debitRow(id: string, merchantId: string, businessDate: string, amount: number, merchantFee: number, status: InstructionStatus): DebitRow {
  const at = `${businessDate}T02:00:00.000Z`;
  return {
    id, merchant_id: merchantId, mandate_id: null, reference: `ref-${id}`, amount, currency: 'CNY', description: null, metadata: null, status, business_date: businessDate,
    channel_id: null, routing: null, channel_cost: 0, merchant_fee: merchantFee, payer_fee: 0, merchant_fee_plan: null, payer_fee_plan: null, merchant_fee_subject: null,
    payer_fee_subject: null, batch_id: null, settlement_id: null, failure_code: null, failure_message: null, failure_retryable: null, next_action_at: null, attempt_count: 1,
    represents: null, presentment: 0, refunded_amount: 0, refunded_from_pending: 0, created_at: at, updated_at: at,
  };
}

/** The instant a Shanghai date begins, plus `hours`. */
function shanghai(date: string, hours = 0): Date {
  return new Date(Date.parse(`${date}T00:00:00+08:00`) + hours * 3_600_000);
}

for (const engine of ENGINES) {
  describe(`settlement T+1 on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;
    let db: Kysely<Database>;
    let clock: SettableClock;
    let logs: LogCapture;
    let ctx: SettlementRunContext;
    let ids: SequentialIds;
    let serial = 0;

    async function open(): Promise<void> {
      database = await freshDatabase(engine);
      const opened = openStore(engine === 'sqlite' ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') } : { engine: 'postgres', url: database.databaseUrl! });
      store = opened.store;
      db = opened.db;
      await migrateToLatest(opened.db);
      clock = new SettableClock();
      logs = new LogCapture();
      ids = new SequentialIds();
      ctx = { store, clock, calendar: CN_CALENDAR, ids, logger: createLogger({ level: 'info', destination: logs }), presenters: OBJECT_PRESENTERS };
    }

    async function close(): Promise<void> {
      await store.close();
      await database.drop();
    }

    async function merchant(): Promise<string> {
      serial += 1;
      const id = `mer_${engine}_${serial}`;
      await store.insertMerchant(merchantRow(id));
      return id;
    }

    /** A debit that succeeded, with the posting its success makes (pending gets amount − fee). */
    async function succeeded(merchantId: string, businessDate: string, amount: number, merchantFee = 0): Promise<string> {
      serial += 1;
      const id = `dbt_${serial}`;
      await store.transaction(async (tx) => {
        await tx.insertDebits([debitRow(id, merchantId, businessDate, amount, merchantFee, 'succeeded')]);
        await postSuccess(tx, id, merchantId, amount, merchantFee, businessDate);
      });
      return id;
    }

    async function postSuccess(tx: Pick<Store, 'postLedgerTransactions'>, id: string, merchantId: string, amount: number, merchantFee: number, businessDate: string): Promise<void> {
      await tx.postLedgerTransactions([{
        id: `ltx_${id}`,
        transaction: debitSucceededTransaction({ debitId: id, merchantId, channelId: 'sandbox-clearing', amountFen: amount, payerFeeFen: 0, merchantFeeFen: merchantFee, channelCostFen: 0 }),
        at: clock.now().toISOString(),
        businessDate,
      }]);
    }

    async function balances(merchantId: string): Promise<{ pending: number; available: number }> {
      const rows = await store.listLedgerAccounts('merchant', merchantId);
      const of = (kind: string) => -(rows.find((row) => row.kind === kind)?.balance ?? 0) || 0;
      return { pending: of('pending'), available: of('available') };
    }

    async function trialBalanceTotal(): Promise<number> {
      return (await store.listLedgerAccounts()).reduce((sum, row) => sum + row.balance, 0);
    }

    async function run(at: Date, businessDate?: string) {
      clock.set(at);
      return runSettlement(ctx, businessDate === undefined ? {} : { businessDate: businessDate as BusinessDate });
    }

    describe('which day a business date settles on', () => {
      beforeAll(open);
      afterAll(close);

      // Each row: debits of a business date; the last run date that leaves them unsettled; the day they settle.
      it.each([
        ['a Monday settles on Tuesday', '2024-09-23', '2024-09-23', '2024-09-24'],
        ['a Friday settles on Monday, not over the weekend', '2024-09-06', '2024-09-08', '2024-09-09'],
        ['a Friday before a Sunday worked (调休) settles that Sunday', '2024-09-27', '2024-09-28', '2024-09-29'],
        ['the Monday before National Day settles after the golden week', '2024-09-30', '2024-10-07', '2024-10-08'],
        ['a Saturday worked (2024-10-12) settles on Monday', '2024-10-12', '2024-10-13', '2024-10-14'],
      ])('%s', async (_name, businessDate, before, settlesOn) => {
        const merchantId = await merchant();
        await succeeded(merchantId, businessDate, 10_000, 20);
        await succeeded(merchantId, businessDate, 5_000, 10);
        expect(nextBusinessDay(businessDate as BusinessDate)).toBe(settlesOn);

        const early = await run(shanghai(before, 23.99), businessDate);
        expect(early.settlements).toEqual([]);
        expect(early.waiting).toEqual([expect.objectContaining({ business_date: businessDate, code: 'not_yet_due', settles_on: settlesOn, count: 2 })]);
        expect(await balances(merchantId)).toEqual({ pending: 14_970, available: 0 });

        const due = await run(shanghai(settlesOn, 0.01), businessDate);
        expect(due.settlements).toEqual([expect.objectContaining({ merchant_id: merchantId, business_date: businessDate, sequence: 1, settles_on: settlesOn, status: 'settled', count: 2, amount: 14_970 })]);
        expect(await balances(merchantId)).toEqual({ pending: 0, available: 14_970 });
        expect(await trialBalanceTotal()).toBe(0);
      });
    });

    describe('runs', () => {
      beforeEach(open);
      afterEach(close);

      it('catches up every date due, one settlement per merchant-day, each debit marked', async () => {
        const [a, b] = [await merchant(), await merchant()];
        const debits = [await succeeded(a, '2024-09-26', 1_000), await succeeded(a, '2024-09-27', 2_000), await succeeded(b, '2024-09-27', 4_000), await succeeded(b, '2024-09-30', 8_000)];
        const result = await run(shanghai('2024-10-02', 1));
        expect(result.settlements.map((row) => [row.merchant_id, row.business_date, row.settles_on, row.amount])).toEqual([
          [a, '2024-09-26', '2024-09-27', 1_000],
          [a, '2024-09-27', '2024-09-29', 2_000],
          [b, '2024-09-27', '2024-09-29', 4_000],
        ]);
        expect(result.waiting).toEqual([expect.objectContaining({ business_date: '2024-09-30', count: 1, code: 'not_yet_due', settles_on: '2024-10-08' })]);
        const marked = await Promise.all(debits.map((id) => store.getDebit(id)));
        expect(marked.map((row) => row!.settlement_id)).toEqual([result.settlements[0]!.id, result.settlements[1]!.id, result.settlements[2]!.id, null]);
        expect(await balances(a)).toEqual({ pending: 0, available: 3_000 });
        expect(await balances(b)).toEqual({ pending: 8_000, available: 4_000 });
      });

      it('running twice moves nothing twice', async () => {
        const a = await merchant();
        await succeeded(a, '2024-09-27', 1_000, 3);
        expect((await run(shanghai('2024-09-29', 1))).settlements).toHaveLength(1);
        const again = await run(shanghai('2024-09-29', 2));
        expect(again).toMatchObject({ settlements: [], waiting: [] });
        expect(await balances(a)).toEqual({ pending: 0, available: 997 });
        expect((await store.listSettlements({ limit: 10 })).data).toHaveLength(1);
      });

      it('concurrent runs settle each debit once, in one settlement per merchant-day', async () => {
        const merchants = [await merchant(), await merchant(), await merchant()];
        for (const merchantId of merchants) {
          for (let i = 0; i < 5; i += 1) await succeeded(merchantId, i % 2 === 0 ? '2024-09-26' : '2024-09-27', 1_000 + i, 7);
        }
        clock.set(shanghai('2024-10-01', 3));
        const runs = await Promise.all(Array.from({ length: 8 }, () => runSettlement(ctx)));
        const written = runs.flatMap((result) => result.settlements);
        expect(written).toHaveLength(6);
        const listed = (await store.listSettlements({ limit: 100 })).data;
        expect(listed).toHaveLength(6);
        expect(listed.every((row) => row.sequence === 1)).toBe(true);
        expect(listed.reduce((sum, row) => sum + row.count, 0)).toBe(15);
        for (const merchantId of merchants) expect(await balances(merchantId)).toEqual({ pending: 0, available: 5 * 1_002 - 5 * 7 });
        expect(await trialBalanceTotal()).toBe(0);
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
      });

      it('a debit that succeeds after its day was settled settles in the next run, as the day\'s second settlement', async () => {
        const a = await merchant();
        await succeeded(a, '2024-09-27', 1_000);
        const late = 'dbt_late';
        await store.insertDebits([debitRow(late, a, '2024-09-27', 500, 1, 'submitted')]);
        const first = await run(shanghai('2024-09-29', 1));
        expect(first.settlements).toEqual([expect.objectContaining({ sequence: 1, count: 1, amount: 1_000 })]);

        clock.set(shanghai('2024-09-30', 10));
        await store.transaction(async (tx) => {
          expect(await tx.updateDebit(late, SUCCEEDED, {}, clock.now().toISOString())).toBe(true);
          await postSuccess(tx, late, a, 500, 1, '2024-09-30');
        });
        expect(await balances(a)).toEqual({ pending: 499, available: 1_000 });
        const second = await run(shanghai('2024-09-30', 11));
        expect(second.settlements).toEqual([expect.objectContaining({ merchant_id: a, business_date: '2024-09-27', sequence: 2, settles_on: '2024-09-29', count: 1, amount: 499 })]);
        expect((await store.getDebit(late))!.settlement_id).toBe(second.settlements[0]!.id);
        expect(await balances(a)).toEqual({ pending: 0, available: 1_499 });
      });

      it('a net of zero marks the debits and posts nothing', async () => {
        const a = await merchant();
        await succeeded(a, '2024-09-27', 100, 100);
        const result = await run(shanghai('2024-09-29', 1));
        expect(result.settlements).toEqual([expect.objectContaining({ count: 1, amount: 0, ledger_transaction_id: null })]);
        expect(await trialBalanceTotal()).toBe(0);
      });

      it('leaves debits whose next business day is past the calendar unsettled, and says so', async () => {
        const a = await merchant();
        await succeeded(a, '2026-12-31', 1_000);
        await succeeded(a, '2026-12-30', 2_000);
        const result = await run(shanghai('2027-01-05', 1));
        expect(result.settlements).toEqual([expect.objectContaining({ business_date: '2026-12-30', settles_on: '2026-12-31', amount: 2_000 })]);
        expect(result.waiting).toEqual([expect.objectContaining({ business_date: '2026-12-31', count: 1, code: 'calendar_not_covered', settles_on: null })]);
        expect(result.waiting[0]!.detail).toMatch(/business calendar covers 2017-01-01 to 2026-12-31/);
        expect(await balances(a)).toEqual({ pending: 1_000, available: 2_000 });
        expect(logs.lines.some((line) => line.includes('"business_date":"2026-12-31"') && line.includes('calendar'))).toBe(true);
      });

      it('settles them once the calendar holds the next year (DAIKOU_CALENDAR_FILE)', async () => {
        const a = await merchant();
        await succeeded(a, '2026-12-31', 1_000);
        const dir = mkdtempSync(path.join(os.tmpdir(), 'daikou-calendar-'));
        try {
          clock.set(shanghai('2027-01-05', 1));
          const result = await runSettlement({ ...ctx, calendar: loadCalendarFile(writeCalendarFile(dir, tableWithTestYear2027())) });
          expect(result.waiting).toEqual([]);
          expect(result.settlements).toEqual([expect.objectContaining({ business_date: '2026-12-31', settles_on: '2027-01-04', amount: 1_000 })]);
          expect(await balances(a)).toEqual({ pending: 0, available: 1_000 });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it('settles only the business date asked for', async () => {
        const a = await merchant();
        await succeeded(a, '2024-09-26', 1_000);
        await succeeded(a, '2024-09-27', 2_000);
        const result = await run(shanghai('2024-10-08', 1), '2024-09-27');
        expect(result.settlements.map((row) => row.business_date)).toEqual(['2024-09-27']);
        expect(await balances(a)).toEqual({ pending: 1_000, available: 2_000 });
      });

      it('settleMerchantDay takes a merchant-day once: the second call finds nothing, other days and merchants are left', async () => {
        const [a, b] = [await merchant(), await merchant()];
        const mine = await succeeded(a, '2024-09-27', 1_000);
        const otherDay = await succeeded(a, '2024-09-26', 2_000);
        const otherMerchant = await succeeded(b, '2024-09-27', 4_000);
        const settle = (id: string) => store.transaction(async (tx) => {
          const row = await tx.settleMerchantDay({ id, merchantId: a, businessDate: '2024-09-27', settlesOn: '2024-09-29', ledgerTransactionId: `ltx_${id}`, at: '2024-09-28T16:05:00.000Z' });
          if (row !== null) await tx.postLedgerTransactions([{ id: `ltx_${id}`, transaction: settlementTransaction(id, a, row.amount), at: row.created_at, businessDate: '2024-09-29' }]);
          return row;
        });
        expect(await settle('stl_first')).toMatchObject({ id: 'stl_first', sequence: 1, count: 1, amount: 1_000, ledger_transaction_id: 'ltx_stl_first' });
        expect(await settle('stl_second')).toBeNull();
        expect((await store.getDebit(mine))!.settlement_id).toBe('stl_first');
        expect((await store.getDebit(otherDay))!.settlement_id).toBeNull();
        expect((await store.getDebit(otherMerchant))!.settlement_id).toBeNull();
        expect(await store.listUnsettledDays(10)).toEqual([
          { merchant_id: a, business_date: '2024-09-26', count: 1 },
          { merchant_id: b, business_date: '2024-09-27', count: 1 },
        ]);
      });

      // A run that starts while another holds a day's debits (a debit of the day succeeded in
      // between) waits on the first's row locks, skips the debits it took, takes the new one and
      // writes the day's next sequence. SQLite has one writer, so the runs cannot overlap there;
      // on PostgreSQL the test waits until the second run is blocked on the first.
      it.runIf(engine === 'postgres')('two runs that took debits of one day write sequences 1 and 2', async () => {
        const a = await merchant();
        await succeeded(a, '2024-09-27', 1_000);
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let tookFirst!: () => void;
        const took = new Promise<void>((resolve) => (tookFirst = resolve));
        const settle = (id: string, wait: boolean) => store.transaction(async (tx) => {
          const row = await tx.settleMerchantDay({ id, merchantId: a, businessDate: '2024-09-27', settlesOn: '2024-09-29', ledgerTransactionId: `ltx_${id}`, at: '2024-09-28T16:05:00.000Z' });
          // Held before the posting: a success posted meanwhile must not wait on the merchant's accounts.
          if (wait) {
            tookFirst();
            await gate;
          }
          if (row !== null) await tx.postLedgerTransactions([{ id: `ltx_${id}`, transaction: settlementTransaction(id, a, row.amount), at: row.created_at, businessDate: '2024-09-29' }]);
          return row;
        });
        const first = settle('stl_first', true);
        await took;
        await succeeded(a, '2024-09-27', 500);
        const second = settle('stl_second', false);
        await eventually(async () => {
          const blocked = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
          return blocked.rows[0]!.n > 0;
        }, 15_000, 'the second run to wait on the first');
        release();
        expect(await first).toMatchObject({ sequence: 1, count: 1, amount: 1_000 });
        expect(await second).toMatchObject({ sequence: 2, count: 1, amount: 500 });
        expect(await balances(a)).toEqual({ pending: 0, available: 1_500 });
      });

      it('property: pending + available is conserved, and every succeeded debit settles once, on or after its T+1', async () => {
        const dates = ['2024-09-26', '2024-09-27', '2024-09-28', '2024-09-29', '2024-09-30', '2024-10-01', '2024-10-07', '2024-10-08', '2024-10-11', '2024-10-12'];
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.record({ date: fc.constantFrom(...dates), amount: fc.integer({ min: 1, max: 1_000_000 }), fee: fc.integer({ min: 0, max: 500 }), late: fc.boolean() }), { minLength: 1, maxLength: 12 }),
            fc.array(fc.record({ date: fc.constantFrom(...dates, '2024-10-14', '2024-10-15'), hour: fc.integer({ min: 0, max: 23 }) }), { minLength: 1, maxLength: 5 }),
            async (debits, runDates) => {
              const merchantId = await merchant();
              const ids: string[] = [];
              for (const { date, amount, fee, late } of debits) {
                if (!late) ids.push(await succeeded(merchantId, date, amount, fee));
                else {
                  serial += 1;
                  ids.push(`dbt_${serial}`);
                  await store.insertDebits([debitRow(`dbt_${serial}`, merchantId, date, amount, fee, 'submitted')]);
                }
              }
              const total = debits.reduce((sum, d) => sum + (d.late ? 0 : d.amount - d.fee), 0);
              const settledOn = new Map<string, string>();
              const runs = [...runDates].sort((x, y) => (x.date + String(x.hour).padStart(2, '0') < y.date + String(y.hour).padStart(2, '0') ? -1 : 1));
              let lateTotal = 0;
              for (const [index, { date, hour }] of runs.entries()) {
                const result = await run(shanghai(date, hour));
                for (const row of result.settlements.filter((s) => s.merchant_id === merchantId)) {
                  expect(row.settles_on).toBe(nextBusinessDay(row.business_date as BusinessDate));
                  expect(date >= row.settles_on).toBe(true);
                }
                // The late debits succeed after the first run.
                if (index === 0) {
                  await store.transaction(async (tx) => {
                    for (const [i, d] of debits.entries()) {
                      if (!d.late) continue;
                      await tx.updateDebit(ids[i]!, SUCCEEDED, {}, clock.now().toISOString());
                      await postSuccess(tx, ids[i]!, merchantId, d.amount, d.fee, date);
                      lateTotal += d.amount - d.fee;
                    }
                  });
                }
                const { pending, available } = await balances(merchantId);
                expect(pending + available).toBe(total + lateTotal);
                for (const id of ids) {
                  const row = (await store.getDebit(id))!;
                  if (row.settlement_id !== null && !settledOn.has(id)) settledOn.set(id, row.settlement_id);
                  // Once taken, a debit keeps its settlement.
                  if (settledOn.has(id)) expect(row.settlement_id).toBe(settledOn.get(id));
                }
              }
              // Each debit is counted in exactly the settlement that marked it.
              const mine = (await store.listSettlements({ merchantId, limit: 100 })).data;
              expect(mine.reduce((sum, row) => sum + row.count, 0)).toBe(settledOn.size);
              expect(mine.reduce((sum, row) => sum + row.amount, 0)).toBe((await balances(merchantId)).available);
              const lastRun = runs.at(-1)!.date;
              for (const [i, d] of debits.entries()) {
                const due = nextBusinessDay(d.date as BusinessDate) <= lastRun && (!d.late || runs.length > 1);
                expect(settledOn.has(ids[i]!)).toBe(due);
              }
              expect(await trialBalanceTotal()).toBe(0);
            },
          ),
          { numRuns: engine === 'postgres' ? 15 : 25 },
        );
      }, 120_000);
    });
  });
}

