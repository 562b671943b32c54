import type { EventFilter, EventRow, Page } from '../../app/ports.js';
import { EVENTS_TABLE } from '../tables.js';
import { insertMany, page, selectIn, type Executor, type StoreContext } from './shared.js';

/** Public events (SPEC §16, migration 019). */
export class Events {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  /**
   * Writes events. One whose merchant has no live webhook endpoint (enabled, not deleted) at this
   * moment, or that has no merchant (the operator's), is written fanned out already, at its
   * creation: the dispatcher would claim it, find no endpoint and stamp it, a read and a write
   * per event for nothing. The dispatcher is woken only when an event is left for it. An endpoint
   * created while the event's transaction runs may miss it (on PostgreSQL, whose transactions do
   * not see each other's uncommitted rows): as with any endpoint, it gets the events of changes
   * made after it exists.
   */
  async insertEvents(rows: readonly EventRow[]): Promise<void> {
    if (rows.length === 0) return;
    const listening = await this.#merchantsListening(rows);
    let awaitingFanOut = false;
    const written = rows.map((row) => {
      if (row.fanned_out_at !== null) return row;
      if (row.merchant_id !== null && listening.has(row.merchant_id)) {
        awaitingFanOut = true;
        return row;
      }
      return { ...row, fanned_out_at: row.created_at };
    });
    await insertMany(this.context, EVENTS_TABLE, written);
    if (awaitingFanOut) this.context.eventsWritten?.();
  }

  /** The merchants of `rows` with a live webhook endpoint. */
  async #merchantsListening(rows: readonly EventRow[]): Promise<Set<string>> {
    const merchantIds = [...new Set(rows.flatMap((row) => (row.merchant_id === null ? [] : [row.merchant_id])))];
    if (merchantIds.length === 0) return new Set();
    // One statement text whatever the count: prepared once on SQLite, where the query builder compiled one per group.
    const found = await selectIn<{ merchant_id: string }>(this.context, 'select distinct merchant_id from webhook_endpoints where enabled = 1 and deleted_at is null and merchant_id', [], merchantIds);
    return new Set(found.map((row) => row.merchant_id));
  }

  async getEvent(id: string): Promise<EventRow | null> {
    return (await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async listEvents(filter: EventFilter): Promise<Page<EventRow>> {
    let query = this.db.selectFrom('events').selectAll();
    if (filter.merchantId !== undefined) query = query.where('merchant_id', '=', filter.merchantId);
    if (filter.types !== undefined && filter.types.length > 0) query = query.where('type', 'in', filter.types);
    if (filter.objectId !== undefined) query = query.where('object_id', '=', filter.objectId);
    if (filter.createdGte !== undefined) query = query.where('created_at', '>=', filter.createdGte);
    if (filter.createdLt !== undefined) query = query.where('created_at', '<', filter.createdLt);
    if (filter.endingBefore !== undefined) {
      // The `limit` events just above the cursor, so read upwards, then shown newest first like every page.
      const above = page(await query.where('id', '>', filter.endingBefore).orderBy('id', 'asc').limit(filter.limit + 1).execute(), filter.limit);
      return { data: above.data.reverse(), hasMore: above.hasMore };
    }
    if (filter.startingAfter !== undefined) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async deleteEventsBefore(before: string, limit: number): Promise<number> {
    // Ids are time-ordered: the oldest events come first along the primary key.
    const ids = (
      await this.db
        .selectFrom('events as e')
        .select('e.id')
        .where('e.created_at', '<', before)
        .where('e.fanned_out_at', 'is not', null)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'e.id').where('d.status', '=', 'pending'))))
        .orderBy('e.id')
        .limit(limit)
        .execute()
    ).map((row) => row.id);
    if (ids.length === 0) return 0;
    await this.db
      .deleteFrom('webhook_delivery_attempts')
      .where('delivery_id', 'in', (eb) => eb.selectFrom('webhook_deliveries').select('id').where('event_id', 'in', ids))
      .execute();
    await this.db.deleteFrom('webhook_deliveries').where('event_id', 'in', ids).execute();
    const deleted = await this.db.deleteFrom('events').where('id', 'in', ids).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }
}
