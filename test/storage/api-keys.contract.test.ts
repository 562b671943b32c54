import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKeyRow, MerchantRow, Store } from '../../src/app/ports.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

/** The Store's API-key methods (SPEC §17), each conditional one from the winning and the losing side. */
const AT = '2017-12-07T01:30:00.000Z';
const LATER = '2017-12-07T02:30:00.000Z';

function keyRow(id: string, merchantId: string | null, overrides: Partial<ApiKeyRow> = {}): ApiKeyRow {
  return { id, key_hash: `hash:${id}`, merchant_id: merchantId, prefix: merchantId === null ? 'dk_op_abcde' : 'dk_mer_abcde', label: '', created_at: AT, revoked_at: null, ...overrides };
}

const MERCHANT: MerchantRow = {
  id: 'mer_1',
  name: 'Merchant',
  category: 'utility',
  settlement_account_ciphertext: 'sealed',
  settlement_account_index: 'index',
  settlement_account_masked: '622202*********0123',
  settlement_bank_code: 'ICBC',
  settlement_region_code: '440300',
  settlement_holder_name: '深圳市水务集团',
  fee_plan: 'standard',
  payer_fee_plan: null,
  created_at: AT,
  auto_represent_max: 0,
  auto_represent_after_business_days: 1,
};

for (const engine of ENGINES) {
  describe(`api keys in the store (${engine})`, () => {
    let database: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(engine === 'sqlite' ? { engine, file: path.join(database.dataDir, 'daikou.sqlite') } : { engine, url: database.databaseUrl! });
      store = opened.store;
      await migrateToLatest(opened.db);
      await store.insertMerchant(MERCHANT);
    });
    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    it('lists a merchant’s keys newest first, page by page, and the operator keys apart', async () => {
      for (const id of ['key_1', 'key_2', 'key_3']) await store.insertApiKey(keyRow(id, MERCHANT.id));
      await store.insertApiKey(keyRow('key_0', null));
      const first = await store.listApiKeys({ merchantId: MERCHANT.id, limit: 2 });
      expect(first.data.map((row) => row.id)).toEqual(['key_3', 'key_2']);
      expect(first.hasMore).toBe(true);
      const second = await store.listApiKeys({ merchantId: MERCHANT.id, limit: 2, startingAfter: 'key_2' });
      expect(second).toEqual({ data: [keyRow('key_1', MERCHANT.id)], hasMore: false });
      expect((await store.listApiKeys({ merchantId: null, limit: 10 })).data.map((row) => row.id)).toEqual(['key_0']);
      expect(await store.getApiKey('key_2')).toEqual(keyRow('key_2', MERCHANT.id));
      expect(await store.getApiKey('key_unknown')).toBeNull();
    });

    it('revokes a key once: the second revocation and an unknown id lose', async () => {
      await store.insertApiKey(keyRow('key_1', MERCHANT.id));
      expect(await store.revokeApiKey('key_1', AT)).toBe(true);
      expect(await store.revokeApiKey('key_1', LATER)).toBe(false);
      expect(await store.revokeApiKey('key_unknown', LATER)).toBe(false);
      expect((await store.getApiKey('key_1'))?.revoked_at).toBe(AT);
    });

    it('revokes every live operator key but the kept one, and no merchant key', async () => {
      await store.insertApiKey(keyRow('key_1', null));
      await store.insertApiKey(keyRow('key_2', null, { revoked_at: AT }));
      await store.insertApiKey(keyRow('key_3', null));
      await store.insertApiKey(keyRow('key_4', MERCHANT.id));
      await store.insertApiKey(keyRow('key_5', null));
      expect(await store.revokeOperatorKeysExcept('key_5', LATER)).toBe(2);
      expect(await store.countOperatorKeys()).toBe(1);
      expect((await store.getApiKey('key_2'))?.revoked_at).toBe(AT);
      expect((await store.getApiKey('key_4'))?.revoked_at).toBeNull();
      expect(await store.revokeOperatorKeysExcept('key_5', LATER)).toBe(0);
    });
  });
}
