import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  ApiKeyRow,
  AttemptRow,
  ChannelRow,
  DebitEventRow,
  DebitRow,
  FeePlanRow,
  IdempotencyRow,
  MandateRow,
  MerchantRow,
  RuleRow,
  Store,
} from '../../src/app/ports.js';
import { idempotencyPair, MANDATE_TERMS_COLUMNS } from '../../src/app/ports.js';
import {
  answerStep,
  instructionMove,
  InvariantError,
  SequentialIds,
  accounts,
  debitSucceededTransaction,
  ledgerTransaction,
  type BatchStatus,
  type DebitSettlementAmounts,
  type InstructionStatus,
  type LedgerTransaction,
} from '../../src/core/index.js';
import { BATCH_ROWS_TABLE, DEBIT_EVENTS_TABLE, DEBITS_TABLE, MANDATES_TABLE, type BulkTable } from '../../src/storage/tables.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import type { Database } from '../../src/storage/schema.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

// Status writes take only the transition table's changes (a forged one is refused below).
const SUCCEEDED = answerStep('debit', 'accepted', 'succeeded');
const FAILED = answerStep('debit', 'accepted', 'failed');
const ACCEPTED = answerStep('debit', 'sending', 'accepted');
const CLAIMED = instructionMove('debit', 'claimed').instruction;
const REROUTED = instructionMove('debit', 'rerouted').instruction;

/**
 * The contract of the `Store` port (src/app/ports.ts), run once per engine on a fresh, migrated
 * database for every test. Conditional methods are checked from both sides: the call that wins
 * and the call that must lose.
 */

const T0_MS = Date.parse('2017-12-07T01:30:00.000Z');

/** An instant `minutes` after T0, written the way the store keeps times. */
function at(minutes: number): string {
  return new Date(T0_MS + minutes * 60_000).toISOString();
}

