import { sql, type Kysely } from 'kysely';

/**
 * Webhook endpoints (SPEC §16, issue 13): where a merchant's events are delivered. The signing
 * secret is sealed with the vault, as personal data is; the previous secret of a rotation is kept,
 * sealed, until it expires. Deleting an endpoint stamps `deleted_at` (its deliveries will name it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    .addColumn('previous_secret_ciphertext', 'text')
    .addColumn('previous_secret_expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .addCheckConstraint('webhook_endpoints_enabled_flag', sql.raw('enabled in (0, 1)'))
    .execute();
  await db.schema.createIndex('webhook_endpoints_by_merchant').on('webhook_endpoints').columns(['merchant_id', 'id']).execute();
}
