import { sql } from 'kysely';
import type { DebitRow, Page, PageRequest, PayoutRow } from '../../app/ports.js';
import { page, type Executor, type StoreContext } from './shared.js';

/** Refunds: the debit's refundable amount (migration 015) and its refunds. */
export class Refunds {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async raiseRefundedAmount(debitId: string, amountFen: number): Promise<DebitRow | null> {
    // The check and the raise in one statement: a concurrent refund waits on the row and is checked
    // against the amount this one left (PostgreSQL re-evaluates the WHERE on the row it waited for;
    // SQLite has one writer). RETURNING reads the row as it is now, `settlement_id` included.
    const row = await this.db
      .updateTable('debits')
      .set({ refunded_amount: (eb) => eb('refunded_amount', '+', amountFen) })
      .where('id', '=', debitId)
      .where('status', '=', sql.lit('succeeded'))
      .where((eb) => eb(eb('refunded_amount', '+', amountFen), '<=', eb.ref('amount')))
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  async addRefundedFromPending(debitId: string, fen: number): Promise<void> {
    await this.db.updateTable('debits').set({ refunded_from_pending: (eb) => eb('refunded_from_pending', '+', fen) }).where('id', '=', debitId).execute();
  }

  async lowerRefundedAmount(debitId: string, amountFen: number, drawnFromPendingFen: number): Promise<'unsettled' | 'settled'> {
    const row = await this.db
      .updateTable('debits')
      .set({
        refunded_amount: (eb) => eb('refunded_amount', '-', amountFen),
        refunded_from_pending: sql<number>`refunded_from_pending - case when settlement_id is null then cast(${drawnFromPendingFen} as bigint) else 0 end`,
      })
      .where('id', '=', debitId)
      .returning('settlement_id')
      .executeTakeFirstOrThrow();
    return row.settlement_id === null ? 'unsettled' : 'settled';
  }

  async findRefundIds(payoutIds: readonly string[]): Promise<Set<string>> {
    if (payoutIds.length === 0) return new Set();
    const rows = await this.db.selectFrom('payouts').select('id').where('id', 'in', payoutIds).where('kind', '=', sql.lit('refund')).execute();
    return new Set(rows.map((row) => row.id));
  }

  async listRefunds(debitId: string, request: PageRequest): Promise<Page<PayoutRow>> {
    let query = this.db.selectFrom('payouts').selectAll().where('debit_id', '=', debitId);
    if (request.startingAfter) query = query.where('id', '<', request.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(request.limit + 1).execute(), request.limit);
  }
}
