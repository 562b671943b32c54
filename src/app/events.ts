import { formatInstant, invariant, isPublicEventType, PUBLIC_EVENT_TYPES, type PublicEventType } from '../core/index.js';
import { notFound, validationFailed } from './errors.js';
import type { DebitEventRow, DebitRow, DebitStore, EventFilter, EventRow, EventStore, ObjectPresenters, Page, PayoutEventRow, PayoutRow, PayoutStore, PresentedObject } from './ports.js';

/*
 * Public events (SPEC §16): one row per change a merchant cares about, written in the change's
 * transaction (the outbox). `GET /v1/events` and every webhook delivery show an event the same
 * way, through `publicEvent`, so that a receiver and a poller read the same JSON.
 */

/** The shape of the objects that events carry; a new shape gets a new version. */
export const EVENTS_API_VERSION = '2026-12-01';
/**
 * How long events are kept (docs/events.md, Retention): the maintenance worker deletes older ones,
 * with their webhook deliveries and attempts, in bounded chunks. Longer than the 3-day retry window.
 */
export const EVENTS_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

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

/** The event row of `object` as it is now; `merchantId` null: only the operator sees it. */
export function eventRow(id: string, type: PublicEventType, merchantId: string | null, object: PresentedObject, at: string): EventRow {
  return { id, type, merchant_id: merchantId, object_type: object.object, object_id: object.id, created_at: at, api_version: EVENTS_API_VERSION, data: JSON.stringify({ object }), fanned_out_at: null };
}

/** The mandate id a rejected debit was given but that named no mandate of its merchant. */
export function givenMandateId(event: DebitEventRow): string | null {
  if (event.type !== 'debit.rejected' || event.data === null) return null;
  const given = (JSON.parse(event.data) as { mandate_id?: unknown }).mandate_id;
  return typeof given === 'string' ? given : null;
}

/**
 * Writes a debit's internal events (its history, `GET /v1/debits/{id}`) and, for those that are
 * public (`rerouted` and `not_received` are not), the public event with the same id, carrying the
 * debit as it is now in the transaction. `known`: debits the caller holds as written; the others
 * are read in one query.
 */
export async function writeDebitEvents(
  presenters: ObjectPresenters,
  tx: Pick<DebitStore, 'insertDebitEvents' | 'getDebits'> & Pick<EventStore, 'insertEvents'>,
  events: readonly DebitEventRow[],
  known: readonly DebitRow[] = [],
): Promise<void> {
  if (events.length === 0) return;
  await tx.insertDebitEvents(events);
  const published = events.filter((event) => isPublicEventType(event.type));
  if (published.length === 0) return;
  const debits = new Map(known.map((debit) => [debit.id, debit]));
  const missing = [...new Set(published.map((event) => event.debit_id).filter((id) => !debits.has(id)))];
  if (missing.length > 0) for (const debit of await tx.getDebits(missing)) debits.set(debit.id, debit);
  await tx.insertEvents(
    published.map((event) => {
      const debit = debits.get(event.debit_id);
      invariant(debit !== undefined, `event ${event.id} names debit ${event.debit_id}, which does not exist`);
      return debitEventRow(presenters, event, debit);
    }),
  );
}

/**
 * The public event of a debit's change, carrying the debit as it is: eventRow's row, its data
 * written without parsing the debit's routing. That is JSON text already (written when the debit
 * was decided), and the view shows it as it is; parsing it to write it again cost more than the
 * rest of the event (a batch writes one per row). So the debit is presented without it, and the
 * text put back in place of the view's `"routing":null` — the last one in the text: every member
 * after it is the hub's (dates, ids, numbers), and in a string or a key a quote would be escaped.
 */
export function debitEventRow(presenters: ObjectPresenters, event: DebitEventRow, debit: DebitRow): EventRow {
  const object = presenters.debit(debit.routing === null ? debit : { ...debit, routing: null }, givenMandateId(event));
  const row = eventRow(event.id, event.type as PublicEventType, debit.merchant_id, object, event.at);
  if (debit.routing === null) return row;
  const at = row.data.lastIndexOf(ROUTING_NULL);
  invariant(at >= 0, `the presented debit ${debit.id} has no routing member`);
  return { ...row, data: `${row.data.slice(0, at)}"routing":${debit.routing}${row.data.slice(at + ROUTING_NULL.length)}` };
}

const ROUTING_NULL = '"routing":null';

/**
 * Writes payout events as writeDebitEvents does debit events; a refund's are `refund.*` already
 * (the caller names them), its payload the payout of kind `refund`.
 */
export async function writePayoutEvents(
  presenters: ObjectPresenters,
  tx: Pick<PayoutStore, 'insertPayoutEvents' | 'getPayouts'> & Pick<EventStore, 'insertEvents'>,
  events: readonly PayoutEventRow[],
  known: readonly PayoutRow[] = [],
): Promise<void> {
  if (events.length === 0) return;
  await tx.insertPayoutEvents(events);
  const published = events.filter((event) => isPublicEventType(event.type));
  if (published.length === 0) return;
  const payouts = new Map(known.map((payout) => [payout.id, payout]));
  const missing = [...new Set(published.map((event) => event.payout_id).filter((id) => !payouts.has(id)))];
  if (missing.length > 0) for (const payout of await tx.getPayouts(missing)) payouts.set(payout.id, payout);
  await tx.insertEvents(
    published.map((event) => {
      const payout = payouts.get(event.payout_id);
      invariant(payout !== undefined, `event ${event.id} names payout ${event.payout_id}, which does not exist`);
      return eventRow(event.id, event.type as PublicEventType, payout.merchant_id, presenters.payout(payout), event.at);
    }),
  );
}

/**
 * `GET /v1/events`: a merchant's own (`filter.merchantId`), or every event for the operator.
 * `types` is the query's comma-separated list; an unknown type is refused rather than matching
 * nothing, so that a typo does not look like silence.
 */
export async function listEvents(ctx: { store: EventStore }, filter: Omit<EventFilter, 'types'>, types: string | undefined): Promise<Page<EventRow>> {
  if (filter.startingAfter !== undefined && filter.endingBefore !== undefined) {
    throw validationFailed([{ pointer: '/query/ending_before', code: 'not_allowed', detail: 'Give starting_after or ending_before, not both.' }]);
  }
  let wanted: string[] | undefined;
  if (types !== undefined) {
    wanted = types.split(',').map((type) => type.trim());
    const unknown = wanted.filter((type) => !isPublicEventType(type));
    if (unknown.length > 0) {
      // Only the first few, each cut short: the text is the client's and may be anything.
      const named = unknown.slice(0, 3).map((type) => JSON.stringify(type.slice(0, 40))).join(', ');
      throw validationFailed([{ pointer: '/query/type', code: 'invalid_value', detail: `Unknown event type ${named}; the types are ${PUBLIC_EVENT_TYPES.join(', ')}.` }]);
    }
  }
  return ctx.store.listEvents({ ...filter, types: wanted });
}

/** `GET /v1/events/{id}`: another merchant's event is as absent as one that does not exist. */
export async function getEvent(ctx: { store: EventStore }, merchantId: string | null, id: string): Promise<EventRow> {
  const event = await ctx.store.getEvent(id);
  if (event === null || (merchantId !== null && event.merchant_id !== merchantId)) throw notFound('event', id);
  return event;
}
