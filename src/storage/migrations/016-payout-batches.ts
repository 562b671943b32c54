import { sql, type Kysely } from 'kysely';

/**
 * Payout batches (issue 11, item 3; SPEC §§11, 14).
 *
 * A batch gets a `kind`: `debit` (every batch before this migration, and a CSV or pain.008 now) or
 * `payout` (a CSV uploaded with `?kind=payout`, or a pain.001). The column is added with its
 * default and its CHECK in one statement, which both engines take (SQLite takes a CHECK in ADD
 * COLUMN; it checks the existing rows against it, all `debit`).
 *
 * A payout names the batch and row it came from, so that the report joins its rows with the
 * payouts' current status (`batch_rows.debit_id` stays for debits; a payout batch's rows find their
 * payout by `(batch_id, batch_row)`), and `GET /v1/batches/{id}` counts them by status. Both are
 * null for a payout sent alone. The index is partial: payouts sent alone carry nothing in it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  // Written out to name the constraint (the column builder's check() cannot), as migrations 009 and 013 name theirs.
  await sql`alter table batches add column kind text not null default 'debit' constraint batches_kind_known check (kind = 'debit' or kind = 'payout')`.execute(db);
  await db.schema.alterTable('payouts').addColumn('batch_id', 'text', (c) => c.references('batches.id')).execute();
  await db.schema.alterTable('payouts').addColumn('batch_row', 'integer').execute();
  await db.schema
    .createIndex('payouts_by_batch')
    .on('payouts')
    .columns(['batch_id', 'batch_row'])
    .unique()
    .where(sql.ref('batch_id'), 'is not', null)
    .execute();
}
