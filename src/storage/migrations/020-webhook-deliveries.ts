import { sql, type Kysely } from 'kysely';

/**
 * Webhook deliveries (SPEC §16, issue 13): one row per (event, endpoint), made when the dispatcher
 * fans an event out, and the log of its attempts. The partial indexes serve the dispatcher: due
 * pending deliveries per endpoint (it leases each endpoint's share separately, so that one
 * endpoint's backlog cannot fill a round), and the oldest pending delivery per (endpoint, object)
 * for endpoints that ask for their events in order (`webhook_endpoints.ordered`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_endpoints').addColumn('ordered', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id'))
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt_count', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('first_attempt_at', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('webhook_deliveries_event_endpoint', ['event_id', 'endpoint_id'])
    .addCheckConstraint('webhook_deliveries_status_known', sql.raw("status = 'pending' or status = 'succeeded' or status = 'failed' or status = 'cancelled'"))
    .addCheckConstraint('webhook_deliveries_pending_is_due', sql.raw("(status = 'pending') = (next_attempt_at is not null)"))
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['endpoint_id', 'next_attempt_at', 'id']).where(sql.ref('status'), '=', sql.lit('pending')).execute();
  await db.schema.createIndex('webhook_deliveries_pending_by_object').on('webhook_deliveries').columns(['endpoint_id', 'object_id', 'event_id']).where(sql.ref('status'), '=', sql.lit('pending')).execute();
  await db.schema.createIndex('webhook_deliveries_by_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'id']).execute();
  await db.schema
    .createTable('webhook_delivery_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer')
    .addColumn('response_excerpt', 'text')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('webhook_delivery_attempts_pk', ['delivery_id', 'number'])
    .execute();
}
