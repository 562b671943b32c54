import { sql, type Kysely } from 'kysely';

/**
 * Re-presentment (issue 11, item 5; SPEC §14).
 *
 * A debit that failed with a retryable code may be presented again as a new debit with the same
 * mandate, amount and reference: `represents` names the debit it presents again, `presentment`
 * counts the presentments of the original (0 for the original, then 1 and 2).
 *
 * The reference stays unique among a merchant's debits that were not rejected, per presentment
 * number: `(merchant_id, reference, presentment)` replaces `(merchant_id, reference)`. A chain
 * therefore shares its reference, a new debit (presentment 0) still cannot take a used one, and
 * two live debits of one reference cannot exist: presentment n + 1 is only created once n has
 * failed, and two concurrent presentments of one failure meet on this index. `represents` is
 * unique too (not for rejected debits), which states the same thing from the failure's side.
 *
 * A merchant's `auto_represent { max, after_business_days }` is two columns; max 0 is off.
 * The maintenance worker looks for due failures through a partial index on the retryable failed
 * debits, by the time they failed (a failed debit is never updated again, so `updated_at` is that time).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('debits').addColumn('represents', 'text', (c) => c.references('debits.id')).execute();
  await db.schema.alterTable('debits').addColumn('presentment', 'integer', (c) => c.notNull().defaultTo(0).check(sql`presentment >= 0 and presentment <= 2`)).execute();
  await db.schema.dropIndex('debits_reference_unique').execute();
  await db.schema
    .createIndex('debits_reference_unique')
    .on('debits')
    .columns(['merchant_id', 'reference', 'presentment'])
    .unique()
    .where(sql.ref('status'), '<>', 'rejected')
    .execute();
  await db.schema.createIndex('debits_represents_unique').on('debits').columns(['represents']).unique().where(sql.ref('status'), '<>', 'rejected').execute();
  // Every presentment of a debit, rejected ones included: auto re-presentment tries a failure once.
  await db.schema.createIndex('debits_by_represents').on('debits').columns(['represents']).execute();
  await db.schema
    .createIndex('debits_retryable_failures')
    .on('debits')
    .columns(['updated_at'])
    .where((eb) => eb.and([eb(sql.ref('status'), '=', 'failed'), eb(sql.ref('failure_retryable'), '=', 1)]))
    .execute();

  await db.schema
    .alterTable('merchants')
    .addColumn('auto_represent_max', 'integer', (c) => c.notNull().defaultTo(0).check(sql`auto_represent_max >= 0 and auto_represent_max <= 2`))
    .execute();
  await db.schema
    .alterTable('merchants')
    .addColumn('auto_represent_after_business_days', 'integer', (c) => c.notNull().defaultTo(1).check(sql`auto_represent_after_business_days >= 1 and auto_represent_after_business_days <= 5`))
    .execute();
}
