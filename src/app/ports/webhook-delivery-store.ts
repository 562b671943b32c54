import type { WebhookDeliveryAttemptRecord, WebhookDeliveryRecord, WebhookDeliveryStatus } from '../../core/index.js';
import type { EventRow } from './event-store.js';
import type { Page, PageRequest } from './page.js';
import type { WebhookEndpointRow } from './webhook-store.js';

export type WebhookDeliveryRow = WebhookDeliveryRecord;
export type WebhookDeliveryAttemptRow = WebhookDeliveryAttemptRecord;

export interface WebhookDeliveryLeaseRequest {
  now: string;
  owner: string;
  leaseUntil: string;
  /** Deliveries of one endpoint leased at once: one endpoint's backlog cannot fill a round. */
  perEndpointMax: number;
  /** Deliveries leased in all. */
  limit: number;
  /** Endpoints this dispatcher already has deliveries on the wire for. */
  busyEndpointIds: readonly string[];
}

/** What one attempt changed: the delivery's new state and the attempt's line in the log. */
export interface WebhookDeliveryOutcome {
  id: string;
  patch: Pick<WebhookDeliveryRow, 'status' | 'attempt_count' | 'next_attempt_at' | 'first_attempt_at' | 'last_status_code' | 'last_error' | 'delivered_at' | 'lease_owner' | 'lease_until'>;
  /** Null when nothing was sent (the endpoint went away after the delivery was leased). */
  attempt: WebhookDeliveryAttemptRow | null;
}

export interface WebhookDeliveryFilter extends PageRequest {
  endpointId: string;
  status?: WebhookDeliveryStatus | undefined;
}

/** Webhook deliveries (SPEC §16, DESIGN-NOTES §10): the dispatcher's fan-out, leases and log. */
export interface WebhookDeliveryStore {
  /**
   * Events not fanned out yet, oldest first; inside a transaction, held until it ends and skipped
   * by another node's fan-out (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer).
   */
  claimEventsAwaitingFanOut(limit: number): Promise<EventRow[]>;
  /** These events (the ones a round's deliveries carry). */
  listEventsByIds(ids: readonly string[]): Promise<EventRow[]>;
  /** These endpoints, deleted ones included. */
  listWebhookEndpointsByIds(ids: readonly string[]): Promise<WebhookEndpointRow[]>;
  /** The enabled, undeleted endpoints of these merchants. */
  listLiveWebhookEndpoints(merchantIds: readonly string[]): Promise<WebhookEndpointRow[]>;
  /** Inserts the deliveries; one that exists for its (event, endpoint) is left as it is. */
  insertWebhookDeliveries(rows: readonly WebhookDeliveryRow[]): Promise<void>;
  markEventsFannedOut(ids: readonly string[], at: string): Promise<void>;
  /**
   * Leases due pending deliveries whose lease is free or expired: at most `perEndpointMax` per
   * endpoint and none of the busy ones; of an ordered endpoint, only each object's oldest pending
   * delivery. Two dispatchers never lease the same delivery at once.
   */
  leaseDueWebhookDeliveries(request: WebhookDeliveryLeaseRequest): Promise<WebhookDeliveryRow[]>;
  /**
   * Applies the outcomes of deliveries still leased to `owner` (a dispatcher whose lease was taken
   * over drops its answer) and logs their attempts; returns the ids applied.
   */
  recordWebhookDeliveryOutcomes(owner: string, outcomes: readonly WebhookDeliveryOutcome[], at: string): Promise<string[]>;
  /** A 410: the endpoint is disabled with the reason and its pending deliveries cancelled. */
  disableWebhookEndpointGone(endpointId: string, reason: string, at: string): Promise<void>;
  getWebhookDelivery(id: string): Promise<WebhookDeliveryRow | null>;
  listWebhookDeliveries(filter: WebhookDeliveryFilter): Promise<Page<WebhookDeliveryRow>>;
  listWebhookDeliveriesOfEvent(eventId: string): Promise<WebhookDeliveryRow[]>;
  /** The attempts of these deliveries, in order. */
  listWebhookDeliveryAttempts(deliveryIds: readonly string[]): Promise<WebhookDeliveryAttemptRow[]>;
  /**
   * Makes the deliveries due now again, pending with a new retry window, keeping their ids
   * (`webhook-id`); one on the wire keeps its lease and is tried again after it answers.
   */
  redeliverWebhookDeliveries(ids: readonly string[], at: string): Promise<WebhookDeliveryRow[]>;
}