/** Long enough for the other transaction to reach the same row while this one holds it. */
function pause(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A write that meets a unique index nobody expects to meet (an id, a key hash) is a bug: it
 * rejects with the driver's error, SQLSTATE 23505 on PostgreSQL, SQLITE_CONSTRAINT_* on SQLite.
 */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The error a promise rejects with; fails the test when it resolves instead. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

function ids<T extends { id: string }>(rows: readonly T[]): string[] {
  return rows.map((row) => row.id);
}

function merchantRow(id: string, overrides: Partial<MerchantRow> = {}): MerchantRow {
  return {
    id,
    name: `Merchant ${id}`,
    category: 'utility',
    settlement_account_ciphertext: `sealed:${id}`,
    settlement_account_index: `index:${id}`,
    settlement_account_masked: '622202*********0123',
    settlement_bank_code: 'ICBC',
    settlement_region_code: '440300',
    settlement_holder_name: '深圳市水务集团',
    fee_plan: 'standard',
    payer_fee_plan: null,
    created_at: at(0),
    auto_represent_max: 0,
    auto_represent_after_business_days: 1,
    ...overrides,
  };
}

function mandateRow(id: string, merchantId: string, overrides: Partial<MandateRow> = {}): MandateRow {
  return {
    id,
    merchant_id: merchantId,
    agreement_number: `AGR-${id}`,
    status: 'active',
    account_ciphertext: 'sealed:account',
    account_index: 'index:account-1',
    account_masked: '622202*********0123',
    account_kind: 'personal',
    medium: 'bank_card',
    bank_code: 'ICBC',
    region_code: '440305',
    holder_name: '张三',
    id_number_ciphertext: 'sealed:id',
    id_number_index: 'index:id',
    id_number_masked: '1*****************X',
    phone_ciphertext: null,
    phone_index: null,
    phone_masked: null,
    signed_at: at(0),
    valid_from: '2017-01-01',
    valid_until: '2027-12-31',
    per_debit_max: 500_000,
    monthly_max: 1_000_000,
    revoked_at: null,
    created_at: at(0),
    ...overrides,
  };
}

function channelRow(id: string, overrides: Partial<ChannelRow> = {}): ChannelRow {
  return {
    id,
    type: 'collection_center',
    name: `Channel ${id}`,
    region_code: null,
    bank_code: null,
    capabilities: '["debit"]',
    priority: 10,
    endpoint: 'http://127.0.0.1:9/',
    cost_schedule: '{"fixed":30}',
    enabled: 1,
    created_at: at(0),
    updated_at: null,
    ...overrides,
  };
}

function debitRow(id: string, merchantId: string, mandateId: string | null, overrides: Partial<DebitRow> = {}): DebitRow {
  return {
    id,
    merchant_id: merchantId,
    mandate_id: mandateId,
    reference: `ref-${id}`,
    amount: 12_345,
    currency: 'CNY',
    description: null,
    metadata: null,
    status: 'pending',
    business_date: '2017-12-07',
    channel_id: null,
    routing: null,
    channel_cost: 0,
    merchant_fee: 0,
    payer_fee: 0,
    merchant_fee_plan: null,
    payer_fee_plan: null,
    merchant_fee_subject: null,
    payer_fee_subject: null,
    batch_id: null,
    settlement_id: null,
    failure_code: null,
    failure_message: null,
    failure_retryable: null,
    next_action_at: at(0),
    attempt_count: 0,
    created_at: at(0),
    updated_at: at(0),
    represents: null,
    presentment: 0,
    refunded_amount: 0,
    refunded_from_pending: 0,
    ...overrides,
  };
}

function attemptRow(id: string, debitId: string, channelId: string, overrides: Partial<AttemptRow> = {}): AttemptRow {
  return {
    id,
    debit_id: debitId,
    attempt_number: 1,
    channel_id: channelId,
    end_to_end_id: debitId,
    state: 'sending',
    channel_reference: null,
    failure_code: null,
    failure_message: null,
    next_query_at: at(0),
    query_count: 0,
    lease_owner: null,
    lease_until: null,
    created_at: at(0),
    updated_at: at(0),
    ...overrides,
  };
}

function apiKeyRow(id: string, merchantId: string | null, overrides: Partial<ApiKeyRow> = {}): ApiKeyRow {
  return { id, key_hash: `hash:${id}`, merchant_id: merchantId, prefix: merchantId === null ? 'dk_op_abcde' : 'dk_mer_abcde', label: `key ${id}`, created_at: at(0), revoked_at: null, ...overrides };
}

function idempotencyRow(merchantId: string, key: string, overrides: Partial<IdempotencyRow> = {}): IdempotencyRow {
  return {
    merchant_id: merchantId,
    key,
    request_hash: `hash-of-${key}`,
    state: 'in_progress',
    response_status: null,
    response_body: null,
    created_at: at(0),
    ...overrides,
  };
}

function eventRow(id: string, debitId: string, overrides: Partial<DebitEventRow> = {}): DebitEventRow {
  return { id, debit_id: debitId, type: 'debit.created', status: 'pending', at: at(0), data: null, ...overrides };
}

/** One ledger transaction through the set-based port: true when it was posted. */
async function post(target: Pick<Store, 'postLedgerTransactions'>, id: string, transaction: LedgerTransaction, at: string, businessDate: string): Promise<boolean> {
  return (await target.postLedgerTransactions([{ id, transaction, at, businessDate }])).has(id);
}

function insertAttempt(target: Pick<Store, 'insertAttempts'>, row: AttemptRow): Promise<void> {
  return target.insertAttempts([row]);
}

for (const engine of ENGINES) {
  describe(engine, () => {
    let database: TestDatabase;
    let store: Store;
    let db: Kysely<Database>;
    let idSource: SequentialIds;

    beforeEach(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(
        engine === 'sqlite'
          ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') }
          : { engine: 'postgres', url: database.databaseUrl! },
      );
      store = opened.store;
      db = opened.db;
      await migrateToLatest(db);
      idSource = new SequentialIds();
    });

    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    /** A merchant, a channel and an active mandate, the minimum a debit refers to. */
    async function seedWorld(): Promise<{ merchant: MerchantRow; channel: ChannelRow; mandate: MandateRow }> {
      const merchant = merchantRow(idSource.next('merchant'));
      const channel = channelRow(idSource.next('channel'));
      const mandate = mandateRow(idSource.next('mandate'), merchant.id);
      await store.insertMerchant(merchant);
      await store.upsertChannel(channel);
      await store.insertMandate(mandate);
      return { merchant, channel, mandate };
    }

    async function seedDebit(merchantId: string, mandateId: string | null, overrides: Partial<DebitRow> = {}): Promise<DebitRow> {
      const debit = debitRow(idSource.next('debit'), merchantId, mandateId, overrides);
      await store.insertDebit(debit);
      return debit;
    }

    it('reports its engine', () => {
      expect(store.engine).toBe(engine);
    });

    describe('transaction', () => {
      it('commits what the work wrote and returns its result', async () => {
        const merchant = merchantRow(idSource.next('merchant'));
        const result = await store.transaction(async (tx) => {
          await tx.insertMerchant(merchant);
          return tx.getMerchant(merchant.id);
        });
        expect(result).toEqual(merchant);
        expect(await store.getMerchant(merchant.id)).toEqual(merchant);
      });

      it('rolls back everything when the work throws', async () => {
        const merchant = merchantRow(idSource.next('merchant'));
        const failure = await rejection(
          store.transaction(async (tx) => {
            await tx.insertMerchant(merchant);
            await tx.putSetting('touched', 'yes');
            throw new Error('boom');
          }),
        );
        expect(failure).toEqual(new Error('boom'));
        expect(await store.getMerchant(merchant.id)).toBeNull();
        expect(await store.getSetting('touched')).toBeNull();
      });
    });

    describe('settings', () => {
      it('reads null for a missing key, then the last value put', async () => {
        expect(await store.getSetting('operator_key_hash')).toBeNull();
        await store.putSetting('operator_key_hash', 'first');
        expect(await store.getSetting('operator_key_hash')).toBe('first');
        await store.putSetting('operator_key_hash', 'second');
        expect(await store.getSetting('operator_key_hash')).toBe('second');
        expect(await store.getSetting('other')).toBeNull();
      });
    });

    describe('api keys', () => {
      it('finds a key by its hash only', async () => {
        const { merchant } = await seedWorld();
        const key = apiKeyRow(idSource.next('apiKey'), merchant.id);
        await store.insertApiKey(key);
        expect(await store.findApiKeyByHash(key.key_hash)).toEqual(key);
        expect(await store.findApiKeyByHash('hash:unknown')).toBeNull();
      });

      it('refuses a second key with the same hash', async () => {
        const first = apiKeyRow(idSource.next('apiKey'), null, { key_hash: 'same' });
        const second = apiKeyRow(idSource.next('apiKey'), null, { key_hash: 'same' });
        await store.insertApiKey(first);
        expect(isUniqueViolation(await rejection(store.insertApiKey(second)))).toBe(true);
      });

      it('counts operator keys that are not revoked', async () => {
        const { merchant } = await seedWorld();
        expect(await store.countOperatorKeys()).toBe(0);
        await store.insertApiKey(apiKeyRow(idSource.next('apiKey'), null));
        await store.insertApiKey(apiKeyRow(idSource.next('apiKey'), null));
        await store.insertApiKey(apiKeyRow(idSource.next('apiKey'), null, { revoked_at: at(5) }));
        await store.insertApiKey(apiKeyRow(idSource.next('apiKey'), merchant.id));
        expect(await store.countOperatorKeys()).toBe(2);
      });
    });

    describe('merchants', () => {
      it('reads back what was inserted, and null for an unknown id', async () => {
        const merchant = merchantRow(idSource.next('merchant'), { payer_fee_plan: 'payer_standard' });
        await store.insertMerchant(merchant);
        expect(await store.getMerchant(merchant.id)).toEqual(merchant);
        expect(await store.getMerchant('mer_unknown')).toBeNull();
      });

      it('refuses a second merchant with the same id as a unique violation', async () => {
        const merchant = merchantRow(idSource.next('merchant'));
        await store.insertMerchant(merchant);
        expect(isUniqueViolation(await rejection(store.insertMerchant(merchant)))).toBe(true);
      });

      it('pages newest first by id', async () => {
        const inserted: MerchantRow[] = [];
        for (let i = 0; i < 5; i += 1) {
          const merchant = merchantRow(idSource.next('merchant'));
          inserted.push(merchant);
          await store.insertMerchant(merchant);
        }
        const [m1, m2, m3, m4, m5] = ids(inserted);
        const first = await store.listMerchants({ limit: 2 });
        expect({ ids: ids(first.data), hasMore: first.hasMore }).toEqual({ ids: [m5, m4], hasMore: true });
        const second = await store.listMerchants({ limit: 2, startingAfter: m4 });
        expect({ ids: ids(second.data), hasMore: second.hasMore }).toEqual({ ids: [m3, m2], hasMore: true });
        const last = await store.listMerchants({ limit: 2, startingAfter: m2 });
        expect({ ids: ids(last.data), hasMore: last.hasMore }).toEqual({ ids: [m1], hasMore: false });
        const exact = await store.listMerchants({ limit: 5 });
        expect({ ids: ids(exact.data), hasMore: exact.hasMore }).toEqual({ ids: [m5, m4, m3, m2, m1], hasMore: false });
        expect(first.data[0]).toEqual(inserted[4]);
      });
    });

    describe('mandates', () => {
      it('reads back what was inserted, amounts as numbers', async () => {
        const { merchant } = await seedWorld();
        const mandate = mandateRow(idSource.next('mandate'), merchant.id, {
          per_debit_max: 2 ** 52,
          monthly_max: null,
          valid_from: null,
          valid_until: null,
        });
        await store.insertMandate(mandate);
        expect(await store.getMandate(mandate.id)).toEqual(mandate);
        expect(await store.getMandate('mdt_unknown')).toBeNull();
      });

      it('finds a mandate by agreement number within its merchant only', async () => {
        const { merchant, mandate } = await seedWorld();
        const other = merchantRow(idSource.next('merchant'));
        await store.insertMerchant(other);
        expect(await store.findMandateByAgreement(merchant.id, mandate.agreement_number)).toEqual(mandate);
        expect(await store.findMandateByAgreement(other.id, mandate.agreement_number)).toBeNull();
        expect(await store.findMandateByAgreement(merchant.id, 'AGR-none')).toBeNull();
      });

      it('keeps agreement numbers unique per merchant', async () => {
        const { merchant, mandate } = await seedWorld();
        const other = merchantRow(idSource.next('merchant'));
        await store.insertMerchant(other);
        const clash = mandateRow(idSource.next('mandate'), merchant.id, { agreement_number: mandate.agreement_number });
        expect(await store.insertMandate(clash)).toBe('agreement_taken');
        expect(await store.getMandate(clash.id)).toBeNull();
        await store.insertMandate(mandateRow(idSource.next('mandate'), other.id, { agreement_number: mandate.agreement_number }));
        expect(await store.findMandateByAgreement(other.id, mandate.agreement_number)).not.toBeNull();
      });

      it('answers a taken agreement number as a value and leaves the transaction usable', async () => {
        const { merchant, mandate } = await seedWorld();
        const clash = mandateRow(idSource.next('mandate'), merchant.id, { agreement_number: mandate.agreement_number });
        const next = mandateRow(idSource.next('mandate'), merchant.id);
        const answers = await store.transaction(async (tx) => [await tx.insertMandate(clash), await tx.insertMandate(next)]);
        expect(answers).toEqual(['agreement_taken', 'inserted']);
        expect(await store.getMandate(next.id)).toEqual(next);
        expect(await store.getMandate(clash.id)).toBeNull();
      });

      it('finds the mandates of an account, newest first, within the merchant', async () => {
        const { merchant, mandate } = await seedWorld();
        const other = merchantRow(idSource.next('merchant'));
        await store.insertMerchant(other);
        const newer = mandateRow(idSource.next('mandate'), merchant.id, { account_index: mandate.account_index });
        const otherAccount = mandateRow(idSource.next('mandate'), merchant.id, { account_index: 'index:account-2' });
        const otherMerchant = mandateRow(idSource.next('mandate'), other.id, { account_index: mandate.account_index });
        for (const row of [newer, otherAccount, otherMerchant]) await store.insertMandate(row);
        expect(ids(await store.findMandatesByAccount(merchant.id, mandate.account_index))).toEqual([newer.id, mandate.id]);
        expect(await store.findMandatesByAccount(merchant.id, 'index:none')).toEqual([]);
      });

      it('revokes an active mandate once', async () => {
        const { mandate } = await seedWorld();
        expect(await store.revokeMandate(mandate.id, at(10))).toBe(true);
        expect(await store.getMandate(mandate.id)).toEqual({ ...mandate, status: 'revoked', revoked_at: at(10) });
        expect(await store.revokeMandate(mandate.id, at(20))).toBe(false);
        expect((await store.getMandate(mandate.id))?.revoked_at).toBe(at(10));
        expect(await store.revokeMandate('mdt_unknown', at(20))).toBe(false);
      });

      it('pages and filters by merchant, status and account', async () => {
        const { merchant, mandate: m1 } = await seedWorld();
        const other = merchantRow(idSource.next('merchant'));
        await store.insertMerchant(other);
        const m2 = mandateRow(idSource.next('mandate'), merchant.id, { status: 'revoked', revoked_at: at(1) });
        const m3 = mandateRow(idSource.next('mandate'), other.id);
        const m4 = mandateRow(idSource.next('mandate'), merchant.id, { account_index: 'index:account-2' });
        for (const row of [m2, m3, m4]) await store.insertMandate(row);

        const cases: { filter: Parameters<Store['listMandates']>[0]; ids: string[]; hasMore: boolean }[] = [
          { filter: { limit: 10 }, ids: [m4.id, m3.id, m2.id, m1.id], hasMore: false },
          { filter: { limit: 3 }, ids: [m4.id, m3.id, m2.id], hasMore: true },
          { filter: { limit: 3, startingAfter: m2.id }, ids: [m1.id], hasMore: false },
          { filter: { limit: 10, merchantId: merchant.id }, ids: [m4.id, m2.id, m1.id], hasMore: false },
          { filter: { limit: 1, merchantId: merchant.id, startingAfter: m4.id }, ids: [m2.id], hasMore: true },
          { filter: { limit: 10, merchantId: merchant.id, status: 'active' }, ids: [m4.id, m1.id], hasMore: false },
          { filter: { limit: 10, status: 'revoked' }, ids: [m2.id], hasMore: false },
          { filter: { limit: 10, merchantId: merchant.id, accountIndex: 'index:account-2' }, ids: [m4.id], hasMore: false },
          { filter: { limit: 10, merchantId: other.id, accountIndex: 'index:account-2' }, ids: [], hasMore: false },
        ];
        for (const row of cases) {
          const page = await store.listMandates(row.filter);
          expect({ filter: row.filter, ids: ids(page.data), hasMore: page.hasMore }).toEqual(row);
        }
      });
    });

    describe('allowance usage', () => {
      it('adds a charge, gives part of it back, and refuses to go below zero', async () => {
        await seedWorld();
        expect(await store.lockAllowanceUsage('card-repayment-2017', 'payer-1', '2017-12')).toBe(0);
        await store.addAllowanceUsage('card-repayment-2017', 'payer-1', '2017-12', 500_000);
        // A failed debit gives its share back.
        await store.addAllowanceUsage('card-repayment-2017', 'payer-1', '2017-12', -200_000);
        expect(await store.lockAllowanceUsage('card-repayment-2017', 'payer-1', '2017-12')).toBe(300_000);
        await expect(store.addAllowanceUsage('card-repayment-2017', 'payer-1', '2017-12', -300_001)).rejects.toThrow(/allowance_usage_amount_not_negative/);
        expect(await store.lockAllowanceUsage('card-repayment-2017', 'payer-1', '2017-12')).toBe(300_000);
        expect(await store.lockAllowanceUsage('card-repayment-2017', 'payer-2', '2017-12')).toBe(0);
      });
    });

    describe('mandate usage', () => {
      it('starts at zero, adds deltas, and keeps months apart', async () => {
        const { mandate } = await seedWorld();
        expect(await store.lockMandateUsage(mandate.id, '2017-12')).toBe(0);
        await store.addMandateUsage(mandate.id, '2017-12', 100);
        await store.addMandateUsage(mandate.id, '2017-12', 50);
        expect(await store.lockMandateUsage(mandate.id, '2017-12')).toBe(150);
        // A failed debit gives its share back.
        await store.addMandateUsage(mandate.id, '2017-12', -100);
        expect(await store.lockMandateUsage(mandate.id, '2017-12')).toBe(50);
        expect(await store.lockMandateUsage(mandate.id, '2018-01')).toBe(0);
      });

      it('refuses to give back more than was taken: the counter never goes below zero', async () => {
        const { mandate } = await seedWorld();
        await store.addMandateUsage(mandate.id, '2017-12', 100);
        await expect(store.addMandateUsage(mandate.id, '2017-12', -101)).rejects.toThrow(/mandate_usage_amount_not_negative/);
        expect(await store.lockMandateUsage(mandate.id, '2017-12')).toBe(100);
      });

      it('adds to a month that was never locked', async () => {
        const { mandate } = await seedWorld();
        await store.addMandateUsage(mandate.id, '2017-11', 7_000);
        expect(await store.lockMandateUsage(mandate.id, '2017-11')).toBe(7_000);
      });

      it('keeps usages of different mandates apart', async () => {
        const { merchant, mandate } = await seedWorld();
        const other = mandateRow(idSource.next('mandate'), merchant.id);
        await store.insertMandate(other);
        await store.addMandateUsage(mandate.id, '2017-12', 300);
        expect(await store.lockMandateUsage(other.id, '2017-12')).toBe(0);
      });

      for (const existing of [false, true]) {
        it(`serializes concurrent lock → add on ${existing ? 'an existing' : 'a new'} row`, async () => {
          const { mandate } = await seedWorld();
          if (existing) await store.addMandateUsage(mandate.id, '2017-12', 0);
          const seen = await Promise.all(
            [1, 2].map(() =>
              store.transaction(async (tx) => {
                const used = await tx.lockMandateUsage(mandate.id, '2017-12');
                await pause();
                await tx.addMandateUsage(mandate.id, '2017-12', 100);
                return used;
              }),
            ),
          );
          // Serial: the second transaction saw the first one's 100; it never read 0 twice.
          expect(seen.sort((a, b) => a - b)).toEqual([0, 100]);
          expect(await store.lockMandateUsage(mandate.id, '2017-12')).toBe(200);
        });
      }

      it('lets only one of two concurrent debits take the last room under a monthly limit', async () => {
        const { mandate } = await seedWorld();
        const monthlyMaxFen = 150;
        await store.addMandateUsage(mandate.id, '2017-12', 0);
        const accepted = await Promise.all(
          [1, 2].map(() =>
            store.transaction(async (tx) => {
              const used = await tx.lockMandateUsage(mandate.id, '2017-12');
              await pause();
              if (used + 100 > monthlyMaxFen) return false;
              await tx.addMandateUsage(mandate.id, '2017-12', 100);
              return true;
            }),
          ),
        );
        expect(accepted.filter(Boolean)).toHaveLength(1);
        expect(await store.lockMandateUsage(mandate.id, '2017-12')).toBe(100);
      });
    });

    describe('rule and fee plan versions', () => {
      it('answers a taken version as a value and leaves the transaction usable', async () => {
        const rule: RuleRow = { id: 'rule-a', version: 1, title: 'A', source: 'test', effective_from: null, effective_until: null, applies_to: '{}', effect: 'deny', conditions: '{}', retired: 0, notice_id: null, created_at: at(0) };
        const plan: FeePlanRow = { id: 'plan-a', version: 1, side: 'merchant', title: 'A', effective_from: null, effective_until: null, schedule: '{"rate":"0.001"}', created_at: at(0) };
        expect([await store.insertRuleVersion(rule), await store.insertFeePlanVersion(plan)]).toEqual(['inserted', 'inserted']);
        const answers = await store.transaction(async (tx) => [
          await tx.insertRuleVersion({ ...rule, title: 'B' }),
          await tx.insertFeePlanVersion({ ...plan, title: 'B' }),
          await tx.insertRuleVersion({ ...rule, version: 2, title: 'C' }),
          await tx.insertFeePlanVersion({ ...plan, version: 2, title: 'C' }),
        ]);
        expect(answers).toEqual(['version_taken', 'version_taken', 'inserted', 'inserted']);
        expect((await store.listRuleVersions(rule.id)).map((r) => r.title)).toEqual(['A', 'C']);
        expect((await store.listFeePlans()).filter((p) => p.id === plan.id).map((p) => p.title)).toEqual(['A', 'C']);
      });
    });

    describe('channels', () => {
      it('lists channels by priority, then id', async () => {
        const a = channelRow('chn_a', { priority: 20 });
        const b = channelRow('chn_b', { priority: 10 });
        const c = channelRow('chn_c', { priority: 10 });
        for (const row of [a, c, b]) await store.upsertChannel(row);
        expect(await store.listChannels()).toEqual([b, c, a]);
      });

      it('updates a channel in place on a second upsert, keeping its creation time', async () => {
        const first = channelRow('chn_a', { priority: 20, created_at: at(0) });
        await store.upsertChannel(first);
        const changed = channelRow('chn_a', {
          name: 'Renamed',
          priority: 5,
          capabilities: '["debit","payout"]',
          region_code: '440300',
          created_at: at(60),
        });
        await store.upsertChannel(changed);
        expect(await store.listChannels()).toEqual([{ ...changed, created_at: at(0) }]);
      });
    });

    describe('debits', () => {
      it('reads back what was inserted, and null for an unknown id', async () => {
        const { merchant, mandate, channel } = await seedWorld();
        const debit = await seedDebit(merchant.id, mandate.id, {
          channel_id: channel.id,
          description: 'water, December',
          metadata: '{"invoice":"A-1"}',
          routing: '{"channel":"x"}',
          amount: 2 ** 52 + 1,
        });
        expect(await store.getDebit(debit.id)).toEqual(debit);
        expect(await store.getDebit('dbt_unknown')).toBeNull();
      });

      describe('in bulk (batch ingestion)', () => {
        // More rows than one SQLite multi-row statement takes, so that statements of two sizes run.
        const COUNT = 1_234;

        function bulk(merchantId: string, mandateId: string, channelId: string) {
          const debits = Array.from({ length: COUNT }, (_, i) =>
            debitRow(idSource.next('debit'), merchantId, mandateId, {
              reference: i % 2 === 0 ? `W-${i}` : `水费 "${i}", 'quoted'`,
              amount: i === 0 ? Number.MAX_SAFE_INTEGER : 100 + i,
              channel_id: i % 3 === 0 ? null : channelId,
              description: i % 5 === 0 ? null : `row ${i}`,
              routing: i % 7 === 0 ? null : JSON.stringify({ channel: channelId, i }),
              failure_retryable: i % 11 === 0 ? 1 : null,
              batch_id: null,
            }),
          );
          return { debits, events: debits.map((debit, i) => eventRow(idSource.next('event'), debit.id, { data: i % 2 ? null : `{"n":${i}}` })) };
        }

        for (const inTransaction of [true, false]) {
          it(`writes debits and events exactly as given, ${inTransaction ? 'inside a transaction' : 'on their own'}`, async () => {
            const { merchant, mandate, channel } = await seedWorld();
            const { debits, events } = bulk(merchant.id, mandate.id, channel.id);
            if (inTransaction) {
              await store.transaction(async (tx) => {
                await tx.insertDebits(debits);
                await tx.insertDebitEvents(events);
              });
            } else {
              await store.insertDebits(debits);
              await store.insertDebitEvents(events);
            }
            for (const index of [0, 1, 2, 499, 500, 777, COUNT - 1]) {
              expect(await store.getDebit(debits[index]!.id)).toEqual(debits[index]);
              expect(await store.listDebitEvents(debits[index]!.id)).toEqual([events[index]]);
            }
            expect(await store.countDebitsByStatus()).toMatchObject({ pending: COUNT });
          });
        }

        it('names every column of the tables it writes, so that a new column cannot be dropped silently', async () => {
          const tables = await db.introspection.getTables();
          for (const bulkTable of [MANDATES_TABLE, DEBITS_TABLE, DEBIT_EVENTS_TABLE, BATCH_ROWS_TABLE] as BulkTable<never>[]) {
            const table = tables.find((t) => t.name === bulkTable.name)!;
            expect(bulkTable.columns.map((c) => c.name).sort()).toEqual(table.columns.map((c) => c.name).sort());
            expect(bulkTable.values(Object.fromEntries(bulkTable.columns.map((c) => [c.name, `v:${c.name}`])) as never)).toEqual(bulkTable.columns.map((c) => `v:${c.name}`));
          }
        });

        it('rolls back with the transaction, and a duplicate reference fails the whole insert', async () => {
          const { merchant, mandate, channel } = await seedWorld();
          const { debits } = bulk(merchant.id, mandate.id, channel.id);
          await rejection(
            store.transaction(async (tx) => {
              await tx.insertDebits(debits.slice(0, 600));
              throw new Error('abandon');
            }),
          );
          expect(await store.getDebit(debits[0]!.id)).toBeNull();
          const twice = [...debits.slice(0, 10), debitRow(idSource.next('debit'), merchant.id, mandate.id, { reference: debits[3]!.reference })];
          expect(isUniqueViolation(await rejection(store.transaction((tx) => tx.insertDebits(twice))))).toBe(true);
          expect(await store.getDebit(debits[0]!.id)).toBeNull();
        });

        it('lists due batches oldest first, skips those waiting for a retry, sums bytes held, and ends a batch once', async () => {
          const { merchant } = await seedWorld();
          const batch = (n: number, patch: Record<string, unknown> = {}) => ({
            id: idSource.next('batch'), merchant_id: merchant.id, file_sha256: `${n}`.padStart(64, '0'), format: 'csv' as const, kind: 'debit' as const, file_name: `b${n}.csv.enc`, message_id: null, message_name: null, payment_informations: null,
            status: 'processing' as BatchStatus, cursor: 0, rows: 0, accepted: 0, rejected: 0, error: null, created_at: at(n), completed_at: null, attempts: 0, next_attempt_at: null, file_bytes: 1_000 * n, encoding: 'utf-8',
            ...patch,
          });
          const [first, waiting, done, last] = [batch(1), batch(2), batch(3, { status: 'completed' }), batch(4)];
          for (const row of [last, done, waiting, first]) await store.insertBatch(row);
          // The writes below are fenced on the lease: a worker claims the two oldest first.
          expect([(await store.claimDueBatch(at(0), 'worker-1', at(100)))?.id, (await store.claimDueBatch(at(0), 'worker-1', at(100)))?.id]).toEqual([first.id, waiting.id]);
          expect(await store.scheduleBatchRetry(waiting.id, 'worker-1', 1, at(10))).toBe(true);
          const due = async (now: string) => (await store.listDueBatches(now, 10)).filter((b) => b.merchant_id === merchant.id).map((b) => b.id);
          expect(await due(at(9))).toEqual([first.id, last.id]);
          expect(await due(at(10))).toEqual([first.id, waiting.id, last.id]);
          expect((await store.getBatch(waiting.id))).toMatchObject({ attempts: 1, next_attempt_at: at(10) });
          expect(await store.sumBatchBytesHeld(merchant.id)).toBe(7_000);
          expect(await store.sumBatchBytesHeld('mer_nobody')).toBe(0);
          expect(await store.finishBatch(first.id, 'worker-1', 'failed', at(11), '{"code":"invalid_csv"}')).toBe(true);
          expect(await store.finishBatch(first.id, 'worker-1', 'completed', at(12), null)).toBe(false);
          expect(await store.getBatch(first.id)).toMatchObject({ status: 'failed', completed_at: at(11), error: '{"code":"invalid_csv"}' });
          expect(await store.sumBatchBytesHeld(merchant.id)).toBe(6_000);
        });

        it('answers a file taken by the merchant as a value and leaves the transaction usable', async () => {
          const { merchant } = await seedWorld();
          const batch = (n: number, sha: string) => ({
            id: idSource.next('batch'), merchant_id: merchant.id, file_sha256: sha.repeat(64), format: 'csv' as const, kind: 'debit' as const, file_name: `b${n}.csv.enc`, message_id: null, message_name: null, payment_informations: null,
            status: 'processing' as BatchStatus, cursor: 0, rows: 0, accepted: 0, rejected: 0, error: null, created_at: at(n), completed_at: null, attempts: 0, next_attempt_at: null, file_bytes: 10, encoding: 'utf-8',
          });
          const [first, clash, next] = [batch(1, 'a'), batch(2, 'a'), batch(3, 'b')];
          expect(await store.insertBatch(first)).toBe('inserted');
          const answers = await store.transaction(async (tx) => [await tx.insertBatch(clash), await tx.insertBatch(next)]);
          expect(answers).toEqual(['file_taken', 'inserted']);
          expect([await store.getBatch(clash.id), (await store.getBatch(next.id))?.id]).toEqual([null, next.id]);
        });

        it('writes batch rows that read back in row order in the report', async () => {
          const { merchant } = await seedWorld();
          const batchId = idSource.next('batch');
          await store.insertBatch({
            id: batchId, merchant_id: merchant.id, file_sha256: 'f'.repeat(64), format: 'csv', kind: 'debit', file_name: 'b.csv', message_id: null, message_name: null, payment_informations: null,
            status: 'processing', cursor: 0, rows: 0, accepted: 0, rejected: 0, error: null, created_at: at(0), completed_at: null, attempts: 0, next_attempt_at: null, file_bytes: 0, encoding: 'utf-8',
          });
          const rows = Array.from({ length: COUNT }, (_, i) => ({
            batch_id: batchId, row: i + 1, reference: i % 4 === 0 ? null : `R-${i}`, debit_id: null, status: 'rejected' as const,
            column_name: 'amount', code: 'invalid_amount', message: `第 ${i + 1} 行: "bad", 'worse'`,
          }));
          await store.transaction((tx) => tx.insertBatchRows(rows));
          const report = await store.listBatchReport(batchId, 0, 2_000);
          expect(report.map(({ payout_id, debit_status, failure_code, failure_message, ...row }) => (expect([payout_id, debit_status, failure_code, failure_message]).toEqual([null, null, null, null]), row))).toEqual(rows);
        });

        it('finds live references among many, ignoring rejected debits and other merchants', async () => {
          const { merchant, mandate } = await seedWorld();
          const other = merchantRow(idSource.next('merchant'));
          await store.insertMerchant(other);
          await seedDebit(merchant.id, mandate.id, { reference: 'LIVE-1', status: 'succeeded' });
          await seedDebit(merchant.id, mandate.id, { reference: 'DEAD-1', status: 'rejected' });
          await seedDebit(other.id, null, { reference: 'OTHER-1' });
          const asked = [...Array.from({ length: 2_000 }, (_, i) => `NONE-${i}`), 'LIVE-1', 'DEAD-1', 'OTHER-1', "it's"];
          expect([...(await store.findLiveReferences(merchant.id, asked))]).toEqual(['LIVE-1']);
          expect((await store.findLiveReferences(merchant.id, [])).size).toBe(0);
        });

        it('reads many mandates by id, agreement number and account in one call each', async () => {
          const { merchant, mandate } = await seedWorld();
          const more = Array.from({ length: 30 }, (_, i) => mandateRow(idSource.next('mandate'), merchant.id, { account_index: `index:acct-${i % 3}`, monthly_max: i % 2 ? null : 2 ** 40 }));
          await store.insertMandates(more);
          const byId = await store.getMandateTerms([...more.map((m) => m.id), 'mdt_unknown', mandate.id]);
          expect(ids(byId).sort()).toEqual([mandate.id, ...ids(more)].sort());
          expect(await store.findMandateIdsByAgreements(merchant.id, [more[1]!.agreement_number, 'AGR-unknown'])).toEqual([{ id: more[1]!.id, agreement_number: more[1]!.agreement_number }]);
          expect(await store.findMandateIdsByAgreements('mer_other', [more[1]!.agreement_number])).toEqual([]);
          const byAccount = await store.findMandatesByAccounts(merchant.id, ['index:acct-0', 'index:acct-2']);
          expect(ids(byAccount)).toEqual(ids(more.filter((m) => m.account_index !== 'index:acct-1')).reverse());
          expect(await store.getMandateTerms([])).toEqual([]);
          const terms = await store.getMandateTerms([more[3]!.id, 'mdt_unknown']);
          expect(terms).toEqual([Object.fromEntries(MANDATE_TERMS_COLUMNS.map((column) => [column, more[3]![column]]))]);
          expect(Object.keys(terms[0]!)).not.toContain('account_ciphertext');
        });
      });

      it('does not take a foreign-key failure for a unique violation', async () => {
        const error = await rejection(store.insertDebit(debitRow(idSource.next('debit'), 'mer_missing', null)));
        expect(isUniqueViolation(error)).toBe(false);
      });

      describe('reference uniqueness', () => {
        it('refuses a second live debit with the same reference', async () => {
          const { merchant, mandate } = await seedWorld();
          const first = await seedDebit(merchant.id, mandate.id, { reference: 'INV-1' });
          const clash = debitRow(idSource.next('debit'), merchant.id, mandate.id, { reference: 'INV-1' });
          expect(await store.insertDebit(clash)).toBe('reference_taken');
          expect(await store.findLiveDebitByReference(merchant.id, 'INV-1')).toEqual(first);
          expect(await store.getDebit(clash.id)).toBeNull();
        });

        it('refuses it whatever the live status', async () => {
          const { merchant, mandate } = await seedWorld();
          for (const status of ['submitted', 'succeeded', 'failed'] as const) {
            await seedDebit(merchant.id, mandate.id, { reference: `INV-${status}`, status });
            const answer = await store.insertDebit(debitRow(idSource.next('debit'), merchant.id, mandate.id, { reference: `INV-${status}` }));
            expect({ status, answer }).toEqual({ status, answer: 'reference_taken' });
          }
        });

        it('answers a taken reference as a value and leaves the transaction usable', async () => {
          const { merchant, mandate } = await seedWorld();
          await seedDebit(merchant.id, mandate.id, { reference: 'INV-1' });
          const clash = debitRow(idSource.next('debit'), merchant.id, mandate.id, { reference: 'INV-1' });
          const next = debitRow(idSource.next('debit'), merchant.id, mandate.id, { reference: 'INV-2' });
          const answers = await store.transaction(async (tx) => [await tx.insertDebit(clash), await tx.insertDebit(next)]);
          expect(answers).toEqual(['reference_taken', 'inserted']);
          expect(await store.getDebit(next.id)).toEqual(next);
          expect(await store.getDebit(clash.id)).toBeNull();
        });

        it('allows the reference again once the first debit was rejected', async () => {
          const { merchant, mandate } = await seedWorld();
          await seedDebit(merchant.id, mandate.id, { reference: 'INV-1', status: 'rejected', next_action_at: null });
          await seedDebit(merchant.id, mandate.id, { reference: 'INV-1', status: 'rejected', next_action_at: null });
          expect(await store.findLiveDebitByReference(merchant.id, 'INV-1')).toBeNull();
          const live = await seedDebit(merchant.id, mandate.id, { reference: 'INV-1' });
          expect(await store.findLiveDebitByReference(merchant.id, 'INV-1')).toEqual(live);
        });

        it('keeps references per merchant', async () => {
          const { merchant, mandate } = await seedWorld();
          const other = merchantRow(idSource.next('merchant'));
          await store.insertMerchant(other);
          await seedDebit(merchant.id, mandate.id, { reference: 'INV-1' });
          const theirs = await seedDebit(other.id, null, { reference: 'INV-1' });
          expect(await store.findLiveDebitByReference(other.id, 'INV-1')).toEqual(theirs);
          expect(await store.findLiveDebitByReference(other.id, 'INV-2')).toBeNull();
        });
      });

      describe('re-presentment (migration 014)', () => {
        it('lets a chain share its reference, one live debit per presentment number, one live presentment per failure', async () => {
          const { merchant, mandate } = await seedWorld();
          const original = await seedDebit(merchant.id, mandate.id, { reference: 'INV-1', status: 'failed', failure_code: 'insufficient_funds', failure_retryable: 1 });
          const second = debitRow(idSource.next('debit'), merchant.id, mandate.id, { reference: 'INV-1', represents: original.id, presentment: 1 });
          expect(await store.insertDebit(second)).toBe('inserted');
          const clash = debitRow(idSource.next('debit'), merchant.id, mandate.id, { reference: 'INV-1', represents: original.id, presentment: 1 });
          expect(await store.insertDebit(clash)).toBe('reference_taken');
          // A new original cannot take the reference of a chain.
          expect(await store.insertDebit(debitRow(idSource.next('debit'), merchant.id, mandate.id, { reference: 'INV-1' }))).toBe('reference_taken');
          const rejected = await seedDebit(merchant.id, mandate.id, { reference: 'INV-1', represents: original.id, presentment: 1, status: 'rejected', next_action_at: null });
          expect((await store.listPresentmentsOf(original.id)).map((debit) => debit.id)).toEqual([second.id, rejected.id]);
          expect(await store.listPresentmentsOf(second.id)).toEqual([]);
          expect(await store.getDebit(clash.id)).toBeNull();
        });

        it('refuses a presentment number above 2', async () => {
          const { merchant, mandate } = await seedWorld();
          await expect(store.insertDebit(debitRow(idSource.next('debit'), merchant.id, mandate.id, { presentment: 3 }))).rejects.toThrow();
        });

        it('reads a debit it locks, and null for an unknown id', async () => {
          const { merchant, mandate } = await seedWorld();
          const debit = await seedDebit(merchant.id, mandate.id, { status: 'failed' });
          expect(await store.transaction((tx) => tx.lockDebit(debit.id))).toEqual(debit);
          expect(await store.transaction((tx) => tx.lockDebit('dbt_none'))).toBeNull();
        });

        it('finds due failures in one query: by the merchant\'s setting, retryable, not presented, under its max, oldest first', async () => {
          const { merchant, mandate } = await seedWorld();
          const off = merchantRow(idSource.next('merchant'));
          await store.insertMerchant(off);
          const offMandate = mandateRow(idSource.next('mandate'), off.id);
          await store.insertMandate(offMandate);
          expect(await store.updateMerchantAutoRepresent(merchant.id, 1, 2)).toBe(true);
          expect(await store.updateMerchantAutoRepresent('mer_none', 1, 2)).toBe(false);
          const failed = (minutes: number, overrides: Partial<DebitRow> = {}) =>
            seedDebit(merchant.id, mandate.id, { status: 'failed', failure_code: 'insufficient_funds', failure_retryable: 1, updated_at: at(minutes), next_action_at: null, ...overrides });
          const due = await failed(10);
          const older = await failed(5);
          await failed(100); // not due yet for a merchant waiting two business days
          await failed(11, { failure_code: 'account_closed', failure_retryable: 0 });
          await failed(12, { presentment: 1, reference: 'INV-MAXED' }); // max 1 reached
          await failed(1); // older than failedFrom
          const presented = await failed(13);
          await seedDebit(merchant.id, mandate.id, { reference: presented.reference, represents: presented.id, presentment: 1, status: 'rejected', next_action_at: null });
          await seedDebit(off.id, offMandate.id, { status: 'failed', failure_code: 'insufficient_funds', failure_retryable: 1, updated_at: at(10), next_action_at: null });
          const query = { failedBefore: { 1: at(200), 2: at(50), 3: at(40), 4: at(30), 5: at(20) }, failedFrom: at(2), limit: 10 };
          expect((await store.findDueFailures(query)).map((debit) => debit.id)).toEqual([older.id, due.id]);
          expect((await store.findDueFailures({ ...query, limit: 1 })).map((debit) => debit.id)).toEqual([older.id]);
          expect(await store.findDueFailures({ ...query, failedBefore: { ...query.failedBefore, 2: at(3) } })).toEqual([]);
        });
      });

      describe('updateDebits (many at once)', () => {
        it('moves only debits still in `from`, and returns them as they are now', async () => {
          const { merchant, mandate, channel } = await seedWorld();
          const submitted = await Promise.all([1, 2, 3].map(() => seedDebit(merchant.id, mandate.id, { status: 'submitted' })));
          const pending = await seedDebit(merchant.id, mandate.id, { status: 'pending' });
          const updates = [...submitted, pending].map((debit, index) => ({
            id: debit.id,
            // Two shapes of patch in one call.
            patch: index === 2 ? { channel_id: channel.id, next_action_at: null } : { channel_id: channel.id },
          }));
          const moved = await store.transaction((tx) => tx.updateDebits(updates, SUCCEEDED.instruction!, at(4)));
          expect(ids(moved).sort()).toEqual(ids(submitted).sort());
          for (const [index, debit] of submitted.entries()) {
            const now = { ...debit, ...updates[index]!.patch, status: 'succeeded', updated_at: at(4) };
            expect(moved.find((d) => d.id === debit.id)).toEqual(now);
            expect(await store.getDebit(debit.id)).toEqual(now);
          }
          expect(await store.getDebit(pending.id)).toEqual(pending);
        });
      });

      describe('updateDebit', () => {
        it('moves a debit that is still in `from` and applies the patch', async () => {
          const { merchant, mandate, channel } = await seedWorld();
          const debit = await seedDebit(merchant.id, mandate.id, { status: 'submitted', channel_id: channel.id });
          const patch = {
            failure_code: 'insufficient_funds',
            failure_message: 'not enough',
            failure_retryable: 1,
            next_action_at: null,
          };
          expect(await store.updateDebit(debit.id, FAILED.instruction!, patch, at(5))).toBe(true);
          expect(await store.getDebit(debit.id)).toEqual({ ...debit, ...patch, status: 'failed', updated_at: at(5) });
        });

        it('keeps the status of a change that writes none, still fenced on it', async () => {
          const { merchant, mandate, channel } = await seedWorld();
          const debit = await seedDebit(merchant.id, mandate.id, { status: 'submitted' });
          const pending = await seedDebit(merchant.id, mandate.id, { status: 'pending' });
          expect(await store.updateDebit(debit.id, REROUTED, { channel_id: channel.id }, at(5))).toBe(true);
          expect(await store.getDebit(debit.id)).toEqual({ ...debit, channel_id: channel.id, updated_at: at(5) });
          expect(await store.updateDebit(pending.id, REROUTED, { channel_id: channel.id }, at(5))).toBe(false);
          expect(await store.getDebit(pending.id)).toEqual(pending);
        });

        it('refuses a status change that the transition table did not issue, writing nothing', async () => {
          const { merchant, mandate } = await seedWorld();
          const debit = await seedDebit(merchant.id, mandate.id, { status: 'succeeded' });
          const forged = { kind: 'debit', from: ['succeeded'], to: 'failed' } as unknown as typeof REROUTED;
          await expect(store.updateDebit(debit.id, forged, {}, at(5))).rejects.toThrow(InvariantError);
          await expect(store.updateDebits([{ id: debit.id, patch: {} }], forged, at(5))).rejects.toThrow(InvariantError);
          await expect(store.transaction((tx) => tx.claimPendingDebits(forged, at(5), 10))).rejects.toThrow(InvariantError);
          expect(await store.getDebit(debit.id)).toEqual(debit);
        });

        it('returns false and changes nothing when the debit is no longer in `from`', async () => {
          const { merchant, mandate } = await seedWorld();
          const debit = await seedDebit(merchant.id, mandate.id, { status: 'succeeded' });
          expect(await store.updateDebit(debit.id, FAILED.instruction!, { failure_code: 'unknown' }, at(5))).toBe(false);
          expect(await store.getDebit(debit.id)).toEqual(debit);
          expect(await store.updateDebit('dbt_unknown', CLAIMED, {}, at(5))).toBe(false);
        });

        it('lets only one of two racing updates from the same state win', async () => {
          const { merchant, mandate } = await seedWorld();
          const debit = await seedDebit(merchant.id, mandate.id, { status: 'submitted' });
          const results = await Promise.all(
            ([SUCCEEDED, FAILED] as const).map((step) =>
              store.transaction(async (tx) => {
                const moved = await tx.updateDebit(debit.id, step.instruction!, {}, at(5));
                await pause();
                return moved ? step.status : null;
              }),
            ),
          );
          const winners = results.filter((status) => status !== null);
          expect(winners).toHaveLength(1);
          expect((await store.getDebit(debit.id))?.status).toBe(winners[0]);
        });
      });

      describe('claimPendingDebits', () => {
        it('claims only due pending debits, moving them to submitted with their mandates', async () => {
          const { merchant, mandate, channel } = await seedWorld();
          const otherMandate = mandateRow(idSource.next('mandate'), merchant.id);
          await store.insertMandate(otherMandate);
          const now = at(10);
          const due = await seedDebit(merchant.id, mandate.id, { channel_id: channel.id, next_action_at: at(5) });
          const dueNow = await seedDebit(merchant.id, otherMandate.id, { next_action_at: now, attempt_count: 2 });
          const later = await seedDebit(merchant.id, mandate.id, { next_action_at: at(11) });
          const submitted = await seedDebit(merchant.id, mandate.id, { status: 'submitted', next_action_at: at(5) });
          const failed = await seedDebit(merchant.id, mandate.id, { status: 'failed', next_action_at: at(5) });
          const rejected = await seedDebit(merchant.id, mandate.id, { status: 'rejected', next_action_at: at(5) });

          const claimed = await store.transaction((tx) => tx.claimPendingDebits(CLAIMED, now, 10));

          const moved = (debit: DebitRow): DebitRow => ({
            ...debit,
            status: 'submitted',
            attempt_count: debit.attempt_count + 1,
            next_action_at: null,
            updated_at: now,
          });
          const byId = (a: { debit: DebitRow }, b: { debit: DebitRow }) => (a.debit.id < b.debit.id ? -1 : 1);
          expect(claimed.sort(byId)).toEqual([
            { debit: moved(due), mandate },
            { debit: moved(dueNow), mandate: otherMandate },
          ]);
          expect(await store.getDebit(due.id)).toEqual(moved(due));
          expect(await store.getDebit(dueNow.id)).toEqual(moved(dueNow));
          for (const untouched of [later, submitted, failed, rejected]) {
            expect(await store.getDebit(untouched.id)).toEqual(untouched);
          }
          expect(await store.transaction((tx) => tx.claimPendingDebits(CLAIMED, now, 10))).toEqual([]);
        });

        it('claims at most `limit`, the longest waiting first', async () => {
          const { merchant, mandate } = await seedWorld();
          const third = await seedDebit(merchant.id, mandate.id, { next_action_at: at(3) });
          const first = await seedDebit(merchant.id, mandate.id, { next_action_at: at(1) });
          const second = await seedDebit(merchant.id, mandate.id, { next_action_at: at(2) });
          const round1 = await store.transaction((tx) => tx.claimPendingDebits(CLAIMED, at(10), 2));
          expect(round1).toHaveLength(2);
          expect(round1.map((claim) => claim.debit.id).sort()).toEqual([first.id, second.id].sort());
          expect((await store.getDebit(third.id))?.status).toBe('pending');
          const round2 = await store.transaction((tx) => tx.claimPendingDebits(CLAIMED, at(10), 2));
          expect(round2.map((claim) => claim.debit.id)).toEqual([third.id]);
        });

        it('never hands the same debit to two concurrent claims', async () => {
          const { merchant, mandate } = await seedWorld();
          const all: DebitRow[] = [];
          for (let i = 0; i < 20; i += 1) all.push(await seedDebit(merchant.id, mandate.id, { next_action_at: at(i % 5) }));
          const claimOnce = () =>
            store.transaction(async (tx) => {
              const claimed = await tx.claimPendingDebits(CLAIMED, at(10), 15);
              await pause();
              return claimed.map((claim) => claim.debit.id);
            });
          const [a, b] = await Promise.all([claimOnce(), claimOnce()]);
          expect([a!.length <= 15, b!.length <= 15]).toEqual([true, true]);
          const both = [...a!, ...b!];
          expect(new Set(both).size).toBe(both.length);
          expect(both.length).toBeGreaterThanOrEqual(15);
          const rest = await store.transaction((tx) => tx.claimPendingDebits(CLAIMED, at(10), 20));
          const everything = [...both, ...rest.map((claim) => claim.debit.id)];
          expect(everything.sort()).toEqual(ids(all).sort());
          for (const debit of all) {
            const row = await store.getDebit(debit.id);
            expect({ id: debit.id, status: row?.status, attempts: row?.attempt_count }).toEqual({
              id: debit.id,
              status: 'submitted',
              attempts: 1,
            });
          }
        });
      });

      describe('events', () => {
        it('lists the events of one debit in id order', async () => {
          const { merchant, mandate } = await seedWorld();
          const debit = await seedDebit(merchant.id, mandate.id);
          const other = await seedDebit(merchant.id, mandate.id);
          const created = eventRow(idSource.next('event'), debit.id, { data: '{"channel":null}' });
          const foreign = eventRow(idSource.next('event'), other.id);
          const submitted = eventRow(idSource.next('event'), debit.id, { type: 'debit.submitted', status: 'submitted', at: at(1) });
          for (const row of [submitted, foreign, created]) await store.insertDebitEvent(row);
          expect(await store.listDebitEvents(debit.id)).toEqual([created, submitted]);
          expect(await store.listDebitEvents('dbt_unknown')).toEqual([]);
        });
      });

      it('counts debits by status', async () => {
        expect(await store.countDebitsByStatus()).toEqual({});
        const { merchant, mandate } = await seedWorld();
        for (const status of ['pending', 'pending', 'submitted', 'failed', 'failed', 'failed', 'rejected'] satisfies InstructionStatus[]) {
          await seedDebit(merchant.id, mandate.id, { status });
        }
        expect(await store.countDebitsByStatus()).toEqual({ pending: 2, submitted: 1, failed: 3, rejected: 1 });
      });

      it('pages newest first and filters by every field a user looks for', async () => {
        const { merchant, mandate, channel } = await seedWorld();
        const other = merchantRow(idSource.next('merchant'));
        await store.insertMerchant(other);
        const otherMandate = mandateRow(idSource.next('mandate'), merchant.id);
        await store.insertMandate(otherMandate);
        const d1 = await seedDebit(merchant.id, mandate.id, { created_at: at(0), reference: 'A' });
        const d2 = await seedDebit(merchant.id, otherMandate.id, { created_at: at(10), status: 'submitted', channel_id: channel.id });
        const d3 = await seedDebit(other.id, null, { created_at: at(20), reference: 'A', status: 'rejected' });
        const d4 = await seedDebit(merchant.id, mandate.id, { created_at: at(30), status: 'submitted', channel_id: channel.id });
        const d5 = await seedDebit(merchant.id, mandate.id, { created_at: at(40) });

        const cases: { filter: Parameters<Store['listDebits']>[0]; ids: string[]; hasMore: boolean }[] = [
          { filter: { limit: 10 }, ids: [d5.id, d4.id, d3.id, d2.id, d1.id], hasMore: false },
          { filter: { limit: 2 }, ids: [d5.id, d4.id], hasMore: true },
          { filter: { limit: 2, startingAfter: d4.id }, ids: [d3.id, d2.id], hasMore: true },
          { filter: { limit: 2, startingAfter: d2.id }, ids: [d1.id], hasMore: false },
          { filter: { limit: 10, merchantId: merchant.id }, ids: [d5.id, d4.id, d2.id, d1.id], hasMore: false },
          { filter: { limit: 10, merchantId: other.id }, ids: [d3.id], hasMore: false },
          { filter: { limit: 10, status: 'submitted' }, ids: [d4.id, d2.id], hasMore: false },
          { filter: { limit: 10, reference: 'A' }, ids: [d3.id, d1.id], hasMore: false },
          { filter: { limit: 10, merchantId: merchant.id, reference: 'A' }, ids: [d1.id], hasMore: false },
          { filter: { limit: 10, mandateId: otherMandate.id }, ids: [d2.id], hasMore: false },
          { filter: { limit: 10, channelId: channel.id }, ids: [d4.id, d2.id], hasMore: false },
          // The creation range includes its start and excludes its end.
          { filter: { limit: 10, createdFrom: at(10), createdTo: at(30) }, ids: [d3.id, d2.id], hasMore: false },
          { filter: { limit: 10, createdFrom: at(30) }, ids: [d5.id, d4.id], hasMore: false },
          { filter: { limit: 10, createdTo: at(10) }, ids: [d1.id], hasMore: false },
          { filter: { limit: 1, merchantId: merchant.id, status: 'submitted' }, ids: [d4.id], hasMore: true },
          { filter: { limit: 10, merchantId: other.id, status: 'submitted' }, ids: [], hasMore: false },
        ];
        for (const row of cases) {
          const page = await store.listDebits(row.filter);
          expect({ filter: row.filter, ids: ids(page.data), hasMore: page.hasMore }).toEqual(row);
        }
        expect((await store.listDebits({ limit: 1 })).data).toEqual([d5]);
      });
    });

    describe('attempts', () => {
      let world: Awaited<ReturnType<typeof seedWorld>>;
      beforeEach(async () => {
        world = await seedWorld();
      });

      /** A debit of its own for each attempt, so attempt numbers never clash. */
      async function seedAttempt(overrides: Partial<AttemptRow>): Promise<AttemptRow> {
        const { merchant, mandate, channel } = world;
        const debit = await seedDebit(merchant.id, mandate.id, { status: 'submitted', channel_id: channel.id });
        const attempt = attemptRow(idSource.next('attempt'), debit.id, channel.id, overrides);
        await insertAttempt(store, attempt);
        return attempt;
      }

      it('lists the attempts of a debit by attempt number', async () => {
        const { merchant, mandate, channel } = world;
        const debit = await seedDebit(merchant.id, mandate.id, { status: 'submitted' });
        const second = attemptRow(idSource.next('attempt'), debit.id, channel.id, { attempt_number: 2, state: 'sending' });
        const first = attemptRow(idSource.next('attempt'), debit.id, channel.id, { attempt_number: 1, state: 'not_sent' });
        await insertAttempt(store, second);
        await insertAttempt(store, first);
        expect(await store.listAttempts(debit.id)).toEqual([first, second]);
        expect(await store.listAttempts('dbt_unknown')).toEqual([]);
      });

      it('refuses a second attempt with the same number', async () => {
        const attempt = await seedAttempt({});
        const clash = attemptRow(idSource.next('attempt'), attempt.debit_id, attempt.channel_id, { attempt_number: 1 });
        expect(isUniqueViolation(await rejection(insertAttempt(store, clash)))).toBe(true);
      });

      describe('claimOpenAttempts', () => {
        it('leases only due open attempts whose lease is free or expired', async () => {
          const now = at(10);
          const leaseUntil = at(15);
          const free = await seedAttempt({ state: 'accepted', next_query_at: at(5) });
          const dueNow = await seedAttempt({ state: 'unknown', next_query_at: now });
          const expired = await seedAttempt({ state: 'unknown', next_query_at: at(5), lease_owner: 'worker-b', lease_until: at(9) });
          const abandoned = await seedAttempt({ state: 'sending', next_query_at: at(9), lease_owner: 'worker-b', lease_until: at(9) });
          const untouched: AttemptRow[] = [];
          for (const overrides of [
            { state: 'sending', next_query_at: at(5), lease_owner: 'worker-b', lease_until: at(12) }, // its sender still holds it
            { state: 'accepted', next_query_at: at(5), lease_owner: 'worker-b', lease_until: at(12) },
            { state: 'accepted', next_query_at: at(11) }, // not due yet
            { state: 'unknown', next_query_at: null },
            { state: 'not_sent', next_query_at: at(5) }, // final or closed states are never queried
            { state: 'not_found', next_query_at: at(5) },
            { state: 'succeeded', next_query_at: at(5) },
            { state: 'failed', next_query_at: at(5) },
          ] satisfies Partial<AttemptRow>[]) {
            untouched.push(await seedAttempt(overrides));
          }

          const claimed = await store.claimOpenAttempts(now, 10, 'worker-a', leaseUntil);

          const leased = (attempt: AttemptRow): AttemptRow => ({
            ...attempt,
            lease_owner: 'worker-a',
            lease_until: leaseUntil,
            next_query_at: leaseUntil,
            updated_at: now,
          });
          const expected = [free, dueNow, expired, abandoned].map(leased);
          expect([...claimed].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(expected);
          for (const attempt of expected) expect((await store.listAttempts(attempt.debit_id))[0]).toEqual(attempt);
          for (const attempt of untouched) expect((await store.listAttempts(attempt.debit_id))[0]).toEqual(attempt);
        });

        it('does not lease an attempt another worker holds, until its lease runs out', async () => {
          const attempt = await seedAttempt({ state: 'accepted', next_query_at: at(5) });
          expect(ids(await store.claimOpenAttempts(at(10), 10, 'worker-a', at(15)))).toEqual([attempt.id]);
          expect(await store.claimOpenAttempts(at(12), 10, 'worker-b', at(17))).toEqual([]);
          const retaken = await store.claimOpenAttempts(at(16), 10, 'worker-b', at(21));
          expect(retaken.map((row) => [row.id, row.lease_owner, row.lease_until])).toEqual([[attempt.id, 'worker-b', at(21)]]);
        });

        it('leases at most `limit`', async () => {
          for (let i = 0; i < 3; i += 1) await seedAttempt({ state: 'accepted', next_query_at: at(i) });
          expect(await store.claimOpenAttempts(at(10), 2, 'worker-a', at(15))).toHaveLength(2);
          expect(await store.claimOpenAttempts(at(10), 2, 'worker-b', at(15))).toHaveLength(1);
        });

        it('never leases the same attempt to two concurrent workers', async () => {
          const all: AttemptRow[] = [];
          for (let i = 0; i < 12; i += 1) all.push(await seedAttempt({ state: 'unknown', next_query_at: at(i % 4) }));
          const claim = (owner: string) =>
            store.transaction(async (tx) => {
              const leased = await tx.claimOpenAttempts(at(10), 8, owner, at(15));
              await pause();
              return leased.map((row) => row.id);
            });
          const [a, b] = await Promise.all([claim('worker-a'), claim('worker-b')]);
          const both = [...a!, ...b!];
          expect(new Set(both).size).toBe(both.length);
          expect(both.sort()).toEqual(ids(all).sort());
        });
      });

      describe('updateAttempts (many at once)', () => {
        for (const inTransaction of [true, false]) {
          it(`moves only attempts in one of the states and leased to the caller, each with its own patch, ${inTransaction ? 'in a transaction' : 'on its own'}`, async () => {
            const mine = await Promise.all([1, 2, 3].map(() => seedAttempt({ state: 'sending', lease_owner: 'worker-a', lease_until: at(5) })));
            const theirs = await seedAttempt({ state: 'sending', lease_owner: 'worker-b', lease_until: at(5) });
            const answered = await seedAttempt({ state: 'accepted', lease_owner: 'worker-a', lease_until: at(5) });
            const updates = [...mine, theirs, answered].map((attempt, index) => ({
              id: attempt.id,
              // Two shapes of patch in one call.
              patch: index === 1 ? { lease_owner: null, lease_until: null, next_query_at: at(9) } : { channel_reference: `CH-'${index}'`, next_query_at: at(8), lease_owner: null, lease_until: null },
            }));
            const run = (target: Pick<Store, 'updateAttempts'>) => target.updateAttempts(updates, ACCEPTED.attempt, 'worker-a', at(2));
            const moved = inTransaction ? await store.transaction((tx) => run(tx)) : await run(store);
            expect(ids(moved).sort()).toEqual(ids(mine).sort());
            expect(moved.find((a) => a.id === mine[0]!.id)).toEqual({ ...mine[0], ...updates[0]!.patch, state: 'accepted', updated_at: at(2) });
            expect(moved.find((a) => a.id === mine[1]!.id)).toEqual({ ...mine[1], ...updates[1]!.patch, state: 'accepted', updated_at: at(2) });
            expect(await store.listAttempts(theirs.debit_id)).toEqual([theirs]);
            expect(await store.listAttempts(answered.debit_id)).toEqual([answered]);
            expect(await store.updateAttempts([], ACCEPTED.attempt, 'worker-a', at(3))).toEqual([]);
          });
        }
      });

      describe('updateAttempt', () => {
        it('applies the patch while the attempt is in one of the states and leased to the caller', async () => {
          const attempt = await seedAttempt({ state: 'sending', lease_owner: 'worker-a', lease_until: at(5) });
          const patch = { channel_reference: 'CH-1', next_query_at: at(8), lease_owner: null, lease_until: null };
          expect(await store.updateAttempt(attempt.id, ACCEPTED.attempt, 'worker-a', patch, at(2))).toBe(true);
          expect(await store.listAttempts(attempt.debit_id)).toEqual([{ ...attempt, ...patch, state: 'accepted', updated_at: at(2) }]);
        });

        it('is fenced by state, by lease owner, and refuses attempts nobody holds', async () => {
          const held = await seedAttempt({ state: 'accepted', lease_owner: 'worker-a', lease_until: at(5) });
          const unheld = await seedAttempt({ state: 'accepted' });
          // ACCEPTED is fenced on `sending` alone; SUCCEEDED on every open state.
          const cases: { id: string; step: typeof ACCEPTED; owner: string; moved: boolean }[] = [
            { id: held.id, step: ACCEPTED, owner: 'worker-a', moved: false },
            { id: held.id, step: SUCCEEDED, owner: 'worker-b', moved: false },
            { id: unheld.id, step: SUCCEEDED, owner: 'worker-a', moved: false },
            { id: 'att_unknown', step: SUCCEEDED, owner: 'worker-a', moved: false },
          ];
          for (const row of cases) {
            const moved = await store.updateAttempt(row.id, row.step.attempt, row.owner, {}, at(3));
            expect({ ...row, moved }).toEqual(row);
          }
          expect(await store.listAttempts(held.debit_id)).toEqual([held]);
          expect(await store.listAttempts(unheld.debit_id)).toEqual([unheld]);
        });

        it('refuses a state change that the transition table did not issue, writing nothing', async () => {
          const attempt = await seedAttempt({ state: 'accepted', lease_owner: 'worker-a', lease_until: at(5) });
          const forged = { from: ['accepted'], to: 'sending' } as unknown as typeof ACCEPTED.attempt;
          await expect(store.updateAttempt(attempt.id, forged, 'worker-a', {}, at(5))).rejects.toThrow(InvariantError);
          await expect(store.updateAttempts([{ id: attempt.id, patch: {} }], forged, 'worker-a', at(5))).rejects.toThrow(InvariantError);
          expect(await store.listAttempts(attempt.debit_id)).toEqual([attempt]);
        });

        it('refuses the result of a worker whose lease was taken over', async () => {
          const attempt = await seedAttempt({ state: 'unknown', next_query_at: at(0) });
          await store.claimOpenAttempts(at(1), 10, 'worker-a', at(5));
          await store.claimOpenAttempts(at(6), 10, 'worker-b', at(10));
          expect(await store.updateAttempt(attempt.id, FAILED.attempt, 'worker-a', {}, at(7))).toBe(false);
          expect(await store.updateAttempt(attempt.id, SUCCEEDED.attempt, 'worker-b', {}, at(7))).toBe(true);
          // Final now: even the lease holder cannot move it again.
          expect(await store.updateAttempt(attempt.id, FAILED.attempt, 'worker-b', {}, at(8))).toBe(false);
          expect((await store.listAttempts(attempt.debit_id))[0]?.state).toBe('succeeded');
        });
      });
    });

    describe('idempotency keys', () => {
      it('inserts a key once; a duplicate returns false and keeps the first', async () => {
        const first = idempotencyRow('mer_a', 'key-1');
        expect(await store.insertIdempotencyKey(first)).toBe(true);
        expect(await store.insertIdempotencyKey(idempotencyRow('mer_a', 'key-1', { request_hash: 'other' }))).toBe(false);
        expect(await store.getIdempotencyKey('mer_a', 'key-1')).toEqual(first);
      });

      it('scopes keys per merchant', async () => {
        expect(await store.insertIdempotencyKey(idempotencyRow('mer_a', 'key-1'))).toBe(true);
        expect(await store.insertIdempotencyKey(idempotencyRow('mer_b', 'key-1'))).toBe(true);
        expect(await store.getIdempotencyKey('mer_c', 'key-1')).toBeNull();
      });

      it('lets only one of two concurrent requests insert the key', async () => {
        const results = await Promise.all(
          [1, 2].map((n) =>
            store.transaction(async (tx) => {
              const inserted = await tx.insertIdempotencyKey(idempotencyRow('mer_a', 'key-1', { request_hash: `hash-${n}` }));
              await pause();
              return inserted;
            }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('completes a key with the response', async () => {
        const row = idempotencyRow('mer_a', 'key-1');
        await store.insertIdempotencyKey(row);
        await store.completeIdempotencyKey('mer_a', 'key-1', 201, '{"id":"dbt_1"}');
        expect(await store.getIdempotencyKey('mer_a', 'key-1')).toEqual({
          ...row,
          state: 'done',
          response_status: 201,
          response_body: '{"id":"dbt_1"}',
        });
      });

      it('inserts keys at once, those that do not exist, and names the ones inserted', async () => {
        await store.insertIdempotencyKey(idempotencyRow('mer_a', 'key-1', { request_hash: 'earlier' }));
        const inserted = await store.insertIdempotencyKeys([idempotencyRow('mer_a', 'key-1'), idempotencyRow('mer_a', 'key-2'), idempotencyRow('mer_b', 'key-1')]);
        expect([...inserted].sort()).toEqual([idempotencyPair('mer_a', 'key-2'), idempotencyPair('mer_b', 'key-1')].sort());
        // The existing key is untouched.
        expect((await store.getIdempotencyKey('mer_a', 'key-1'))?.request_hash).toBe('earlier');
        expect(await store.insertIdempotencyKeys([])).toEqual(new Set());
      });

      it('completes keys at once, each with its own answer and request hash', async () => {
        const [one, two] = [idempotencyRow('mer_a', 'key-1'), idempotencyRow('mer_a', 'key-2')];
        await store.insertIdempotencyKeys([one, two]);
        const done = [
          { ...one, request_hash: 'hash-of-the-request-that-used-it', state: 'done' as const, response_status: 201, response_body: '{"id":"dbt_1"}' },
          { ...two, state: 'done' as const, response_status: 201, response_body: '{"id":"dbt_2"}' },
        ];
        await store.completeIdempotencyKeys(done);
        expect(await store.getIdempotencyKey('mer_a', 'key-1')).toEqual(done[0]);
        expect(await store.getIdempotencyKey('mer_a', 'key-2')).toEqual(done[1]);
      });

      it('deletes one key', async () => {
        await store.insertIdempotencyKey(idempotencyRow('mer_a', 'key-1'));
        await store.insertIdempotencyKey(idempotencyRow('mer_a', 'key-2'));
        await store.deleteIdempotencyKey('mer_a', 'key-1');
        expect(await store.getIdempotencyKey('mer_a', 'key-1')).toBeNull();
        expect(await store.getIdempotencyKey('mer_a', 'key-2')).not.toBeNull();
        expect(await store.insertIdempotencyKey(idempotencyRow('mer_a', 'key-1'))).toBe(true);
      });

      it('deletes keys created strictly before a time and counts them', async () => {
        await store.insertIdempotencyKey(idempotencyRow('mer_a', 'old-1', { created_at: at(0) }));
        await store.insertIdempotencyKey(idempotencyRow('mer_b', 'old-2', { created_at: at(5) }));
        await store.insertIdempotencyKey(idempotencyRow('mer_a', 'edge', { created_at: at(10) }));
        await store.insertIdempotencyKey(idempotencyRow('mer_a', 'new', { created_at: at(20) }));
        expect(await store.deleteIdempotencyKeysBefore(at(10), 1_000)).toBe(2);
        expect(await store.getIdempotencyKey('mer_a', 'old-1')).toBeNull();
        expect(await store.getIdempotencyKey('mer_b', 'old-2')).toBeNull();
        expect(await store.getIdempotencyKey('mer_a', 'edge')).not.toBeNull();
        expect(await store.getIdempotencyKey('mer_a', 'new')).not.toBeNull();
        expect(await store.deleteIdempotencyKeysBefore(at(10), 1_000)).toBe(0);
      });

      it('deletes at most `limit` keys per call, oldest first', async () => {
        for (const [key, minutes] of [['c', 3], ['a', 1], ['d', 4], ['b', 2]] as const) await store.insertIdempotencyKey(idempotencyRow('mer_a', key, { created_at: at(minutes) }));
        expect(await store.deleteIdempotencyKeysBefore(at(10), 2)).toBe(2);
        expect(await Promise.all(['a', 'b', 'c', 'd'].map(async (key) => (await store.getIdempotencyKey('mer_a', key)) !== null))).toEqual([false, false, true, true]);
        expect(await store.deleteIdempotencyKeysBefore(at(10), 2)).toBe(2);
        expect(await store.deleteIdempotencyKeysBefore(at(10), 2)).toBe(0);
      });
    });

    describe('ledger', () => {
      const amounts = (debitId: string, overrides: Partial<DebitSettlementAmounts> = {}): DebitSettlementAmounts => ({
        debitId,
        merchantId: 'mer_1',
        channelId: 'chn_1',
        amountFen: 10_000,
        payerFeeFen: 100,
        merchantFeeFen: 60,
        channelCostFen: 25,
        ...overrides,
      });

      async function balances(): Promise<Record<string, number>> {
        return Object.fromEntries((await store.listLedgerAccounts()).map((account) => [account.id, account.balance]));
      }

      it('posts a transaction, creating its accounts with cached balances', async () => {
        expect(await post(store, 'ltx_1', debitSucceededTransaction(amounts('dbt_1')), at(1), '2017-12-07')).toBe(true);
        expect(await store.listLedgerAccounts()).toEqual([
          { id: 'channel:chn_1:clearing', owner_type: 'channel', owner_id: 'chn_1', kind: 'clearing', balance: 10_100, created_at: at(1) },
          { id: 'channel:chn_1:payable', owner_type: 'channel', owner_id: 'chn_1', kind: 'payable', balance: -25, created_at: at(1) },
          { id: 'merchant:mer_1:pending', owner_type: 'merchant', owner_id: 'mer_1', kind: 'pending', balance: -9_940, created_at: at(1) },
          { id: 'platform:channel_cost', owner_type: 'platform', owner_id: null, kind: 'channel_cost', balance: 25, created_at: at(1) },
          { id: 'platform:fee_revenue', owner_type: 'platform', owner_id: null, kind: 'fee_revenue', balance: -60, created_at: at(1) },
          { id: 'platform:payer_fee_revenue', owner_type: 'platform', owner_id: null, kind: 'payer_fee_revenue', balance: -100, created_at: at(1) },
        ]);
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
      });

      it('posts once per kind and object: a second post returns false and changes nothing', async () => {
        expect(await post(store, 'ltx_1', debitSucceededTransaction(amounts('dbt_1')), at(1), '2017-12-07')).toBe(true);
        const before = await balances();
        const again = debitSucceededTransaction(amounts('dbt_1', { amountFen: 99_999 }));
        expect(await post(store, 'ltx_2', again, at(2), '2017-12-07')).toBe(false);
        expect(await balances()).toEqual(before);
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
      });

      it('posts many transactions at once: each balance moves by the sum, already-posted ones are skipped', async () => {
        const first = debitSucceededTransaction(amounts('dbt_0'));
        await post(store, 'ltx_0', first, at(1), '2017-12-07');
        const entries = Array.from({ length: 300 }, (_, i) => ({
          id: `ltx_${i}`,
          transaction: debitSucceededTransaction(amounts(`dbt_${i}`, { merchantId: `mer_${i % 3}`, amountFen: 1_000 + i, payerFeeFen: i % 2 ? 0 : 7 })),
          at: at(2),
          businessDate: '2017-12-07',
        }));
        const posted = await store.transaction((tx) => tx.postLedgerTransactions(entries));
        expect(posted.size).toBe(299);
        expect(posted.has('ltx_0')).toBe(false);
        const expected = new Map<string, number>();
        // ltx_0 stands as first posted; the batch's own entry for dbt_0 is skipped.
        for (const transaction of [first, ...entries.slice(1).map((entry) => entry.transaction)]) {
          for (const posting of transaction.postings) expected.set(posting.account.id, (expected.get(posting.account.id) ?? 0) + posting.amountFen);
        }
        expect(await balances()).toEqual(Object.fromEntries(expected));
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
        expect((await store.postLedgerTransactions([])).size).toBe(0);
      });

      it('keeps balances exact when two transactions post many entries to shared accounts at once', async () => {
        const batch = (from: number) =>
          Array.from({ length: 100 }, (_, i) => ({ id: `ltx_${from + i}`, transaction: debitSucceededTransaction(amounts(`dbt_${from + i}`, { merchantId: `mer_${i % 4}`, amountFen: 500 + i })), at: at(1), businessDate: '2017-12-07' }));
        const [a, b] = await Promise.all([
          store.transaction(async (tx) => {
            const posted = await tx.postLedgerTransactions(batch(0));
            await pause();
            return posted;
          }),
          store.transaction(async (tx) => {
            const posted = await tx.postLedgerTransactions(batch(1_000).reverse());
            await pause();
            return posted;
          }),
        ]);
        expect(a.size + b.size).toBe(200);
        const total = (await store.listLedgerAccounts()).find((account) => account.id === 'channel:chn_1:clearing')!.balance;
        expect(total).toBe([...batch(0), ...batch(1_000)].reduce((sum, entry) => sum + 500 + (Number(entry.id.slice(4)) % 1_000) + 100, 0));
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
      });

      it('posts another kind for the same object', async () => {
        await post(store, 'ltx_1', debitSucceededTransaction(amounts('dbt_1')), at(1), '2017-12-07');
        const settle = ledgerTransaction('settlement', 'debit', 'dbt_1', [
          { account: accounts.merchantPending('mer_1'), amountFen: 9_940 },
          { account: accounts.merchantAvailable('mer_1'), amountFen: -9_940 },
        ]);
        expect(await post(store, 'ltx_2', settle, at(2), '2017-12-07')).toBe(true);
        const merchantAccounts = await store.listLedgerAccounts('merchant', 'mer_1');
        expect(merchantAccounts.map((account) => [account.id, account.balance, account.created_at])).toEqual([
          ['merchant:mer_1:available', -9_940, at(2)],
          ['merchant:mer_1:pending', 0, at(1)],
        ]);
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
      });

      it('accumulates balances over many transactions, keeping them equal to the postings', async () => {
        const debits = [
          amounts('dbt_1'),
          amounts('dbt_2', { merchantId: 'mer_2', amountFen: 2 ** 40, payerFeeFen: 0 }),
          amounts('dbt_3', { channelId: 'chn_2', merchantFeeFen: 10_000, channelCostFen: 0 }),
        ];
        for (const [index, debit] of debits.entries()) {
          expect(await post(store, `ltx_${index}`, debitSucceededTransaction(debit), at(index), '2017-12-07')).toBe(true);
        }
        const all = await balances();
        expect(all).toEqual({
          'channel:chn_1:clearing': 10_100 + 2 ** 40,
          'channel:chn_1:payable': -50,
          'channel:chn_2:clearing': 10_100,
          'merchant:mer_1:pending': -9_940 + 0,
          'merchant:mer_2:pending': -(2 ** 40) + 60,
          'platform:channel_cost': 50,
          'platform:fee_revenue': -60 - 60 - 10_000,
          'platform:payer_fee_revenue': -300 + 100,
        });
        expect(Object.values(all).reduce((sum, balance) => sum + balance, 0)).toBe(0);
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
      });

      it('filters accounts by owner type and owner', async () => {
        await post(store, 'ltx_1', debitSucceededTransaction(amounts('dbt_1')), at(1), '2017-12-07');
        await post(store, 'ltx_2', debitSucceededTransaction(amounts('dbt_2', { merchantId: 'mer_2' })), at(2), '2017-12-07');
        expect(ids(await store.listLedgerAccounts('platform'))).toEqual([
          'platform:channel_cost',
          'platform:fee_revenue',
          'platform:payer_fee_revenue',
        ]);
        expect(ids(await store.listLedgerAccounts('merchant'))).toEqual(['merchant:mer_1:pending', 'merchant:mer_2:pending']);
        expect(ids(await store.listLedgerAccounts('merchant', 'mer_2'))).toEqual(['merchant:mer_2:pending']);
        expect(await store.listLedgerAccounts('merchant', 'mer_3')).toEqual([]);
      });

      it('posts a debit once when two workers race to post it', async () => {
        const results = await Promise.all(
          ['ltx_a', 'ltx_b'].map((id) =>
            store.transaction(async (tx) => {
              const posted = await post(tx, id, debitSucceededTransaction(amounts('dbt_1')), at(1), '2017-12-07');
              await pause();
              return posted;
            }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await balances())['channel:chn_1:clearing']).toBe(10_100);
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
      });

      it('keeps balances exact when different debits post concurrently', async () => {
        const debits = Array.from({ length: 8 }, (_, i) => amounts(`dbt_${i}`, { amountFen: 1_000 * (i + 1) }));
        await Promise.all(
          debits.map((debit, i) => store.transaction((tx) => post(tx, `ltx_${i}`, debitSucceededTransaction(debit), at(1), '2017-12-07'))),
        );
        const all = await balances();
        expect(all['channel:chn_1:clearing']).toBe(36_000 + 800);
        expect(all['platform:fee_revenue']).toBe(-480);
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
      });

      it('reports an account whose cached balance drifted from its postings', async () => {
        await post(store, 'ltx_1', debitSucceededTransaction(amounts('dbt_1')), at(1), '2017-12-07');
        await db.updateTable('ledger_accounts').set({ balance: 1 }).where('id', '=', 'platform:fee_revenue').execute();
        expect(await store.findUnbalancedLedgerAccounts()).toEqual([{ id: 'platform:fee_revenue', balance: 1, postings: -60 }]);
      });
    });
  });
}
