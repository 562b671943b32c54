import { sql } from 'kysely';
import type { MarginRow, SimulationCursor, SimulationRow } from '../../app/ports.js';
import { type Executor, type StoreContext } from './shared.js';

/** Read-only reports over several areas: the margin report and the routing simulation rows. */
export class Reports {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async marginReport(from: string, to: string, merchantId?: string): Promise<MarginRow[]> {
    const sumOf = (account: string) => sql<number>`cast(coalesce(sum(case when p.account_id = ${account} then -p.amount else 0 end), 0) as bigint)`;
    let query = this.db
      .selectFrom('ledger_transactions as t')
      .innerJoin('postings as p', 'p.transaction_id', 't.id')
      .innerJoin('debits as d', 'd.id', 't.ref_id')
      .select([
        'd.merchant_id',
        'd.channel_id',
        't.business_date',
        sql<number>`count(distinct t.id)`.as('debits'),
        sumOf('platform:fee_revenue').as('fee_revenue'),
        sumOf('platform:payer_fee_revenue').as('payer_fee_revenue'),
        sql<number>`cast(coalesce(sum(case when p.account_id = 'platform:channel_cost' then p.amount else 0 end), 0) as bigint)`.as('channel_cost'),
      ])
      .where('t.ref_type', '=', 'debit')
      .where('t.business_date', '>=', from)
      .where('t.business_date', '<=', to);
    if (merchantId !== undefined) query = query.where('d.merchant_id', '=', merchantId);
    const rows = await query.groupBy(['d.merchant_id', 'd.channel_id', 't.business_date']).orderBy('t.business_date').orderBy('d.merchant_id').orderBy('d.channel_id').execute();
    return rows.map((row) => ({
      merchant_id: row.merchant_id,
      channel_id: row.channel_id ?? 'none',
      business_date: row.business_date ?? '',
      debits: Number(row.debits),
      fee_revenue: Number(row.fee_revenue),
      payer_fee_revenue: Number(row.payer_fee_revenue),
      channel_cost: Number(row.channel_cost),
    }));
  }

  async listSimulationRows(from: string, to: string, after: SimulationCursor | null, limit: number): Promise<SimulationRow[]> {
    let query = this.db
      .selectFrom('debits as d')
      .innerJoin('merchants as m', 'm.id', 'd.merchant_id')
      .innerJoin('mandates as a', 'a.id', 'd.mandate_id')
      .select([
        'd.id',
        'd.merchant_id',
        'd.amount',
        'd.business_date',
        'd.channel_id',
        'd.channel_cost',
        'd.status',
        'd.failure_code',
        'm.category',
        'm.settlement_region_code',
        'a.account_kind',
        'a.medium',
        'a.bank_code',
        'a.region_code',
      ])
      .where('d.business_date', '<=', to);
    // Later pages seek on the page key alone: with the `>= from` bound too, SQLite would seek on it.
    query =
      after === null
        ? query.where('d.business_date', '>=', from)
        : query.where((eb) => eb(eb.refTuple('d.business_date', 'd.id'), '>', eb.tuple(after.business_date, after.id)));
    return query.orderBy('d.business_date').orderBy('d.id').limit(limit).execute();
  }
}
