import { sql, type Kysely } from 'kysely';

/**
 * Batches (SPEC §11): the uploaded file, how far processing got (`cursor`, advanced in the same
 * transaction as the rows it covers, so that a restart resumes without losing or repeating a
 * row), and one result line per input row.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('file_sha256', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    // For ISO 20022 files: the message's MsgId and name, quoted back in the pain.002 report.
    .addColumn('message_id', 'text')
    .addColumn('message_name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('cursor', 'integer', (c) => c.notNull())
    .addColumn('rows', 'integer', (c) => c.notNull())
    .addColumn('accepted', 'integer', (c) => c.notNull())
    .addColumn('rejected', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addUniqueConstraint('batches_file_unique', ['merchant_id', 'file_sha256'])
    .execute();
  await db.schema.createIndex('batches_processing').on('batches').columns(['created_at']).where(sql.ref('status'), '=', 'processing').execute();

  await db.schema
    .createTable('batch_rows')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id'))
    .addColumn('row', 'integer', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('debit_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('column_name', 'text')
    .addColumn('code', 'text')
    .addColumn('message', 'text')
    .addPrimaryKeyConstraint('batch_rows_pk', ['batch_id', 'row'])
    .execute();

  await db.schema.alterTable('debits').addColumn('batch_id', 'text').execute();
  await db.schema.createIndex('debits_by_batch').on('debits').columns(['batch_id', 'status']).execute();
}
