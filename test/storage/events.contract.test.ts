import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventRow, MerchantRow, Store, WebhookEndpointRow } from '../../src/app/ports.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

/** The Store's public events (SPEC §16, migration 019): written in a transaction, listed newest first with filters. */
function merchant(id: string): MerchantRow {
  return {
    id,
    name: `Merchant ${id}`,
    category: 'utility',
    settlement_account_ciphertext: 'sealed',
    settlement_account_index: `index-${id}`,
    settlement_account_masked: '622202*********0123',
    settlement_bank_code: 'ICBC',
    settlement_region_code: '440300',
    settlement_holder_name: '深圳市水务集团',
    fee_plan: 'standard',
    payer_fee_plan: null,
    created_at: '2024-09-27T01:00:00.000Z',
    auto_represent_max: 0,
    auto_represent_after_business_days: 1,
  };
}

function event(n: number, overrides: Partial<EventRow> = {}): EventRow {
  return {
    id: `evt_${String(n).padStart(4, '0')}`,
    type: 'debit.created',
    merchant_id: 'mer_a',
    object_type: 'debit',
    object_id: `dbt_${n}`,
    created_at: `2024-09-27T01:00:${String(n).padStart(2, '0')}.000Z`,
    api_version: '2026-12-01',
    data: JSON.stringify({ object: { id: `dbt_${n}` } }),
    fanned_out_at: null,
    ...overrides,
  };
}

for (const engine of ENGINES) {
  describe(`events in the store (${engine})`, () => {
    let database: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(engine === 'sqlite' ? { engine, file: path.join(database.dataDir, 'daikou.sqlite') } : { engine, url: database.databaseUrl! });
      store = opened.store;
      await migrateToLatest(opened.db);
      await store.insertMerchant(merchant('mer_a'));
      await store.insertMerchant(merchant('mer_b'));
    });
    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    it('reads back what it wrote, and nothing of a transaction that rolled back', async () => {
      await store.insertEvents([event(1), event(2, { type: 'debit.failed', object_id: 'dbt_1' })]);
      await expect(
        store.transaction(async (tx) => {
          await tx.insertEvents([event(3)]);
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      // mer_a has no webhook endpoint: the event is written fanned out (the test below says why).
      expect(await store.getEvent('evt_0001')).toEqual(event(1, { fanned_out_at: event(1).created_at }));
      expect(await store.getEvent('evt_0003')).toBeNull();
    });

    it('lists newest first, page by page, filtered by merchant, type, object and time', async () => {
      await store.insertEvents([
        event(1),
        event(2, { type: 'debit.succeeded', object_id: 'dbt_1' }),
        event(3, { merchant_id: 'mer_b' }),
        event(4, { merchant_id: null, type: 'reconciliation.completed', object_type: 'reconciliation', object_id: 'rcn_1' }),
        event(5),
      ]);
      const ids = (rows: EventRow[]) => rows.map((row) => row.id);

      const first = await store.listEvents({ limit: 2 });
      expect(ids(first.data)).toEqual(['evt_0005', 'evt_0004']);
      expect(first.hasMore).toBe(true);
      const rest = await store.listEvents({ limit: 10, startingAfter: 'evt_0004' });
      expect(ids(rest.data)).toEqual(['evt_0003', 'evt_0002', 'evt_0001']);
      expect(rest.hasMore).toBe(false);

      const newer = await store.listEvents({ limit: 2, endingBefore: 'evt_0001' });
      expect(ids(newer.data)).toEqual(['evt_0003', 'evt_0002']);
      expect(newer.hasMore).toBe(true);
      const newest = await store.listEvents({ limit: 2, endingBefore: 'evt_0003' });
      expect(ids(newest.data)).toEqual(['evt_0005', 'evt_0004']);
      expect(newest.hasMore).toBe(false);
      expect(ids((await store.listEvents({ limit: 10, merchantId: 'mer_a', endingBefore: 'evt_0001' })).data)).toEqual(['evt_0005', 'evt_0002']);

      expect(ids((await store.listEvents({ limit: 10, merchantId: 'mer_a' })).data)).toEqual(['evt_0005', 'evt_0002', 'evt_0001']);
      expect(ids((await store.listEvents({ limit: 10, merchantId: 'mer_a', types: ['debit.succeeded', 'debit.failed'] })).data)).toEqual(['evt_0002']);
      expect(ids((await store.listEvents({ limit: 10, objectId: 'dbt_1' })).data)).toEqual(['evt_0002', 'evt_0001']);
      expect(ids((await store.listEvents({ limit: 10, createdGte: event(2).created_at, createdLt: event(4).created_at })).data)).toEqual(['evt_0003', 'evt_0002']);
    });

    it('leaves for fan-out only the events of a merchant with a live endpoint: the others are fanned out as written', async () => {
      const endpoint = (id: string, merchantId: string, live: Partial<WebhookEndpointRow>): WebhookEndpointRow => ({
        id,
        merchant_id: merchantId,
        url: 'https://example.com/hook',
        description: null,
        event_types: '["*"]',
        enabled: 1,
        disabled_reason: null,
        ordered: 0,
        secret_ciphertext: 'sealed',
        previous_secret_ciphertext: null,
        previous_secret_expires_at: null,
        created_at: '2024-09-27T00:00:00.000Z',
        updated_at: '2024-09-27T00:00:00.000Z',
        deleted_at: null,
        ...live,
      });
      await store.insertMerchant(merchant('mer_c'));
      await store.insertWebhookEndpoint(endpoint('we_b', 'mer_b', {}));
      // mer_c's endpoints are disabled or deleted: nobody listens there either.
      await store.insertWebhookEndpoint(endpoint('we_c1', 'mer_c', { enabled: 0 }));
      await store.insertWebhookEndpoint(endpoint('we_c2', 'mer_c', { deleted_at: '2024-09-27T00:30:00.000Z' }));
      let wakes = 0;
      store.onEventsCommitted(() => (wakes += 1));
      await store.transaction(async (tx) => tx.insertEvents([event(1), event(2, { merchant_id: 'mer_b' }), event(3, { merchant_id: null, type: 'reconciliation.completed' }), event(4, { merchant_id: 'mer_c' })]));
      expect((await store.claimEventsAwaitingFanOut(10)).map((row) => row.id)).toEqual(['evt_0002']);
      for (const id of ['evt_0001', 'evt_0003', 'evt_0004']) expect((await store.getEvent(id))?.fanned_out_at).toBe(event(Number(id.slice(-4))).created_at);
      expect(wakes).toBe(1);
      // Events nobody listens to wake no dispatcher: there is nothing to deliver.
      await store.transaction(async (tx) => tx.insertEvents([event(5), event(6, { merchant_id: 'mer_c' })]));
      expect(wakes).toBe(1);
    });
  });
}
