import { sql, type Kysely } from 'kysely';

/**
 * Refunds (issue 11, item 4; SPEC §14): a refund is a payout of kind `refund` naming its debit
 * (`payouts.kind`, `payouts.debit_id`, migration 013).
 *
 * - `debits.refunded_amount`: what live refunds of the debit hold. A refund raises it with one
 *   conditional UPDATE (`… where refunded_amount + x <= amount`) in the transaction that inserts
 *   it, so concurrent refunds never sum above the debit; a refund that fails lowers it again. The
 *   CHECK (`debits_refunded_amount_within_amount`) states the same bound in the database (written `= 0 or … <= amount`, so that a row whose
 *   amount breaks `debits_amount_positive` is reported by that check, not this one).
 * - `debits.refunded_from_pending`: what refunds took out of the merchant's `pending` while the
 *   debit was unsettled. Settlement moves `amount − merchant_fee − refunded_from_pending`, so that
 *   `pending` holds exactly the unsettled nets less what refunds drew from them.
 * - `payouts.drawn_from_pending`: the part of a refund's reservation that came out of `pending`
 *   (0 for a payout), which a failure gives back there while the debit is still unsettled.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('debits')
    .addColumn('refunded_amount', 'bigint', (c) => c.notNull().defaultTo(0).modifyEnd(sql`constraint debits_refunded_amount_within_amount check (refunded_amount >= 0 and (refunded_amount = 0 or refunded_amount <= amount))`))
    .execute();
  await db.schema
    .alterTable('debits')
    .addColumn('refunded_from_pending', 'bigint', (c) => c.notNull().defaultTo(0).modifyEnd(sql`constraint debits_refunded_from_pending_within_amount check (refunded_from_pending >= 0 and (refunded_from_pending = 0 or refunded_from_pending <= amount))`))
    .execute();
  await db.schema
    .alterTable('payouts')
    .addColumn('drawn_from_pending', 'bigint', (c) => c.notNull().defaultTo(0).modifyEnd(sql`constraint payouts_drawn_from_pending_within_amount check (drawn_from_pending >= 0 and (drawn_from_pending = 0 or drawn_from_pending <= amount))`))
    .execute();
  await db.schema.createIndex('payouts_by_debit').on('payouts').columns(['debit_id', 'id']).where(sql.ref('debit_id'), 'is not', null).execute();
}
