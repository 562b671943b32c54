import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_RETENTION_MS } from '../../src/app/debits.js';
import { MaintenanceWorker } from '../../src/app/maintenance-worker.js';
import type { IdempotencyRow, Store } from '../../src/app/ports.js';
import { CN_CALENDAR, SequentialIds, SettableClock } from '../../src/core/index.js';
import { createLogger } from '../../src/logger.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { LogCapture } from '../support/hub.js';
import { OBJECT_PRESENTERS } from '../../src/http/presenters.js';

/**
 * The maintenance worker sweeps idempotency keys past their retention, in bounded chunks; its
 * rounds are driven by hand with a settable clock (no timer is waited for).
 */

const T0_MS = Date.parse('2017-12-07T01:30:00.000Z');
const HOUR_MS = 60 * 60 * 1000;

function key(key: string, createdAtMs: number): IdempotencyRow {
  return { merchant_id: 'mer_1', key, request_hash: 'hash', state: 'done', response_status: 201, response_body: '{}', created_at: new Date(createdAtMs).toISOString() };
}

for (const engine of ENGINES) {
  describe(engine, () => {
    let database: TestDatabase;
    let store: Store;
    let clock: SettableClock;
    let logs: LogCapture;

    beforeEach(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(engine === 'sqlite' ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') } : { engine: 'postgres', url: database.databaseUrl! });
      store = opened.store;
      await migrateToLatest(opened.db);
      clock = new SettableClock();
      clock.set(new Date(T0_MS));
      logs = new LogCapture();
    });

    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    function worker(options: { chunkRows?: number; chunksPerRoundMax?: number } = {}): MaintenanceWorker {
      return new MaintenanceWorker({ store, clock, calendar: CN_CALENDAR, ids: new SequentialIds(), logger: createLogger({ level: 'info', destination: logs }), presenters: OBJECT_PRESENTERS }, options);
    }

    it('sweeps a key past the retention and keeps a younger one', async () => {
      await store.insertIdempotencyKey(key('old', T0_MS));
      await store.insertIdempotencyKey(key('young', T0_MS + 2 * HOUR_MS));
      await store.insertIdempotencyKey(key('almost', T0_MS + HOUR_MS + 60_000));
      clock.set(new Date(T0_MS + HOUR_MS + IDEMPOTENCY_RETENTION_MS));
      expect(await worker().runOnce()).toMatchObject({ idempotencyKeysDeleted: 1, debitsRepresented: 0 });
      expect(await store.getIdempotencyKey('mer_1', 'old')).toBeNull();
      // A minute short of the retention (the settable clock runs on from the instant it was set).
      expect(await store.getIdempotencyKey('mer_1', 'almost')).not.toBeNull();
      expect(await store.getIdempotencyKey('mer_1', 'young')).not.toBeNull();
      expect(await worker().runOnce()).toMatchObject({ idempotencyKeysDeleted: 0, debitsRepresented: 0 });
    });

    it('deletes in chunks, at most so many per round; the next round takes the rest', async () => {
      for (let i = 0; i < 25; i += 1) await store.insertIdempotencyKey(key(`old-${i}`, T0_MS + i));
      await store.insertIdempotencyKey(key('young', T0_MS + 10 * HOUR_MS));
      clock.set(new Date(T0_MS + HOUR_MS + IDEMPOTENCY_RETENTION_MS));
      const sweeper = worker({ chunkRows: 4, chunksPerRoundMax: 5 });
      expect(await sweeper.runOnce()).toMatchObject({ idempotencyKeysDeleted: 20, debitsRepresented: 0 });
      // The oldest go first.
      expect(await store.getIdempotencyKey('mer_1', 'old-0')).toBeNull();
      expect(await store.getIdempotencyKey('mer_1', 'old-24')).not.toBeNull();
      expect(await sweeper.runOnce()).toMatchObject({ idempotencyKeysDeleted: 5, debitsRepresented: 0 });
      expect(await store.getIdempotencyKey('mer_1', 'young')).not.toBeNull();
    });
  });
}
