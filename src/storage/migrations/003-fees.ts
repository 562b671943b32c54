import type { Kysely } from 'kysely';

/**
 * Fee plans (versioned, effective-dated), monthly allowance counters, and the fee quote each
 * debit carries from acceptance (SPEC §7, DESIGN-NOTES §4).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fee_plans')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('side', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('effective_from', 'text')
    .addColumn('effective_until', 'text')
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('fee_plans_pk', ['id', 'version'])
    .execute();

  await db.schema
    .createTable('allowance_usage')
    .addColumn('plan_id', 'text', (c) => c.notNull())
    // The payer identity's blind index (ID number, else account), or a merchant id.
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('allowance_usage_pk', ['plan_id', 'subject', 'month'])
    .execute();

  await db.schema.alterTable('debits').addColumn('merchant_fee', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('debits').addColumn('payer_fee', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  // `<plan>@<version>` of the plans that priced the debit, for the record.
  await db.schema.alterTable('debits').addColumn('merchant_fee_plan', 'text').execute();
  await db.schema.alterTable('debits').addColumn('payer_fee_plan', 'text').execute();
  // Set when the debit used room in an allowance counter, so that failing gives it back.
  await db.schema.alterTable('debits').addColumn('payer_fee_subject', 'text').execute();
  await db.schema.alterTable('debits').addColumn('merchant_fee_subject', 'text').execute();

  await db.schema.alterTable('ledger_transactions').addColumn('business_date', 'text').execute();
}
