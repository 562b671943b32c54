import type { Kysely } from 'kysely';

/**
 * Batch safety (issue 8): a batch whose processing throws something unexpected is retried with
 * backoff (`attempts`, `next_attempt_at`) instead of blocking every later batch; the bytes held
 * on disk for an unfinished batch (`file_bytes`) count against its merchant's limit; `error`
 * becomes a JSON object `{ code, detail, row, column, line, byte_offset }` (see BatchError).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('batches').addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('batches').addColumn('next_attempt_at', 'text').execute();
  await db.schema.alterTable('batches').addColumn('file_bytes', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  // Errors written before this migration were plain sentences: they become the detail of an
  // `unreadable_file` error. Failed batches are few; they are rewritten one by one.
  const failed = (await db.selectFrom('batches').select(['id', 'error']).where('error', 'is not', null).execute()) as { id: string; error: string }[];
  for (const { id, error } of failed) {
    if (error.startsWith('{')) continue;
    const json = JSON.stringify({ code: 'unreadable_file', detail: error, row: null, column: null, line: null, byte_offset: null });
    await db.updateTable('batches').set({ error: json }).where('id', '=', id).execute();
  }
}
