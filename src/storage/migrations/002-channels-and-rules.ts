import type { Kysely } from 'kysely';

/**
 * Channels as data (cost schedule, on/off) and versioned routing rules (SPEC §6); each debit
 * keeps the cost of the channel that carried it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('channels').addColumn('cost_schedule', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  await db.schema.alterTable('channels').addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('channels').addColumn('updated_at', 'text').execute();

  await db.schema
    .createTable('routing_rules')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('effective_from', 'text')
    .addColumn('effective_until', 'text')
    .addColumn('applies_to', 'text', (c) => c.notNull())
    .addColumn('effect', 'text', (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    // A retired version takes its rule out of force from then on; older debits still name it.
    .addColumn('retired', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('routing_rules_pk', ['id', 'version'])
    .execute();

  await db.schema.alterTable('debits').addColumn('channel_cost', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  // The what-if simulation pages through a window of business dates by (business_date, id).
  await db.schema.createIndex('debits_by_business_date').on('debits').columns(['business_date', 'id']).execute();
}
