import { sql, type Kysely } from 'kysely';

/**
 * Payouts (代付, SPEC §14, issue 11): the second kind of instruction.
 *
 * `payouts` holds what a debit holds, with the payee in place of the mandate (its account number
 * sealed, indexed and masked as a mandate's is) and `fee` (the merchant's, reserved with the
 * amount). `kind` is `payout` now; refunds will be payouts of kind `refund` naming `debit_id`.
 * A reference is unique per merchant among payouts that were not rejected, as for debits.
 *
 * Their events and attempts get tables of their own, of the same shape as the debits': the
 * existing `attempts.debit_id` is a foreign key to `debits`, and SQLite cannot drop or widen it
 * without rebuilding the table (which would also have to rebuild its CHECK constraints). Each
 * attempts table keeps a real foreign key to its instruction; the worker stays one code path
 * (src/app/submission-worker.ts takes a kind, and the store picks the tables).
 *
 * CHECK constraints are written into the new tables at once, on both engines (SQLite takes them in
 * CREATE TABLE); the lists are written out, as in migration 009.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  const statuses = sql.raw(`status in ('pending', 'submitted', 'succeeded', 'failed', 'rejected')`);
  await db.schema
    .createTable('payouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('debit_id', 'text', (c) => c.references('debits.id'))
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('fee', 'bigint', (c) => c.notNull())
    .addColumn('fee_plan', 'text')
    .addColumn('channel_cost', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('metadata', 'text')
    .addColumn('payee_account_ciphertext', 'text', (c) => c.notNull())
    .addColumn('payee_account_index', 'text', (c) => c.notNull())
    .addColumn('payee_account_masked', 'text', (c) => c.notNull())
    .addColumn('payee_account_kind', 'text', (c) => c.notNull())
    .addColumn('payee_medium', 'text', (c) => c.notNull())
    .addColumn('payee_bank_code', 'text')
    .addColumn('payee_holder_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('business_date', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.references('channels.id'))
    .addColumn('routing', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('next_action_at', 'text')
    .addColumn('attempt_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('payouts_status_known', statuses)
    .addCheckConstraint('payouts_kind_known', sql.raw(`kind in ('payout', 'refund')`))
    .addCheckConstraint('payouts_amount_positive', sql.raw('amount > 0'))
    .addCheckConstraint('payouts_fee_not_negative', sql.raw('fee >= 0'))
    .addCheckConstraint('payouts_channel_cost_not_negative', sql.raw('channel_cost >= 0'))
    .execute();
  await db.schema.createIndex('payouts_reference_unique').on('payouts').columns(['merchant_id', 'reference']).unique().where(sql.ref('status'), '<>', 'rejected').execute();
  await db.schema.createIndex('payouts_by_merchant').on('payouts').columns(['merchant_id', 'id']).execute();
  await db.schema.createIndex('payouts_pending').on('payouts').columns(['next_action_at']).where(sql.ref('status'), '=', 'pending').execute();

  await db.schema
    .createTable('payout_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payout_id', 'text', (c) => c.notNull().references('payouts.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .addCheckConstraint('payout_events_status_known', statuses)
    .execute();
  await db.schema.createIndex('payout_events_by_payout').on('payout_events').columns(['payout_id', 'id']).execute();

  await db.schema
    .createTable('payout_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payout_id', 'text', (c) => c.notNull().references('payouts.id'))
    .addColumn('attempt_number', 'integer', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('end_to_end_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('channel_reference', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('next_query_at', 'text')
    .addColumn('query_count', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('payout_attempts_number_unique', ['payout_id', 'attempt_number'])
    .addCheckConstraint('payout_attempts_state_known', sql.raw(`state in ('sending', 'accepted', 'unknown', 'not_sent', 'not_found', 'succeeded', 'failed')`))
    .execute();
  await db.schema.createIndex('payout_attempts_open').on('payout_attempts').columns(['next_query_at']).where(sql.ref('state'), 'in', ['sending', 'accepted', 'unknown']).execute();
}
