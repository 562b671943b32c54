import { sql } from 'kysely';
import type { DebitRow, DueFailuresQuery } from '../../app/ports.js';
import type { Executor, StoreContext } from './shared.js';

/** Re-presentment: the presentments of a failure, and the failures due to be presented again. */
export class Representments {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async lockDebit(id: string): Promise<DebitRow | null> {
    return (await this.context.dialect.lockRows(this.db.selectFrom('debits').selectAll().where('id', '=', id)).executeTakeFirst()) ?? null;
  }

  async listPresentmentsOf(debitId: string): Promise<DebitRow[]> {
    return this.db.selectFrom('debits').selectAll().where('represents', '=', debitId).orderBy('id').execute();
  }

  async findDueFailures(query: DueFailuresQuery): Promise<DebitRow[]> {
    const latest = Object.values(query.failedBefore).reduce((a, b) => (a > b ? a : b));
    // The literals select the partial index debits_retryable_failures (see shared.ts).
    return this.db
      .selectFrom('debits as d')
      .innerJoin('merchants as m', 'm.id', 'd.merchant_id')
      .selectAll('d')
      .where('d.status', '=', sql.lit('failed'))
      .where('d.failure_retryable', '=', sql.lit(1))
      .where('d.updated_at', '>=', query.failedFrom)
      .where('d.updated_at', '<', latest)
      .whereRef('d.presentment', '<', 'm.auto_represent_max')
      .where((eb) =>
        eb.or(
          Object.entries(query.failedBefore).map(([days, before]) =>
            eb.and([eb('m.auto_represent_after_business_days', '=', Number(days)), eb('d.updated_at', '<', before)]),
          ),
        ),
      )
      .where((eb) => eb.not(eb.exists(eb.selectFrom('debits as r').select('r.id').whereRef('r.represents', '=', 'd.id'))))
      .orderBy('d.updated_at')
      .orderBy('d.id')
      .limit(query.limit)
      .execute();
  }

  async updateMerchantAutoRepresent(merchantId: string, max: number, afterBusinessDays: number): Promise<boolean> {
    const result = await this.db
      .updateTable('merchants')
      .set({ auto_represent_max: max, auto_represent_after_business_days: afterBusinessDays })
      .where('id', '=', merchantId)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}
