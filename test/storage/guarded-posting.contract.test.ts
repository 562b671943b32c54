import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/ports.js';
import { accounts, ledgerTransaction, payoutReservedTransaction, type LedgerTransaction } from '../../src/core/index.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

const AT = '2026-03-02T02:00:00.000Z';
const MERCHANT = 'mer_guarded';
const AVAILABLE = accounts.merchantAvailable(MERCHANT).id;
const RESERVED = accounts.merchantReserved(MERCHANT).id;

/** LedgerStore.postGuardedLedgerTransaction on the winning and the losing side, once per engine. */
for (const engine of ENGINES) {
  describe(`guarded ledger posting on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;
    let serial = 0;
    const entry = (transaction: LedgerTransaction) => ({ id: `ltx_${(serial += 1)}`, transaction, at: AT, businessDate: '2026-03-02' });
    const reservation = (payoutId: string, amountFen: number) => entry(payoutReservedTransaction({ payoutId, merchantId: MERCHANT, channelId: 'c', amountFen, feeFen: 0, channelCostFen: 0 }));
    const balance = async (id: string) => (await store.listLedgerAccounts('merchant', MERCHANT)).find((row) => row.id === id)?.balance ?? null;

    beforeEach(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(engine === 'sqlite' ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') } : { engine: 'postgres', url: database.databaseUrl! });
      store = opened.store;
      await migrateToLatest(opened.db);
      await store.postLedgerTransactions([
        entry(ledgerTransaction('test_funding', 'test', 'fund', [
          { account: accounts.channelClearing('c'), amountFen: 1_000 },
          { account: accounts.merchantAvailable(MERCHANT), amountFen: -1_000 },
        ])),
      ]);
    });
    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    it.each([
      // reservation, answer, available after, reserved after
      [1_000, 'posted', 0, -1_000],
      [400, 'posted', -600, -400],
      [1_001, 'insufficient_balance', -1_000, null],
    ])('reserving %i of 1,000 → %s', async (amountFen, answer, available, reserved) => {
      expect(await store.transaction((tx) => tx.postGuardedLedgerTransaction(reservation('pyt_1', amountFen), AVAILABLE))).toBe(answer);
      expect(await balance(AVAILABLE)).toBe(available);
      expect(await balance(RESERVED)).toBe(reserved);
      expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
    });

    it('refuses on an account that does not exist yet, and leaves the transaction usable', async () => {
      const other = payoutReservedTransaction({ payoutId: 'pyt_2', merchantId: 'mer_none', channelId: 'c', amountFen: 1, feeFen: 0, channelCostFen: 0 });
      const answers = await store.transaction(async (tx) => [
        await tx.postGuardedLedgerTransaction(entry(other), accounts.merchantAvailable('mer_none').id),
        await tx.postGuardedLedgerTransaction(reservation('pyt_3', 10), AVAILABLE),
      ]);
      expect(answers).toEqual(['insufficient_balance', 'posted']);
      expect(await balance(AVAILABLE)).toBe(-990);
    });

    it('concurrent reservations pass one after another: of twelve for 100 against 1,000, ten are posted', async () => {
      const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => store.transaction((tx) => tx.postGuardedLedgerTransaction(reservation(`pyt_c${index}`, 100), AVAILABLE))));
      expect(answers.filter((answer) => answer === 'posted')).toHaveLength(10);
      expect(await balance(AVAILABLE)).toBe(0);
      expect(await balance(RESERVED)).toBe(-1_000);
    });
  });
}
