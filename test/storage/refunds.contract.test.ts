import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebitRow, MerchantRow, Store } from '../../src/app/ports.js';
import { settlementTransaction, type InstructionStatus } from '../../src/core/index.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

const AT = '2024-09-23T02:00:00.000Z';
const MERCHANT: MerchantRow = {
  id: 'mer_refunds', name: 'Merchant', category: 'utility', settlement_account_ciphertext: 'sealed', settlement_account_index: 'index', settlement_account_masked: '4403****8901',
  settlement_bank_code: 'ICBC', settlement_region_code: '440300', settlement_holder_name: '深圳市水务集团', fee_plan: 'standard', payer_fee_plan: null, created_at: AT,
  auto_represent_max: 0, auto_represent_after_business_days: 1,
};

function debitRow(id: string, status: InstructionStatus, overrides: Partial<DebitRow> = {}): DebitRow {
  return {
    id, merchant_id: MERCHANT.id, mandate_id: null, reference: `ref-${id}`, amount: 10_000, currency: 'CNY', description: null, metadata: null, status, business_date: '2024-09-23',
    channel_id: null, routing: null, channel_cost: 0, merchant_fee: 20, payer_fee: 0, merchant_fee_plan: null, payer_fee_plan: null, merchant_fee_subject: null, payer_fee_subject: null,
    batch_id: null, settlement_id: null, failure_code: null, failure_message: null, failure_retryable: null, next_action_at: null, attempt_count: 1, represents: null, presentment: 0,
    refunded_amount: 0, refunded_from_pending: 0, created_at: AT, updated_at: AT, ...overrides,
  };
}

/** RefundStore's conditional methods on the winning and the losing side, once per engine. */
for (const engine of ENGINES) {
  describe(`refund store on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;
    let serial = 0;

    beforeAll(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(engine === 'sqlite' ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') } : { engine: 'postgres', url: database.databaseUrl! });
      store = opened.store;
      await migrateToLatest(opened.db);
      await store.insertMerchant(MERCHANT);
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    async function debit(status: InstructionStatus, overrides: Partial<DebitRow> = {}): Promise<string> {
      serial += 1;
      const id = `dbt_${serial}`;
      await store.insertDebits([debitRow(id, status, overrides)]);
      return id;
    }

    it.each([
      // already refunded, raise, refunded after (null: refused)
      [0, 4_000, 4_000],
      [4_000, 6_000, 10_000],
      [10_000, 1, null],
      [9_999, 2, null],
    ])('a succeeded debit of 10,000 refunded %i, raised by %i → %s', async (already, raise, after) => {
      const id = await debit('succeeded', { refunded_amount: already });
      const row = await store.transaction((tx) => tx.raiseRefundedAmount(id, raise));
      expect(row === null ? null : row.refunded_amount).toBe(after);
      expect((await store.getDebit(id))!.refunded_amount).toBe(after ?? already);
    });

    it.each(['pending', 'submitted', 'failed', 'rejected'] as const)('a %s debit is never refunded', async (status) => {
      const id = await debit(status);
      expect(await store.transaction((tx) => tx.raiseRefundedAmount(id, 1))).toBeNull();
      expect((await store.getDebit(id))!.refunded_amount).toBe(0);
    });

    it('the raised row tells whether a settlement took the debit', async () => {
      const id = await debit('succeeded');
      expect((await store.transaction((tx) => tx.raiseRefundedAmount(id, 100)))!.settlement_id).toBeNull();
      await store.transaction((tx) => tx.addRefundedFromPending(id, 100));
      expect((await store.getDebit(id))!.refunded_from_pending).toBe(100);
    });

    it.each([
      // settled, answer, refunded_from_pending after (from 3,000, lowering by 3,000)
      [false, 'unsettled', 0],
      [true, 'settled', 3_000],
    ] as const)('lowering a refund of 3,000 drawn from pending (settled: %s) → %s, %i left drawn', async (settled, answer, fromPending) => {
      const id = await debit('succeeded', { refunded_amount: 5_000, refunded_from_pending: 3_000 });
      if (settled) {
        // The day's other succeeded debits are settled with it; the posting makes the settlement's foreign key hold.
        const row = await store.transaction(async (tx) => {
          const settled = await tx.settleMerchantDay({ id: `stl_${id}`, merchantId: MERCHANT.id, businessDate: '2024-09-23', settlesOn: '2024-09-24', ledgerTransactionId: `ltx_${id}`, at: AT });
          await tx.postLedgerTransactions([{ id: `ltx_${id}`, transaction: settlementTransaction(`stl_${id}`, MERCHANT.id, settled!.amount), at: AT, businessDate: '2024-09-24' }]);
          return settled;
        });
        expect(row).not.toBeNull();
      }
      expect(await store.transaction((tx) => tx.lowerRefundedAmount(id, 3_000, 3_000))).toBe(answer);
      expect(await store.getDebit(id)).toMatchObject({ refunded_amount: 2_000, refunded_from_pending: fromPending });
    });
  });
}
