import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/ports.js';
import { accounts, ledgerTransaction, payoutReservedTransaction, type LedgerTransaction } from '../../src/core/index.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import type { Database } from '../../src/storage/schema.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { eventually } from '../support/hub.js';

const AT = '2026-03-02T02:00:00.000Z';
const MERCHANT = 'mer_guarded';
const AVAILABLE = accounts.merchantAvailable(MERCHANT).id;
const RESERVED = accounts.merchantReserved(MERCHANT).id;

/** LedgerStore.postGuardedLedgerTransaction on the winning and the losing side, once per engine. */
for (const engine of ENGINES) {
  describe(`guarded ledger posting on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;
    let db: Kysely<Database>;
    let serial = 0;
    const entry = (transaction: LedgerTransaction) => ({ id: `ltx_${(serial += 1)}`, transaction, at: AT, businessDate: '2026-03-02' });
    const reservation = (payoutId: string, amountFen: number) => entry(payoutReservedTransaction({ payoutId, merchantId: MERCHANT, channelId: 'c', amountFen, feeFen: 0, channelCostFen: 0 }));
    const balance = async (id: string) => (await store.listLedgerAccounts('merchant', MERCHANT)).find((row) => row.id === id)?.balance ?? null;

    beforeEach(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(engine === 'sqlite' ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') } : { engine: 'postgres', url: database.databaseUrl! });
      store = opened.store;
      db = opened.db;
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

    it('lockLedgerBalance answers the balance (0 for an account never posted to) and holds it: a guarded posting waits, then sees what the holder left', async () => {
      expect(await store.transaction((tx) => tx.lockLedgerBalance(accounts.merchantAvailable('mer_none').id))).toBe(0);
      let locked!: () => void;
      const lockTaken = new Promise<void>((resolve) => (locked = resolve));
      let go!: () => void;
      const goOn = new Promise<void>((resolve) => (go = resolve));
      // A payout batch's chunk: lock, then reserve 600 of the 1,000 with a plain posting.
      const holder = store.transaction(async (tx) => {
        const seen = await tx.lockLedgerBalance(AVAILABLE);
        locked();
        await goOn;
        await tx.postLedgerTransactions([reservation('pyt_chunk', 600)]);
        return seen;
      });
      await lockTaken;
      // Started outside the holder's transaction, as a concurrent POST /v1/payouts would be.
      const racer = store.transaction((tx) => tx.postGuardedLedgerTransaction(reservation('pyt_api', 1_000), AVAILABLE));
      if (engine === 'postgres') {
        // The racer is waiting on the row the holder locked (waiting with a deadline; nothing is timed).
        await eventually(async () => {
          const row = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
          return Number(row.rows[0]!.n) >= 1;
        }, 10_000, 'the guarded posting to wait on the lock');
      }
      go();
      expect(await holder).toBe(-1_000);
      expect(await racer).toBe('insufficient_balance');
      expect(await balance(AVAILABLE)).toBe(-400);
      expect(await balance(RESERVED)).toBe(-600);
      expect(await store.findUnbalancedLedgerAccounts()).toEqual([]);
    });
  });
}
