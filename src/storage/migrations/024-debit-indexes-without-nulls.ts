import { sql, type Kysely } from 'kysely';

/**
 * Completion's writes (issue 15): the two indexes on `debits.represents` (migration 014) held an
 * entry for every debit, and `represents` is null for every original — nearly all debits. Now
 * they hold only re-presentments (`represents is not null`).
 *
 * What this saves: on SQLite an UPDATE rewrites an index whose partial predicate names a column
 * it sets, so each status change (claimed, succeeded, failed) deleted and wrote again the null
 * entry of `debits_represents_unique` (its predicate names `status`): two B-tree writes per change,
 * four per completed debit, for an entry nothing reads. An insert wrote two null entries, one in
 * each index; now none.
 *
 * Nothing else changes: a null is distinct from every value in a unique index (both engines), so
 * the uniqueness is the same; every query on `represents` compares it with a value
 * (`represents = ?`, `r.represents = d.id`), which implies it is not null, so both engines still
 * use the indexes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('debits_represents_unique').execute();
  await db.schema
    .createIndex('debits_represents_unique')
    .on('debits')
    .columns(['represents'])
    .unique()
    .where((eb) => eb.and([eb(sql.ref('status'), '<>', 'rejected'), eb(sql.ref('represents'), 'is not', null)]))
    .execute();
  await db.schema.dropIndex('debits_by_represents').execute();
  await db.schema.createIndex('debits_by_represents').on('debits').columns(['represents']).where(sql.ref('represents'), 'is not', null).execute();
}
