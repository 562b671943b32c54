import { sql, type Kysely } from 'kysely';

/**
 * Public events (SPEC §16, issue 13): the outbox. Each row is written in the transaction of the
 * change it describes and carries the object's public representation at that moment. Listing
 * reads them newest first by merchant (and by object); the dispatcher finds the ones it has not
 * fanned out yet through a partial index, which stays as small as the backlog.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('api_version', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('fanned_out_at', 'text')
    .execute();
  await db.schema.createIndex('events_by_merchant').on('events').columns(['merchant_id', 'id']).execute();
  await db.schema.createIndex('events_by_object').on('events').columns(['object_id', 'id']).execute();
  await db.schema.createIndex('events_awaiting_fan_out').on('events').column('id').where(sql.ref('fanned_out_at'), 'is', null).execute();
}
