import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * Batches several nodes can share (issue 10, item 5).
 *
 * A batch is processed by whoever holds its lease (`lease_owner` until `lease_until`), as an
 * attempt is: a worker claims a due batch whose lease is free or ran out, renews it with every
 * chunk it commits, and every write that advances or ends the batch is fenced on still holding
 * it, so that two nodes never both process one batch.
 *
 * Uploaded files move from one node's disk into the database (`batch_file_chunks`): the file as
 * stored (encrypted, see src/security/encrypted-batch-files.ts) in chunks of up to 1 MiB, so that
 * any node can process any batch and no file is ever held whole in memory. `created_at` tells an
 * upload a crash cut off (no batch, and old) from one still streaming. Files of batches that were
 * processing on disk when this migration ran are not moved (the migration has no key to read
 * them): upgrade with no batch processing, or such a batch fails `file_unreadable`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('batches').addColumn('lease_owner', 'text').execute();
  await db.schema.alterTable('batches').addColumn('lease_until', 'text').execute();
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('batch_file_chunks')
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    // bytea on PostgreSQL; on SQLite a column declared `blob` keeps the bytes as they are.
    .addColumn('bytes', postgres ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('batch_file_chunks_pk', ['batch_id', 'seq'])
    .execute();
}
