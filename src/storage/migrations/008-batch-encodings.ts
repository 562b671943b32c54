import type { Kysely } from 'kysely';

/**
 * Batch file encodings (issue 9): a CSV file may come in GBK or GB18030 when its upload declares
 * it; the stored file keeps the bytes as sent (so that every offset a batch error gives counts
 * bytes of the file the merchant has), and `encoding` says how to read them. Files uploaded
 * before this migration were UTF-8.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('batches').addColumn('encoding', 'text', (c) => c.notNull().defaultTo('utf-8')).execute();
}
