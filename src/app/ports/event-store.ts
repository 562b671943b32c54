import type { EventRecord } from '../../core/index.js';
import type { Page, PageRequest } from './page.js';

export type EventRow = EventRecord;

export interface EventFilter extends PageRequest {
  /** Only this merchant's; every event (the operator's view) when undefined. */
  merchantId?: string | undefined;
  /** Only these types; any when undefined. */
  types?: readonly string[] | undefined;
  objectId?: string | undefined;
  /** `created_at` ≥ this instant (stored UTC text). */
  createdGte?: string | undefined;
  /** `created_at` < this instant. */
  createdLt?: string | undefined;
  /**
   * Only events newer than this id: the page just above it, read oldest first and returned newest
   * first (Stripe's `ending_before`), so that a poller walks forward without missing one.
   * `hasMore` then says whether still newer events exist. Not with `startingAfter`.
   */
  endingBefore?: string | undefined;
}

/** Public events (SPEC §16): written with the change they describe, read newest first. */
export interface EventStore {
  insertEvents(rows: readonly EventRow[]): Promise<void>;
  getEvent(id: string): Promise<EventRow | null>;
  listEvents(filter: EventFilter): Promise<Page<EventRow>>;
  /**
   * Deletes at most `limit` events created before `before`, oldest first, with their webhook
   * deliveries and those deliveries' attempts; an event not yet fanned out, or with a delivery
   * still pending, is kept. The number of events deleted.
   */
  deleteEventsBefore(before: string, limit: number): Promise<number>;
}
