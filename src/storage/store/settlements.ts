import { sql } from 'kysely';
import { invariant } from '../../core/index.js';
import type { Page, SettlementFilter, SettlementRow, UnsettledDay } from '../../app/ports.js';
import { page, type Executor, type StoreContext } from './shared.js';

/**
 * How many times a merchant-day's next sequence may be found taken before a run gives up. Under
 * READ COMMITTED a second run's UPDATE already waits for the first run's commit (it meets the
 * rows the first took), so its INSERT reads the sequence after it; the retry is the guard should
 * two runs ever reach the INSERT together, and the unique index is what makes it safe.
 */
const SEQUENCE_TRIES_MAX = 16;

/** Settlements (SPEC §14) and the debits they take. */
export class Settlements {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async listUnsettledDays(limit: number, businessDate?: string): Promise<UnsettledDay[]> {
    // The literals select the partial index debits_unsettled (see shared.ts).
    let query = this.db
      .selectFrom('debits')
      .select(['merchant_id', 'business_date', sql<number>`cast(count(*) as integer)`.as('count')])
      .where('status', '=', sql.lit('succeeded'))
      .where('settlement_id', 'is', null);
    if (businessDate !== undefined) query = query.where('business_date', '=', businessDate);
    const rows = await query.groupBy(['business_date', 'merchant_id']).orderBy('business_date').orderBy('merchant_id').limit(limit).execute();
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  async settleMerchantDay(input: { id: string; merchantId: string; businessDate: string; settlesOn: string; ledgerTransactionId: string; at: string }): Promise<SettlementRow | null> {
    const taken = await this.db
      .updateTable('debits')
      .set({ settlement_id: input.id })
      .where('merchant_id', '=', input.merchantId)
      .where('business_date', '=', input.businessDate)
      .where('status', '=', sql.lit('succeeded'))
      .where('settlement_id', 'is', null)
      .executeTakeFirst();
    if (taken.numUpdatedRows === 0n) return null;
    for (let tries = 1; ; tries += 1) {
      // The next sequence is read in the statement itself; should a concurrent run hold the same
      // one, the unique index makes this insert nothing (PostgreSQL waits for that run to end),
      // and the next statement reads the sequence after it.
      const row = await this.db
        .insertInto('settlements')
        .columns(['id', 'merchant_id', 'business_date', 'sequence', 'settles_on', 'status', 'count', 'amount', 'ledger_transaction_id', 'created_at'])
        .expression((eb) =>
          eb
            .selectFrom('debits')
            .select([
              sql.val(input.id).as('id'),
              'merchant_id',
              'business_date',
              eb
                .selectFrom('settlements')
                .select(sql<number>`coalesce(max(sequence), 0) + 1`.as('next'))
                .where('merchant_id', '=', input.merchantId)
                .where('business_date', '=', input.businessDate)
                .as('sequence'),
              sql.val(input.settlesOn).as('settles_on'),
              sql.lit('settled').as('status'),
              sql<number>`count(*)`.as('count'),
              sql<number>`sum(amount - merchant_fee - refunded_from_pending)`.as('amount'),
              sql<string | null>`case when sum(amount - merchant_fee - refunded_from_pending) = 0 then null else ${input.ledgerTransactionId} end`.as('ledger_transaction_id'),
              sql.val(input.at).as('created_at'),
            ])
            .where('settlement_id', '=', input.id)
            .groupBy(['merchant_id', 'business_date']),
        )
        .onConflict((oc) => oc.columns(['merchant_id', 'business_date', 'sequence']).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) {
        invariant(BigInt(row.count) === taken.numUpdatedRows, `settlement ${input.id} took ${taken.numUpdatedRows} debits but counts ${row.count}`);
        return { ...row, sequence: Number(row.sequence), count: Number(row.count), amount: Number(row.amount) };
      }
      invariant(tries < SEQUENCE_TRIES_MAX, `the next settlement of ${input.merchantId} on ${input.businessDate} was taken ${tries} times in a row`);
    }
  }

  async listSettlements(filter: SettlementFilter): Promise<Page<SettlementRow>> {
    let query = this.db.selectFrom('settlements').selectAll();
    if (filter.merchantId) query = query.where('merchant_id', '=', filter.merchantId);
    if (filter.businessDate) query = query.where('business_date', '=', filter.businessDate);
    if (filter.settlesOnFrom) query = query.where('settles_on', '>=', filter.settlesOnFrom);
    if (filter.settlesOnTo) query = query.where('settles_on', '<=', filter.settlesOnTo);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
    return page(rows.map((row) => ({ ...row, sequence: Number(row.sequence), count: Number(row.count), amount: Number(row.amount) })), filter.limit);
  }
}
