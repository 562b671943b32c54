import type { Kysely } from 'kysely';

/**
 * Notices (公告, SPEC §17, issue 14): the regulatory notices routing rules come from, listed newest
 * publication first; and each rule version may name the notice it comes from.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notices_by_publication').on('notices').columns(['published_at', 'id']).execute();
  // Nullable, with no default: SQLite adds a column with a foreign key only then.
  await db.schema.alterTable('routing_rules').addColumn('notice_id', 'text', (c) => c.references('notices.id')).execute();
}
