import { sql } from 'kysely';
import type { BatchKind, BatchStatus } from '../../core/index.js';
import type { BatchLease, BatchReportLine, BatchRow, BatchRowResult, NewBatchRow, Page, PageRequest } from '../../app/ports.js';
import { BATCH_ROWS_TABLE } from '../tables.js';
import { page, insertMany, inserted, type Executor, type StoreContext } from './shared.js';

/** Batches (uploaded files), their rows and their reports. */
export class Batches {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertBatch(row: NewBatchRow): Promise<'inserted' | 'file_taken'> {
    const result = await this.db
      .insertInto('batches')
      .values(row)
      .onConflict((oc) => oc.columns(['merchant_id', 'file_sha256']).doNothing())
      .executeTakeFirst();
    return inserted(result) ? 'inserted' : 'file_taken';
  }

  async getBatch(id: string): Promise<BatchRow | null> {
    return (await this.db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async findBatchByFile(merchantId: string, sha256: string): Promise<BatchRow | null> {
    const row = await this.db.selectFrom('batches').selectAll().where('merchant_id', '=', merchantId).where('file_sha256', '=', sha256).executeTakeFirst();
    return row ?? null;
  }

  async listBatches(filter: PageRequest & { merchantId?: string | undefined; status?: BatchStatus | undefined }): Promise<Page<BatchRow>> {
    let query = this.db.selectFrom('batches').selectAll();
    if (filter.merchantId) query = query.where('merchant_id', '=', filter.merchantId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async advanceBatch(id: string, lease: BatchLease, fromCursor: number, patch: Pick<BatchRow, 'cursor' | 'rows' | 'accepted' | 'rejected'>): Promise<boolean> {
    const result = await this.db
      .updateTable('batches')
      .set({ ...patch, lease_until: lease.until })
      .where('id', '=', id)
      .where('cursor', '=', fromCursor)
      .where('status', '=', 'processing')
      .where('lease_owner', '=', lease.owner)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async claimDueBatch(now: string, owner: string, leaseUntil: string): Promise<BatchRow | null> {
    // The candidate is chosen in a materialized CTE, skipping rows another claim has locked, and
    // the update checks the lease again: of two workers, one takes the batch, the other none.
    const claimed = await this.db
      .with(
        (cte) => cte('due').materialized(),
        (db) => {
          const due = db
            .selectFrom('batches')
            .select('id')
            .where('status', '=', sql.lit('processing'))
            .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
            .orderBy('created_at')
            .orderBy('id')
            .limit(1);
          return this.context.dialect.skipLocked(due);
        },
      )
      .updateTable('batches')
      .set({ lease_owner: owner, lease_until: leaseUntil })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', sql.lit('processing'))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
    return claimed ?? null;
  }

  async listDueBatches(now: string, limit: number): Promise<BatchRow[]> {
    return this.db
      .selectFrom('batches')
      .selectAll()
      .where('status', '=', sql.lit('processing'))
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async scheduleBatchRetry(id: string, owner: string, attempts: number, nextAttemptAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('batches')
      .set({ attempts, next_attempt_at: nextAttemptAt, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('status', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async sumBatchBytesHeld(merchantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('batches')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('file_bytes'), sql<number>`0`).as('bytes'))
      .where('merchant_id', '=', merchantId)
      .where('status', '=', sql.lit('processing'))
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  }

  async finishBatch(id: string, owner: string, status: 'completed' | 'failed', at: string, error: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('batches')
      .set({ status, completed_at: at, error, lease_owner: null, lease_until: null })
      .where('id', '=', id)
      .where('status', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async insertBatchRows(rows: BatchRowResult[]): Promise<void> {
    await insertMany(this.context, BATCH_ROWS_TABLE, rows);
  }

  async listBatchReport(batchId: string, afterRow: number, limit: number, kind: BatchKind = 'debit'): Promise<BatchReportLine[]> {
    if (kind === 'payout') {
      return this.db
        .selectFrom('batch_rows as r')
        .leftJoin('payouts as p', (join) => join.onRef('p.batch_id', '=', 'r.batch_id').onRef('p.batch_row', '=', 'r.row'))
        .selectAll('r')
        .select(['p.id as payout_id', 'p.status as debit_status', 'p.failure_code', 'p.failure_message'])
        .where('r.batch_id', '=', batchId)
        .where('r.row', '>', afterRow)
        .orderBy('r.row')
        .limit(limit)
        .execute();
    }
    return this.db
      .selectFrom('batch_rows as r')
      .leftJoin('debits as d', 'd.id', 'r.debit_id')
      .selectAll('r')
      .select([sql<null>`null`.as('payout_id'), 'd.status as debit_status', 'd.failure_code', 'd.failure_message'])
      .where('r.batch_id', '=', batchId)
      .where('r.row', '>', afterRow)
      .orderBy('r.row')
      .limit(limit)
      .execute();
  }

  async countBatchPayouts(batchId: string): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('payouts')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('batch_id', '=', batchId)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async countBatchDebits(batchId: string): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('debits')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('batch_id', '=', batchId)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }
}
