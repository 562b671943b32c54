import { sql } from 'kysely';
import { invariant, OPEN_ATTEMPT_STATES, type AttemptChange, type InstructionChange } from '../../core/index.js';
import type { AttemptPatch, Page, PayoutAttemptRow, PayoutEventRow, PayoutFilter, PayoutPatch, PayoutRow } from '../../app/ports.js';
import { PAYOUT_ATTEMPTS_TABLE, PAYOUT_EVENTS_TABLE, PAYOUTS_TABLE } from '../tables.js';
import { assertIssued, insertMany, inserted, page, selectIn, updateMany, type Executor, type StoreContext } from './shared.js';

/** Payouts, their events and attempts (migration 013): the debits' and attempts' statements, on the payout tables. */
export class Payouts {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertPayout(row: PayoutRow): Promise<'inserted' | 'reference_taken'> {
    const result = await this.db
      .insertInto('payouts')
      .values(row)
      .onConflict((oc) => oc.columns(['merchant_id', 'reference']).where('status', '<>', sql.lit('rejected')).doNothing())
      .executeTakeFirst();
    return inserted(result) ? 'inserted' : 'reference_taken';
  }

  async insertPayouts(rows: readonly PayoutRow[]): Promise<void> {
    await insertMany(this.context, PAYOUTS_TABLE, rows);
  }

  async findLivePayoutReferences(merchantId: string, references: readonly string[]): Promise<Set<string>> {
    const rows = await selectIn<{ reference: string }>(this.context, `select reference from payouts where merchant_id = $1 and status <> 'rejected' and reference`, [merchantId], references);
    return new Set(rows.map((row) => row.reference));
  }

  async insertPayoutEvents(rows: readonly PayoutEventRow[]): Promise<void> {
    await insertMany(this.context, PAYOUT_EVENTS_TABLE, rows);
  }

  async findLivePayoutByReference(merchantId: string, reference: string): Promise<PayoutRow | null> {
    const row = await this.db.selectFrom('payouts').selectAll().where('merchant_id', '=', merchantId).where('reference', '=', reference).where('status', '<>', sql.lit('rejected')).executeTakeFirst();
    return row ?? null;
  }

  async getPayout(id: string): Promise<PayoutRow | null> {
    return (await this.db.selectFrom('payouts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async getPayouts(ids: readonly string[]): Promise<PayoutRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('payouts').selectAll().where('id', 'in', ids).execute();
  }

  async listPayouts(filter: PayoutFilter): Promise<Page<PayoutRow>> {
    let query = this.db.selectFrom('payouts').selectAll();
    if (filter.merchantId) query = query.where('merchant_id', '=', filter.merchantId);
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.reference) query = query.where('reference', '=', filter.reference);
    if (filter.channelId) query = query.where('channel_id', '=', filter.channelId);
    if (filter.createdFrom) query = query.where('created_at', '>=', filter.createdFrom);
    if (filter.createdTo) query = query.where('created_at', '<', filter.createdTo);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async listPayoutEvents(payoutId: string): Promise<PayoutEventRow[]> {
    return this.db.selectFrom('payout_events').selectAll().where('payout_id', '=', payoutId).orderBy('id').execute();
  }

  async listPayoutAttempts(payoutIds: readonly string[]): Promise<PayoutAttemptRow[]> {
    if (payoutIds.length === 0) return [];
    return this.db.selectFrom('payout_attempts').selectAll().where('payout_id', 'in', payoutIds).orderBy('payout_id').orderBy('attempt_number').execute();
  }

  async claimPendingPayouts(claim: InstructionChange, now: string, limit: number): Promise<PayoutRow[]> {
    assertIssued(claim);
    const [from] = claim.from;
    invariant(claim.kind === 'payout' && claim.from.length === 1 && from !== undefined && claim.to !== null, 'a claim moves payouts out of one status into another');
    return this.db
      .with(
        (cte) => cte('due').materialized(),
        (db) => this.context.dialect.skipLocked(db.selectFrom('payouts').select('id').where('status', '=', sql.lit(from)).where('next_action_at', '<=', now).orderBy('next_action_at').limit(limit)),
      )
      .updateTable('payouts')
      .set({ status: claim.to, attempt_count: (eb) => eb('attempt_count', '+', 1), next_action_at: null, updated_at: now })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', from)
      .returningAll()
      .execute();
  }

  async updatePayouts(updates: readonly { id: string; patch: PayoutPatch }[], change: InstructionChange, at: string): Promise<PayoutRow[]> {
    assertIssued(change);
    invariant(change.kind === 'payout', `a ${change.kind} change on payouts`);
    const to = change.to;
    const rows = to === null ? updates : updates.map(({ id, patch }) => ({ id, patch: { ...patch, status: to } }));
    return updateMany(this.context, PAYOUTS_TABLE, rows, at, this.context.dialect.oneOf('status', change.from));
  }

  async insertPayoutAttempts(rows: readonly PayoutAttemptRow[]): Promise<void> {
    await insertMany(this.context, PAYOUT_ATTEMPTS_TABLE, rows);
  }

  async claimOpenPayoutAttempts(now: string, limit: number, owner: string, leaseUntil: string): Promise<PayoutAttemptRow[]> {
    return this.db
      .with(
        (cte) => cte('due').materialized(),
        (db) =>
          this.context.dialect.skipLocked(
            db
              .selectFrom('payout_attempts')
              .select('id')
              .where('state', 'in', OPEN_ATTEMPT_STATES.map((state) => sql.lit(state)))
              .where('next_query_at', '<=', now)
              .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
              .orderBy('next_query_at')
              .limit(limit),
          ),
      )
      .updateTable('payout_attempts')
      .set({ lease_owner: owner, lease_until: leaseUntil, next_query_at: leaseUntil, updated_at: now })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
      .returningAll()
      .execute();
  }

  async updatePayoutAttempts(updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string, at: string): Promise<PayoutAttemptRow[]> {
    assertIssued(change);
    const states = change.from.map((state) => `'${state}'`).join(', ');
    const to = change.to;
    const rows = to === null ? updates : updates.map(({ id, patch }) => ({ id, patch: { ...patch, state: to } }));
    return updateMany(this.context, PAYOUT_ATTEMPTS_TABLE, rows, at, { text: (param, t) => `${t}state in (${states}) and ${t}lease_owner = ${param(0)}`, parameters: [owner] });
  }
}
