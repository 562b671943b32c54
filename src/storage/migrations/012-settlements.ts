import { sql, type Kysely } from 'kysely';

/**
 * Settlement T+1 (SPEC §14, issue 11 item 2).
 *
 * `settlements`: one row per merchant, business date and `sequence`, written in the transaction
 * that moves the net from `pending` to `available`. `(merchant_id, business_date, sequence)` is
 * unique: two runs that settle the same merchant-day at once cannot both write its next row.
 *
 * `debits.settlement_id` names the settlement that took a debit; the update that sets it is
 * conditional on it being null, so a debit is taken once whatever runs at the same time. Its
 * foreign key is checked at commit: the debits are marked before the row is written, in the
 * same transaction. The
 * partial index `debits_unsettled` finds the succeeded debits still waiting (and nothing else, so
 * it stays small and costs batch ingestion nothing: new debits are not `succeeded`);
 * `debits_by_settlement` reads a settlement's debits back (partial too: unsettled debits are not
 * in it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('settlements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('business_date', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('settles_on', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('ledger_transaction_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    // Checked at commit: the row is written from the debits it takes, then the ledger posts its transaction.
    .addForeignKeyConstraint('settlements_ledger_transaction_fk', ['ledger_transaction_id'], 'ledger_transactions', ['id'], (fk) => fk.deferrable().initiallyDeferred())
    .addCheckConstraint('settlements_status_known', sql`status = 'settled'`)
    .addCheckConstraint('settlements_count_positive', sql`count > 0`)
    .addCheckConstraint('settlements_sequence_positive', sql`sequence > 0`)
    .execute();
  await db.schema.createIndex('settlements_merchant_day').unique().on('settlements').columns(['merchant_id', 'business_date', 'sequence']).execute();
  await db.schema.createIndex('settlements_by_settles_on').on('settlements').columns(['settles_on']).execute();
  // Deferred to the commit: a run marks the debits first, then writes the row it names.
  await sql`alter table debits add column settlement_id text references settlements (id) deferrable initially deferred`.execute(db);
  await db.schema
    .createIndex('debits_unsettled')
    .on('debits')
    .columns(['business_date', 'merchant_id'])
    .where(sql<boolean>`status = 'succeeded' and settlement_id is null`)
    .execute();
  await db.schema.createIndex('debits_by_settlement').on('debits').columns(['settlement_id']).where(sql.ref('settlement_id'), 'is not', null).execute();
}
