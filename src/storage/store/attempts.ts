import { sql } from 'kysely';
import { OPEN_ATTEMPT_STATES, type AttemptChange } from '../../core/index.js';
import type { AttemptPatch, AttemptRow } from '../../app/ports.js';
import { ATTEMPTS_TABLE } from '../tables.js';
import type { Fence } from '../dialects/dialect.js';
import { updateMany, updateManyIds, insertMany, assertIssued, type Executor, type StoreContext } from './shared.js';

/** Attempts: their inserts, leases and fenced updates. */
export class Attempts {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertAttempts(rows: readonly AttemptRow[]): Promise<void> {
    await insertMany(this.context, ATTEMPTS_TABLE, rows);
  }

  async listAttempts(debitId: string): Promise<AttemptRow[]> {
    return this.db.selectFrom('attempts').selectAll().where('debit_id', '=', debitId).orderBy('attempt_number').execute();
  }

  async listAttemptsForDebits(debitIds: readonly string[]): Promise<AttemptRow[]> {
    if (debitIds.length === 0) return [];
    return this.db.selectFrom('attempts').selectAll().where('debit_id', 'in', debitIds).orderBy('debit_id').orderBy('attempt_number').execute();
  }

  async claimOpenAttempts(now: string, limit: number, owner: string, leaseUntil: string): Promise<AttemptRow[]> {
    return this.db
      .with(
        (cte) => cte('due').materialized(),
        (db) => {
          const due = db
            .selectFrom('attempts')
            .select('id')
            .where('state', 'in', OPEN_ATTEMPT_STATES.map((state) => sql.lit(state)))
            .where('next_query_at', '<=', now)
            .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
            .orderBy('next_query_at')
            .limit(limit);
          return this.context.dialect.skipLocked(due);
        },
      )
      .updateTable('attempts')
      .set({ lease_owner: owner, lease_until: leaseUntil, next_query_at: leaseUntil, updated_at: now })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
      .returningAll()
      .execute();
  }

  async updateAttempt(id: string, change: AttemptChange, owner: string, patch: AttemptPatch, at: string): Promise<boolean> {
    assertIssued(change);
    const result = await this.db
      .updateTable('attempts')
      .set({ ...patch, ...(change.to === null ? {} : { state: change.to }), updated_at: at })
      .where('id', '=', id)
      .where('state', 'in', change.from)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async updateAttempts(updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string, at: string): Promise<AttemptRow[]> {
    const { rows, fence } = fencedAttempts(updates, change, owner);
    return updateMany(this.context, ATTEMPTS_TABLE, rows, at, fence);
  }

  async moveAttempts(updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string, at: string): Promise<Set<string>> {
    const { rows, fence } = fencedAttempts(updates, change, owner);
    return updateManyIds(this.context, ATTEMPTS_TABLE, rows, at, fence);
  }
}

/** The attempts' patches with the change's state, and the fence: still in one of its states, and leased to `owner`. */
function fencedAttempts(updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string): { rows: { id: string; patch: AttemptPatch & { state?: AttemptRow['state'] } }[]; fence: Fence } {
  assertIssued(change);
  // The states come from the table's closed list, never from input.
  const states = change.from.map((state) => `'${state}'`).join(', ');
  const to = change.to;
  const rows = to === null ? [...updates] : updates.map(({ id, patch }) => ({ id, patch: { ...patch, state: to } }));
  return { rows, fence: { text: (param, t) => `${t}state in (${states}) and ${t}lease_owner = ${param(0)}`, parameters: [owner] } };
}
