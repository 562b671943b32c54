import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { BatchFileUnreadable, type BatchFileStore, type StoredBatchFile } from '../app/batch-file-store.js';
import type { Clock } from '../core/index.js';
import type { Database } from './schema.js';

/**
 * Stored chunks are this long (the last one shorter): few rows and few round trips for a large
 * file, while a chunk held in memory stays small. One statement per chunk, each its own commit,
 * so that an upload holds no transaction open while it waits for the network.
 */
export const BATCH_FILE_CHUNK_BYTES = 1024 * 1024;

/**
 * Batch files in the database (`batch_file_chunks`, migration 010): any node reads any batch's
 * file, and nothing lives on one node's disk. The bytes are stored as given: encryption wraps
 * this store (src/security/encrypted-batch-files.ts). A file always has a chunk 0, possibly
 * empty, so that an empty file is told from a missing one.
 */
export class DatabaseBatchFiles implements BatchFileStore {
  constructor(
    private readonly db: Kysely<Database>,
    /** Stamps chunks for the sweep of abandoned uploads. */
    private readonly clock: Clock,
    private readonly chunkBytes = BATCH_FILE_CHUNK_BYTES,
  ) {}

  async put(batchId: string, file: AsyncIterable<Buffer>): Promise<StoredBatchFile> {
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const write = async (chunk: Buffer) => {
      await this.db.insertInto('batch_file_chunks').values({ batch_id: batchId, seq, bytes: chunk, created_at: this.clock.now().toISOString() }).execute();
      seq += 1;
    };
    try {
      for await (const piece of file) {
        hash.update(piece);
        bytes += piece.length;
        pending.push(piece);
        pendingBytes += piece.length;
        if (pendingBytes < this.chunkBytes) continue;
        let all = Buffer.concat(pending, pendingBytes);
        while (all.length >= this.chunkBytes) {
          await write(all.subarray(0, this.chunkBytes));
          all = all.subarray(this.chunkBytes);
        }
        pending = [all];
        pendingBytes = all.length;
      }
      if (pendingBytes > 0 || seq === 0) await write(Buffer.concat(pending, pendingBytes));
    } catch (error) {
      await this.delete(batchId);
      throw error;
    }
    return { bytes, sha256: hash.digest('hex') };
  }

  async *open(batchId: string): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq += 1) {
      // One chunk per query: reading the next waits until the reader wants it.
      const row = await this.db.selectFrom('batch_file_chunks').select('bytes').where('batch_id', '=', batchId).where('seq', '=', seq).executeTakeFirst();
      if (row === undefined) {
        if (seq === 0) throw new BatchFileUnreadable('is missing.', null);
        return;
      }
      yield row.bytes;
    }
  }

  async delete(batchId: string): Promise<void> {
    await this.db.deleteFrom('batch_file_chunks').where('batch_id', '=', batchId).execute();
  }

  async deleteAbandoned(uploadedBefore: string): Promise<number> {
    const abandoned = await this.db
      .selectFrom('batch_file_chunks as c')
      .leftJoin('batches as b', 'b.id', 'c.batch_id')
      .select('c.batch_id')
      .where('c.seq', '=', 0)
      .where((eb) => eb.or([eb.and([eb('b.id', 'is', null), eb('c.created_at', '<', uploadedBefore)]), eb('b.status', '<>', sql.lit('processing'))]))
      .execute();
    for (const { batch_id } of abandoned) await this.delete(batch_id);
    return abandoned.length;
  }
}
