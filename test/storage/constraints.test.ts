import path from 'node:path';
import type { Insertable, Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/ports.js';
import { ATTEMPT_STATES, BATCH_KINDS, DEBIT_STATUSES, debitSucceededTransaction, EVENT_NAMES, eventType } from '../../src/core/index.js';
import { BATCH_STATUSES } from '../../src/http/representations/batches.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import type { Database } from '../../src/storage/schema.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

/**
 * The database's own guards (migrations 009 and 011): each CHECK refuses a bad write on both engines —
 * the constraint has the same name on PostgreSQL and SQLite (whose tables are rebuilt) — every status the code
 * knows is still taken, and the ledger's rows can be neither updated nor deleted.
 */

const AT = '2017-12-07T01:30:00.000Z';

type Row<T extends keyof Database> = Insertable<Database[T]>;

const merchant: Row<'merchants'> = {
  id: 'mer_1', name: 'Water', category: 'utility', settlement_account_ciphertext: 'sealed', settlement_account_index: 'index', settlement_account_masked: '6222****0123',
  settlement_bank_code: 'ICBC', settlement_region_code: '440300', settlement_holder_name: '深圳市水务集团', fee_plan: 'standard', payer_fee_plan: null, created_at: AT,
  auto_represent_max: 0, auto_represent_after_business_days: 1,
};

const channel: Row<'channels'> = {
  id: 'chn_1', type: 'collection_center', name: 'Center', region_code: null, bank_code: null, capabilities: '["debit"]', priority: 10, endpoint: 'http://127.0.0.1:9/', cost_schedule: '{}', enabled: 1, created_at: AT, updated_at: null,
};

function mandate(id: string, overrides: Partial<Row<'mandates'>> = {}): Row<'mandates'> {
  return {
    id, merchant_id: 'mer_1', agreement_number: `AGR-${id}`, status: 'active', account_ciphertext: 'sealed', account_index: 'index', account_masked: '6222****0123', account_kind: 'personal', medium: 'bank_card',
    signed_at: AT, per_debit_max: 500_000, monthly_max: null, created_at: AT, ...overrides,
  };
}

function debit(id: string, overrides: Partial<Row<'debits'>> = {}): Row<'debits'> {
  return {
    id, merchant_id: 'mer_1', mandate_id: 'mnd_1', reference: `ref-${id}`, amount: 12_345, currency: 'CNY', status: 'pending', business_date: '2017-12-07', channel_cost: 30, merchant_fee: 0, payer_fee: 0,
    attempt_count: 0, created_at: AT, updated_at: AT, presentment: 0, refunded_amount: 0, refunded_from_pending: 0, ...overrides,
  };
}

function attempt(id: string, overrides: Partial<Row<'attempts'>> = {}): Row<'attempts'> {
  return { id, debit_id: 'dbt_1', attempt_number: Number(id.slice(4)), channel_id: 'chn_1', end_to_end_id: id, state: 'sending', query_count: 0, created_at: AT, updated_at: AT, ...overrides };
}

function batch(id: string, overrides: Partial<Row<'batches'>> = {}): Row<'batches'> {
  return { id, merchant_id: 'mer_1', file_sha256: id.padStart(64, '0'), format: 'csv', kind: 'debit', file_name: `${id}.csv`, status: 'processing', cursor: 0, rows: 0, accepted: 0, rejected: 0, created_at: AT, attempts: 0, file_bytes: 0, encoding: 'utf-8', ...overrides };
}

function batchRow(row: number, overrides: Partial<Row<'batch_rows'>> = {}): Row<'batch_rows'> {
  return { batch_id: 'bat_1', row, status: 'accepted', ...overrides };
}

function debitEvent(id: string, overrides: Partial<Row<'debit_events'>> = {}): Row<'debit_events'> {
  return { id, debit_id: 'dbt_1', type: 'debit.created', status: 'pending', at: AT, data: null, ...overrides };
}

function idempotencyKey(key: string, overrides: Partial<Row<'idempotency_keys'>> = {}): Row<'idempotency_keys'> {
  return { merchant_id: 'mer_1', key, request_hash: 'hash', state: 'in_progress', created_at: AT, ...overrides };
}

/** The error a promise rejects with; fails the test when it resolves instead. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the write to be refused, but it succeeded');
}

/** A value outside its column's closed union: the types refuse it too, but this test asks the database. */
const outside = (value: string) => value as never;

/** A bad write, and the constraint that must refuse it. */
type BadWrite = [string, (db: Kysely<Database>) => Promise<unknown>, string];

const BAD_WRITES: BadWrite[] = [
  ['a debit of an unknown status', (db) => db.insertInto('debits').values(debit('dbt_x', { status: outside('lost') })).execute(), 'debits_status_known'],
  ['a debit moved to an unknown status', (db) => db.updateTable('debits').set({ status: outside('lost') }).where('id', '=', 'dbt_1').execute(), 'debits_status_known'],
  ['a debit of zero fen', (db) => db.insertInto('debits').values(debit('dbt_x', { amount: 0 })).execute(), 'debits_amount_positive'],
  ['a debit of negative fen', (db) => db.insertInto('debits').values(debit('dbt_x', { amount: -1 })).execute(), 'debits_amount_positive'],
  ['a debit amount updated to zero', (db) => db.updateTable('debits').set({ amount: 0 }).where('id', '=', 'dbt_1').execute(), 'debits_amount_positive'],
  ['a negative channel cost', (db) => db.insertInto('debits').values(debit('dbt_x', { channel_cost: -1 })).execute(), 'debits_channel_cost_not_negative'],
  ['a negative merchant fee', (db) => db.insertInto('debits').values(debit('dbt_x', { merchant_fee: -1 })).execute(), 'debits_merchant_fee_not_negative'],
  ['a negative payer fee', (db) => db.updateTable('debits').set({ payer_fee: -5 }).where('id', '=', 'dbt_1').execute(), 'debits_payer_fee_not_negative'],
  // Migration 015: refunds never above the debit.
  ['a debit refunded above its amount', (db) => db.updateTable('debits').set({ refunded_amount: 12_346 }).where('id', '=', 'dbt_1').execute(), 'debits_refunded_amount_within_amount'],
  ['a negative refunded amount', (db) => db.updateTable('debits').set({ refunded_amount: -1 }).where('id', '=', 'dbt_1').execute(), 'debits_refunded_amount_within_amount'],
  ['an attempt of an unknown state', (db) => db.insertInto('attempts').values(attempt('att_2', { state: outside('maybe') })).execute(), 'attempts_state_known'],
  ['an attempt moved to an unknown state', (db) => db.updateTable('attempts').set({ state: outside('maybe') }).where('id', '=', 'att_1').execute(), 'attempts_state_known'],
  ['a mandate stored as expired (derived, never stored)', (db) => db.insertInto('mandates').values(mandate('mnd_x', { status: outside('expired') })).execute(), 'mandates_status_known'],
  ['a mandate moved to an unknown status', (db) => db.updateTable('mandates').set({ status: outside('paused') }).where('id', '=', 'mnd_1').execute(), 'mandates_status_known'],
  ['a mandate limit of zero per debit', (db) => db.insertInto('mandates').values(mandate('mnd_x', { per_debit_max: 0 })).execute(), 'mandates_per_debit_max_positive'],
  ['a negative monthly limit', (db) => db.insertInto('mandates').values(mandate('mnd_x', { monthly_max: -100 })).execute(), 'mandates_monthly_max_positive'],
  ['a batch of an unknown status', (db) => db.insertInto('batches').values(batch('bat_x', { status: outside('queued') })).execute(), 'batches_status_known'],
  ['a batch finished with an unknown status', (db) => db.updateTable('batches').set({ status: outside('done') }).where('id', '=', 'bat_1').execute(), 'batches_status_known'],
  ['a batch row of an unknown status', (db) => db.insertInto('batch_rows').values(batchRow(2, { status: outside('skipped') })).execute(), 'batch_rows_status_known'],
  ['an idempotency key of an unknown state', (db) => db.insertInto('idempotency_keys').values(idempotencyKey('k2', { state: outside('finished') })).execute(), 'idempotency_keys_state_known'],
  ['an idempotency key completed with an unknown state', (db) => db.updateTable('idempotency_keys').set({ state: outside('finished') }).where('key', '=', 'k1').execute(), 'idempotency_keys_state_known'],
  ['a debit in another currency', (db) => db.insertInto('debits').values(debit('dbt_x', { currency: 'USD' })).execute(), 'debits_currency_known'],
  ['an event of an unknown type', (db) => db.insertInto('debit_events').values(debitEvent('evt_x', { type: outside('debit.lost') })).execute(), 'debit_events_type_known'],
  ['an event of an unknown status', (db) => db.insertInto('debit_events').values(debitEvent('evt_x', { status: outside('lost') })).execute(), 'debit_events_status_known'],
  ['a mandate usage counter below zero', (db) => db.updateTable('mandate_usage').set({ amount: -1 }).where('mandate_id', '=', 'mnd_1').execute(), 'mandate_usage_amount_not_negative'],
  ['an allowance usage counter below zero', (db) => db.insertInto('allowance_usage').values({ plan_id: 'card-repayment-2017', subject: 'subject', month: '2017-12', amount: -100 }).execute(), 'allowance_usage_amount_not_negative'],
  ['a batch of an unknown kind', (db) => db.insertInto('batches').values(batch('bat_x', { kind: outside('refund') })).execute(), 'batches_kind_known'],
  ['a posting of zero fen', (db) => db.insertInto('postings').values({ transaction_id: 'ltx_1', line: 99, account_id: 'platform:fee_revenue', amount: 0 }).execute(), 'postings_amount_not_zero'],
];

/** Writes that would change the ledger's history. */
const LEDGER_REWRITES: [string, (db: Kysely<Database>) => Promise<unknown>][] = [
  ['update a posting', (db) => db.updateTable('postings').set({ amount: 1 }).where('transaction_id', '=', 'ltx_1').where('line', '=', 1).execute()],
  ['delete a posting', (db) => db.deleteFrom('postings').where('transaction_id', '=', 'ltx_1').execute()],
  ['update a ledger transaction', (db) => db.updateTable('ledger_transactions').set({ ref_id: 'dbt_other' }).where('id', '=', 'ltx_1').execute()],
  ['delete a ledger transaction', (db) => db.deleteFrom('ledger_transactions').where('id', '=', 'ltx_1').execute()],
];

for (const engine of ENGINES) {
  describe(engine, () => {
    let database: TestDatabase;
    let store: Store;
    let db: Kysely<Database>;

    beforeEach(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(engine === 'sqlite' ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') } : { engine: 'postgres', url: database.databaseUrl! });
      store = opened.store;
      db = opened.db;
      await migrateToLatest(db);
      // One good row of each table that a bad write updates.
      await db.insertInto('merchants').values(merchant).execute();
      await db.insertInto('channels').values(channel).execute();
      await db.insertInto('mandates').values(mandate('mnd_1')).execute();
      await db.insertInto('debits').values(debit('dbt_1')).execute();
      await db.insertInto('attempts').values(attempt('att_1')).execute();
      await db.insertInto('batches').values(batch('bat_1')).execute();
      await db.insertInto('batch_rows').values(batchRow(1)).execute();
      await db.insertInto('idempotency_keys').values(idempotencyKey('k1')).execute();
      await db.insertInto('debit_events').values(debitEvent('evt_1')).execute();
      await db.insertInto('mandate_usage').values({ mandate_id: 'mnd_1', month: '2017-12', amount: 12_345 }).execute();
      const amounts = { debitId: 'dbt_1', merchantId: 'mer_1', channelId: 'chn_1', amountFen: 12_345, payerFeeFen: 0, merchantFeeFen: 60, channelCostFen: 30 };
      await store.postLedgerTransactions([{ id: 'ltx_1', transaction: debitSucceededTransaction(amounts), at: AT, businessDate: '2017-12-07' }]);
    });

    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    it.each(BAD_WRITES)('refuses %s', async (_, write, constraint) => {
      const error = await rejection(write(db));
      expect(error.message).toContain(constraint);
    });

    it('takes every status and state the code knows, and null limits', async () => {
      for (const status of DEBIT_STATUSES) await db.insertInto('debits').values(debit(`dbt_${status}`, { status })).execute();
      for (const [index, state] of ATTEMPT_STATES.entries()) await db.insertInto('attempts').values(attempt(`att_${index + 2}`, { state })).execute();
      for (const status of BATCH_STATUSES) await db.insertInto('batches').values(batch(`bat_${status}`, { status })).execute();
      for (const kind of BATCH_KINDS) await db.insertInto('batches').values(batch(`bat_${kind}`, { kind })).execute();
      await db.insertInto('batch_rows').values(batchRow(2, { status: 'rejected' })).execute();
      await db.insertInto('mandates').values(mandate('mnd_2', { status: 'revoked', per_debit_max: null, monthly_max: null })).execute();
      await db.updateTable('idempotency_keys').set({ state: 'done', response_status: 201, response_body: '{}' }).where('key', '=', 'k1').execute();
      for (const [index, name] of EVENT_NAMES.entries()) await db.insertInto('debit_events').values(debitEvent(`evt_${index + 2}`, { type: eventType('debit', name), status: DEBIT_STATUSES[index % DEBIT_STATUSES.length]! })).execute();
      await db.updateTable('mandate_usage').set({ amount: 0 }).where('mandate_id', '=', 'mnd_1').execute();
      expect(await db.selectFrom('debits').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: DEBIT_STATUSES.length + 1 });
      expect(await db.selectFrom('debit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: EVENT_NAMES.length + 1 });
      expect(await db.selectFrom('attempts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: ATTEMPT_STATES.length + 1 });
    });

    it.each(LEDGER_REWRITES)('refuses to %s: the ledger is append-only', async (_, write) => {
      const before = await db.selectFrom('postings').selectAll().orderBy('line').execute();
      const error = await rejection(write(db));
      expect(error.message).toMatch(/is append-only/);
      expect(await db.selectFrom('postings').selectAll().orderBy('line').execute()).toEqual(before);
      expect(await db.selectFrom('ledger_transactions').select(['id', 'ref_id']).execute()).toEqual([{ id: 'ltx_1', ref_id: 'dbt_1' }]);
    });

    it('still posts new transactions, and skips one already posted', async () => {
      const amounts = { debitId: 'dbt_2', merchantId: 'mer_1', channelId: 'chn_1', amountFen: 500, payerFeeFen: 7, merchantFeeFen: 0, channelCostFen: 30 };
      const entries = [
        { id: 'ltx_2', transaction: debitSucceededTransaction(amounts), at: AT, businessDate: '2017-12-07' },
        { id: 'ltx_3', transaction: debitSucceededTransaction({ ...amounts, debitId: 'dbt_1' }), at: AT, businessDate: '2017-12-07' },
      ];
      expect([...(await store.transaction((tx) => tx.postLedgerTransactions(entries)))]).toEqual(['ltx_2']);
      expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
    });
  });
}
