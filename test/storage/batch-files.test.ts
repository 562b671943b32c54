import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchFileUnreadable, type BatchFileStore } from '../../src/app/batch-file-store.js';
import { SettableClock, type BatchStatus } from '../../src/core/index.js';
import { databaseConfig } from '../../src/main.js';
import { encryptedBatchFiles } from '../../src/security/encrypted-batch-files.js';
import { DatabaseBatchFiles } from '../../src/storage/batch-file-chunks.js';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

/**
 * The BatchFileStore port (issue 10, item 5) against its adapter on every engine: files kept in
 * the database in chunks (small ones here, so that a few KiB cross several), and the same store
 * wrapped in encryption at rest, as main.ts wires it.
 */
const CHUNK_BYTES = 1_000;
const KEY = crypto.randomBytes(32);

async function* pieces(bytes: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i += 1) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

async function readAll(file: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of file) parts.push(part);
  return Buffer.concat(parts);
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

for (const engine of ENGINES) {
  describe(`batch files in the database on ${engine}`, () => {
    let database: TestDatabase;
    let handle: DatabaseHandle;
    const clock = new SettableClock();
    let raw: DatabaseBatchFiles;
    let sealed: BatchFileStore;
    let serial = 0;
    const id = () => `bat_test${(serial += 1)}`;
    const chunks = async (batchId: string) => handle.db.selectFrom('batch_file_chunks').select(['seq', 'bytes']).where('batch_id', '=', batchId).orderBy('seq').execute();

    beforeAll(async () => {
      database = await freshDatabase(engine);
      handle = openDatabase(databaseConfig(database.dataDir, database.databaseUrl));
      await migrateToLatest(handle.db);
      raw = new DatabaseBatchFiles(handle.db, clock, CHUNK_BYTES);
      sealed = encryptedBatchFiles(raw, KEY);
    });
    afterAll(async () => {
      await handle?.close();
      await database?.drop();
    });

    it.each([
      ['empty', 0],
      ['shorter than a chunk', 999],
      ['exactly a chunk', 1_000],
      ['several chunks and a bit', 5_432],
    ])('stores a file %s in order, in chunks of at most the chunk size, with its size and hash', async (_name, size) => {
      const batchId = id();
      const bytes = crypto.randomBytes(size);
      expect(await raw.put(batchId, pieces(bytes, [7, 1_500, 333]))).toEqual({ bytes: size, sha256: crypto.createHash('sha256').update(bytes).digest('hex') });
      const stored = await chunks(batchId);
      expect(stored.map((chunk) => chunk.seq)).toEqual(Array.from({ length: Math.max(1, Math.ceil(size / CHUNK_BYTES)) }, (_, i) => i));
      expect(stored.every((chunk) => chunk.bytes.length <= CHUNK_BYTES)).toBe(true);
      expect((await readAll(raw.open(batchId))).equals(bytes)).toBe(true);
    });

    it('says a file that is not there is missing, and deleting it does nothing', async () => {
      const error = await failure(readAll(raw.open('bat_nothing')));
      expect(error).toBeInstanceOf(BatchFileUnreadable);
      expect((error as BatchFileUnreadable).message).toBe('The stored file is missing.');
      await raw.delete('bat_nothing');
    });

    it('keeps nothing of a file whose stream fails part-way (an upload refused mid-way)', async () => {
      const batchId = id();
      async function* refused(): AsyncGenerator<Buffer> {
        yield crypto.randomBytes(2_500);
        throw new Error('refused');
      }
      expect(((await failure(sealed.put(batchId, refused()))) as Error).message).toBe('refused');
      expect(await chunks(batchId)).toEqual([]);
    });

    it('encrypted: stores no plaintext, returns the plaintext’s size and hash, and reads it back', async () => {
      const batchId = id();
      const text = Buffer.from(`reference,account_number,amount\n${'R-1,6222020000000000001,100\n'.repeat(200)}`);
      expect(await sealed.put(batchId, pieces(text, [100]))).toEqual({ bytes: text.length, sha256: crypto.createHash('sha256').update(text).digest('hex') });
      const stored = Buffer.concat((await chunks(batchId)).map((chunk) => chunk.bytes));
      expect(stored.includes('6222020000000000001')).toBe(false);
      expect((await readAll(sealed.open(batchId))).equals(text)).toBe(true);
    });

    it('encrypted: an altered or cut-short file does not verify', async () => {
      const batchId = id();
      await sealed.put(batchId, pieces(crypto.randomBytes(3_000), [3_000]));
      const [first] = await chunks(batchId);
      const altered = Buffer.from(first!.bytes);
      altered[100] = altered[100]! ^ 0xff;
      await handle.db.updateTable('batch_file_chunks').set({ bytes: altered }).where('batch_id', '=', batchId).where('seq', '=', 0).execute();
      expect(await failure(readAll(sealed.open(batchId)))).toMatchObject({ name: 'BatchFileUnreadable', byteOffset: 0 });
      await handle.db.updateTable('batch_file_chunks').set({ bytes: first!.bytes }).where('batch_id', '=', batchId).where('seq', '=', 0).execute();
      expect((await readAll(sealed.open(batchId))).length).toBe(3_000);
      const last = (await chunks(batchId)).length - 1;
      await handle.db.deleteFrom('batch_file_chunks').where('batch_id', '=', batchId).where('seq', '=', last).execute();
      expect(await failure(readAll(sealed.open(batchId)))).toBeInstanceOf(BatchFileUnreadable);
    });

    it('deletes what a crash left — files of ended batches, and old uploads that never became a batch — and nothing else', async () => {
      await handle.db.deleteFrom('batch_file_chunks').execute();
      const batch = (batchId: string, status: BatchStatus) => ({
        id: batchId, merchant_id: 'mer_files', file_sha256: batchId.padStart(64, '0'), format: 'csv' as const, kind: 'debit' as const, file_name: `${batchId}.csv.enc`, message_id: null, message_name: null, payment_informations: null,
        status, cursor: 0, rows: 0, accepted: 0, rejected: 0, error: null, created_at: clock.now().toISOString(), completed_at: null, attempts: 0, next_attempt_at: null, file_bytes: 1, encoding: 'utf-8',
      });
      await handle.db.insertInto('merchants').values({
        id: 'mer_files', name: 'M', category: 'utility', settlement_account_ciphertext: 'x', settlement_account_index: 'x', settlement_account_masked: 'x', settlement_bank_code: 'ICBC', settlement_region_code: '440300', settlement_holder_name: 'M', fee_plan: 'standard', payer_fee_plan: null, created_at: clock.now().toISOString(),
        auto_represent_max: 0, auto_represent_after_business_days: 1,
      }).execute();
      const [processing, completed, failed, oldUpload, youngUpload] = [id(), id(), id(), id(), id()];
      await handle.db.insertInto('batches').values([batch(processing, 'processing'), batch(completed, 'completed'), batch(failed, 'failed')]).execute();
      for (const batchId of [processing, completed, failed, oldUpload]) await raw.put(batchId, pieces(crypto.randomBytes(1_500), [1_500]));
      clock.advance(60 * 60 * 1000);
      const cutoff = clock.now().toISOString();
      await raw.put(youngUpload, pieces(crypto.randomBytes(10), [10]));
      expect(await raw.deleteAbandoned(cutoff)).toBe(3);
      const left = await handle.db.selectFrom('batch_file_chunks').select('batch_id').distinct().execute();
      expect(left.map((row) => row.batch_id).sort()).toEqual([processing, youngUpload].sort());
    });
  });
}
