import type { EventFilter, EventRow, Page } from '../../app/ports.js';
import { EVENTS_TABLE } from '../tables.js';
import { insertMany, page, type Executor, type StoreContext } from './shared.js';

/** Public events (SPEC §16, migration 019). */
export class Events {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertEvents(rows: readonly EventRow[]): Promise<void> {
    await insertMany(this.context, EVENTS_TABLE, rows);
    if (rows.length > 0) this.context.eventsWritten?.();
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
