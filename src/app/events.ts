import { formatInstant } from '../core/index.js';
import type { EventRow } from './ports.js';

/*
 * Public events (SPEC §16): one row per change a merchant cares about, written in the change's
 * transaction (the outbox). `GET /v1/events` and every webhook delivery show an event the same
 * way, through `publicEvent`, so that a receiver and a poller read the same JSON.
 */

/** The shape of the objects that events carry; a new shape gets a new version. */
export const EVENTS_API_VERSION = '2026-12-01';

/** An event as the API and webhook deliveries show it. */
export interface PublicEvent {
  id: string;
  object: 'event';
  type: string;
  api_version: string;
  created_at: string;
  data: { object: unknown };
}

export function publicEvent(row: EventRow): PublicEvent {
  const data = JSON.parse(row.data) as { object: unknown };
  return { id: row.id, object: 'event', type: row.type, api_version: row.api_version, created_at: formatInstant(new Date(row.created_at)), data: { object: data.object } };
}
