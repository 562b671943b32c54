import { sql } from 'kysely';
import { invariant, type InstructionChange } from '../../core/index.js';
import type { ClaimedDebit, DebitEventRow, DebitFilter, DebitPatch, DebitRow, MandateRow, Page } from '../../app/ports.js';
import { DEBIT_EVENTS_TABLE, DEBITS_TABLE } from '../tables.js';
import { page, selectIn, updateMany, updateManyIds, insertMany, inserted, assertIssued, type Executor, type StoreContext } from './shared.js';

/** Debits, their events, and the claim of pending debits. */
export class Debits {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertDebit(row: DebitRow): Promise<'inserted' | 'reference_taken'> {
    // The conflict target is the partial index debits_reference_unique, named by its columns and
    // predicate; the predicate is a literal, as in the index, or SQLite would not match the two.
    // A reference is unique per presentment number (migration 014): a re-presentment shares it.
    const result = await this.db
      .insertInto('debits')
      .values(row)
      .onConflict((oc) => oc.columns(['merchant_id', 'reference', 'presentment']).where('status', '<>', sql.lit('rejected')).doNothing())
      .executeTakeFirst();
    return inserted(result) ? 'inserted' : 'reference_taken';
  }

  async insertDebits(rows: readonly DebitRow[]): Promise<void> {
    await insertMany(this.context, DEBITS_TABLE, rows);
  }

  async insertDebitEvents(rows: readonly DebitEventRow[]): Promise<void> {
    await insertMany(this.context, DEBIT_EVENTS_TABLE, rows);
  }

  async findLiveReferences(merchantId: string, references: readonly string[]): Promise<Set<string>> {
    const rows = await selectIn<{ reference: string }>(this.context, `select reference from debits where merchant_id = $1 and status <> 'rejected' and reference`, [merchantId], references);
    return new Set(rows.map((row) => row.reference));
  }

  async getDebit(id: string): Promise<DebitRow | null> {
    return (await this.db.selectFrom('debits').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async getDebits(ids: readonly string[]): Promise<DebitRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('debits').selectAll().where('id', 'in', ids).execute();
  }

  async listDebits(filter: DebitFilter): Promise<Page<DebitRow>> {
    let query = this.db.selectFrom('debits').selectAll();
    if (filter.merchantId) query = query.where('merchant_id', '=', filter.merchantId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.reference) query = query.where('reference', '=', filter.reference);
    if (filter.mandateId) query = query.where('mandate_id', '=', filter.mandateId);
    if (filter.channelId) query = query.where('channel_id', '=', filter.channelId);
    if (filter.batchId) query = query.where('batch_id', '=', filter.batchId);
    if (filter.createdFrom) query = query.where('created_at', '>=', filter.createdFrom);
    if (filter.createdTo) query = query.where('created_at', '<', filter.createdTo);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async findLiveDebitByReference(merchantId: string, reference: string): Promise<DebitRow | null> {
    const row = await this.db
      .selectFrom('debits')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('reference', '=', reference)
      .where('status', '<>', sql.lit('rejected'))
      .executeTakeFirst();
    return row ?? null;
  }

  async updateDebit(id: string, change: InstructionChange, patch: DebitPatch, at: string): Promise<boolean> {
    assertIssued(change);
    const result = await this.db
      .updateTable('debits')
      .set({ ...patch, ...(change.to === null ? {} : { status: change.to }), updated_at: at })
      .where('id', '=', id)
      .where('status', 'in', change.from)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async updateDebits(updates: readonly { id: string; patch: DebitPatch }[], change: InstructionChange, at: string): Promise<DebitRow[]> {
    return updateMany(this.context, DEBITS_TABLE, withStatus(updates, change), at, this.context.dialect.oneOf('status', change.from));
  }

  async moveDebits(updates: readonly { id: string; patch: DebitPatch }[], change: InstructionChange, at: string): Promise<Set<string>> {
    return updateManyIds(this.context, DEBITS_TABLE, withStatus(updates, change), at, this.context.dialect.oneOf('status', change.from));
  }

  async claimPendingDebits(claim: InstructionChange, now: string, limit: number): Promise<ClaimedDebit[]> {
    assertIssued(claim);
    const [from] = claim.from;
    invariant(claim.from.length === 1 && from !== undefined && claim.to !== null, 'a claim moves debits out of one status into another');
    // The candidates are chosen once, in a materialized CTE: PostgreSQL may re-run a LIMIT … SKIP
    // LOCKED subquery inside IN (…) and so claim more rows than asked.
    const claimed = await this.db
      .with(
        (cte) => cte('due').materialized(),
        (db) => {
          const due = db
            .selectFrom('debits')
            .select('id')
            .where('status', '=', sql.lit(from))
            .where('next_action_at', '<=', now)
            .orderBy('next_action_at')
            .limit(limit);
          return this.context.dialect.skipLocked(due);
        },
      )
      .updateTable('debits')
      .set({
        status: claim.to,
        attempt_count: (eb) => eb('attempt_count', '+', 1),
        next_action_at: null,
        updated_at: now,
      })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', from)
      .returningAll()
      .execute();
    if (claimed.length === 0) return [];
    const mandateIds = [...new Set(claimed.map((debit) => debit.mandate_id).filter((id): id is string => id !== null))];
    // One statement text whatever the count (prepared once), where `in (…)` of a thousand ids was a new one each round.
    const mandates = await selectIn<MandateRow>(this.context, 'select * from mandates where id', [], mandateIds);
    const byId = new Map(mandates.map((mandate) => [mandate.id, mandate]));
    return claimed.map((debit) => {
      const mandate = debit.mandate_id === null ? undefined : byId.get(debit.mandate_id);
      invariant(mandate !== undefined, `pending debit ${debit.id} has no mandate`);
      return { debit, mandate };
    });
  }

  async insertDebitEvent(row: DebitEventRow): Promise<void> {
    await this.db.insertInto('debit_events').values(row).execute();
  }

  async listDebitEvents(debitId: string): Promise<DebitEventRow[]> {
    return this.db.selectFrom('debit_events').selectAll().where('debit_id', '=', debitId).orderBy('id').execute();
  }

  async countDebitsByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('debits')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }
}

/** The debits' patches with the change's status (none when it keeps the status); the change must be one the table issues. */
function withStatus(updates: readonly { id: string; patch: DebitPatch }[], change: InstructionChange): readonly { id: string; patch: DebitPatch }[] {
  assertIssued(change);
  const to = change.to;
  return to === null ? updates : updates.map(({ id, patch }) => ({ id, patch: { ...patch, status: to } }));
}
