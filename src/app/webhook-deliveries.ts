import type { WebhookDeliveryStatus } from '../core/index.js';
import type { AppContext } from './context.js';
import { notFound, validationFailed } from './errors.js';
import type { EventRow, Page, WebhookDeliveryAttemptRow, WebhookDeliveryRow } from './ports.js';
import { getWebhookEndpoint } from './webhook-endpoints.js';

/*
 * The delivery log and redelivery (SPEC §16): a merchant reads what was sent to each of its
 * endpoints, attempt by attempt, and asks for an event to be sent again. A redelivery reuses the
 * delivery — the same `webhook-id`, so a receiver that already has it can tell — and makes it due
 * now with a new 3-day retry window; the dispatcher sends it at its next round.
 */

/** A delivery with its attempts, oldest first. */
export interface WebhookDeliveryWithAttempts {
  delivery: WebhookDeliveryRow;
  attempts: WebhookDeliveryAttemptRow[];
}

export async function listWebhookDeliveries(
  ctx: Pick<AppContext, 'store'>,
  merchantId: string | null,
  endpointId: string,
  filter: { status?: WebhookDeliveryStatus | undefined; limit: number; startingAfter?: string | undefined },
): Promise<Page<WebhookDeliveryWithAttempts>> {
  await getWebhookEndpoint(ctx, merchantId, endpointId);
  const page = await ctx.store.listWebhookDeliveries({ endpointId, ...filter });
  return { data: await withAttempts(ctx, page.data), hasMore: page.hasMore };
}

/**
 * Sends an event again: to one endpoint of the event's merchant (a delivery is made if the event
 * had none there, e.g. the endpoint did not subscribe to its type then), or to every endpoint it was
 * delivered to. The deliveries as they are now, due at once.
 */
export async function redeliverEvent(ctx: Pick<AppContext, 'store' | 'clock' | 'ids'>, merchantId: string | null, eventId: string, endpointId: string | undefined): Promise<WebhookDeliveryWithAttempts[]> {
  const event = await ctx.store.getEvent(eventId);
  if (event === null || event.merchant_id === null || (merchantId !== null && event.merchant_id !== merchantId)) throw notFound('event', eventId);
  const at = ctx.clock.now().toISOString();
  const existing = await ctx.store.listWebhookDeliveriesOfEvent(eventId);
  if (endpointId === undefined) {
    const live = new Set((await ctx.store.listLiveWebhookEndpoints([event.merchant_id])).map((endpoint) => endpoint.id));
    const ids = existing.filter((delivery) => live.has(delivery.endpoint_id)).map((delivery) => delivery.id);
    return withAttempts(ctx, await ctx.store.redeliverWebhookDeliveries(ids, at));
  }
  const endpoint = await getWebhookEndpoint(ctx, event.merchant_id, endpointId).catch(() => null);
  if (endpoint === null) throw validationFailed([{ pointer: '/endpoint_id', code: 'unknown_endpoint', detail: "No webhook endpoint of the event's merchant has this id." }]);
  if (endpoint.enabled === 0) throw validationFailed([{ pointer: '/endpoint_id', code: 'endpoint_disabled', detail: 'The endpoint is disabled; enable it first (PATCH enabled: true).' }]);
  const delivery = existing.find((row) => row.endpoint_id === endpointId);
  if (delivery !== undefined) return withAttempts(ctx, await ctx.store.redeliverWebhookDeliveries([delivery.id], at));
  const made = newDelivery(ctx, event, endpoint.merchant_id, endpoint.id, at);
  await ctx.store.insertWebhookDeliveries([made]);
  // A concurrent fan-out may have made it first: read back the one that exists.
  const now = (await ctx.store.listWebhookDeliveriesOfEvent(eventId)).filter((row) => row.endpoint_id === endpointId);
  return withAttempts(ctx, now);
}

async function withAttempts(ctx: Pick<AppContext, 'store'>, deliveries: WebhookDeliveryRow[]): Promise<WebhookDeliveryWithAttempts[]> {
  const attempts = await ctx.store.listWebhookDeliveryAttempts(deliveries.map((delivery) => delivery.id));
  const byDelivery = new Map<string, WebhookDeliveryAttemptRow[]>();
  for (const attempt of attempts) byDelivery.set(attempt.delivery_id, [...(byDelivery.get(attempt.delivery_id) ?? []), attempt]);
  return deliveries.map((delivery) => ({ delivery, attempts: byDelivery.get(delivery.id) ?? [] }));
}

/** A delivery of an event to an endpoint, due at once: its id is the `webhook-id` of every attempt. */
export function newDelivery(ctx: Pick<AppContext, 'ids'>, event: Pick<EventRow, 'id' | 'object_id'>, merchantId: string, endpointId: string, at: string): WebhookDeliveryRow {
  return {
    id: ctx.ids.next('webhookDelivery'),
    event_id: event.id,
    endpoint_id: endpointId,
    merchant_id: merchantId,
    object_id: event.object_id,
    status: 'pending',
    attempt_count: 0,
    next_attempt_at: at,
    lease_owner: null,
    lease_until: null,
    first_attempt_at: null,
    last_status_code: null,
    last_error: null,
    delivered_at: null,
    created_at: at,
    updated_at: at,
  };
}
