import { isPublicEventType, nextDeliveryAttemptAtMs, subscribes, type RandomSource } from '../core/index.js';
import { maskPersonalDataInText } from '../core/payers/index.js';
import type { AppContext, WebhookPostResult } from './context.js';
import { publicEvent } from './events.js';
import type { EventRow, WebhookDeliveryOutcome, WebhookDeliveryRow, WebhookDeliveryStore, WebhookEndpointRow } from './ports.js';
import { newDelivery } from './webhook-deliveries.js';
import { signingSecrets } from './webhook-endpoints.js';

/*
 * The webhook dispatcher (SPEC §16, DESIGN-NOTES §10): it fans events out into deliveries, one per
 * (event, endpoint) that subscribes to the event's type, then leases due deliveries, signs and
 * sends them, and records each attempt. Every node of the hub may run one: fan-out claims its
 * events with SKIP LOCKED, a lease keeps a delivery to one dispatcher at a time, and an outcome is
 * written only while its lease is still held (a dispatcher whose lease ran out drops its answer,
 * as the submission worker does). Delivery is at least once: a dispatcher that dies mid-delivery
 * leaves a lease that expires, and the next attempt carries the same `webhook-id`.
 *
 * Isolation: each endpoint gets at most `perEndpointMax` deliveries on the wire at a time, as a
 * sliding window: as one answers, the next of that endpoint's leased deliveries goes out. A lease
 * brings an endpoint at most `perEndpointMax` more, and an endpoint with leased deliveries still
 * waiting here for a slot gets none: so an endpoint holds at most one window on the wire and one
 * waiting, an endpoint that hangs holds only its own deliveries, never the round, and a waiting
 * delivery's slot frees within one deadline, well inside the lease.
 *
 * Speed (issue 13): a slot frees when its answer is in; the outcome, still leased, waits for the
 * next round, which writes every answered outcome, fans out a chunk of events and leases the next
 * deliveries in one transaction (one commit — one fsync on SQLite — for a whole window). A round
 * starts when an endpoint has sent all it had leased, when events commit (the outbox's commit
 * hook, `Store.onEventsCommitted`), or at the idle poll.
 */

export interface WebhookDispatcherOptions {
  /** The lease owner; unique per dispatcher. */
  owner?: string;
  /** Deadline of one POST. */
  timeoutMs?: number;
  /** How long a leased delivery is this dispatcher's; longer than the deadline, so that a live dispatcher keeps its leases. */
  leaseMs?: number;
  perEndpointMax?: number;
  /** Deliveries leased per round. */
  roundMax?: number;
  /** Events fanned out per transaction. */
  fanOutChunk?: number;
  /** Wait between rounds when there was nothing to do. */
  idleMs?: number;
  /** Jitter of the retry schedule (`Math.random` in production, from the composition root). */
  random: RandomSource;
  /** Told of every delivery that succeeded (the benchmark measures with it). */
  onDelivered?: (delivery: WebhookDeliveryRow, event: EventRow) => void;
}

/** A delivery's body is the public event; one larger than this is not sent (it fails at once). */
const WEBHOOK_BODY_BYTES_MAX = 256 * 1024;
const WEBHOOK_TIMEOUT_MS_DEFAULT = 10_000;

export interface DispatchRound {
  fannedOut: number;
  leased: number;
}

/** An attempt's outcome, answered and waiting to be written by the next round's transaction. */
interface Unwritten {
  outcome: WebhookDeliveryOutcome;
  delivery: WebhookDeliveryRow;
  event: EventRow | null;
  goneReason: string | null;
}

export class WebhookDispatcher {
  readonly owner: string;
  readonly #timeoutMs: number;
  readonly #leaseMs: number;
  readonly #perEndpointMax: number;
  readonly #roundMax: number;
  readonly #fanOutChunk: number;
  readonly #idleMs: number;
  readonly #random: RandomSource;
  readonly #onDelivered: ((delivery: WebhookDeliveryRow, event: EventRow) => void) | undefined;
  /** Deliveries on the wire, per endpoint. */
  readonly #inFlight = new Map<string, number>();
  /** Leased deliveries waiting for a free slot of their endpoint's window, per endpoint. */
  readonly #waiting = new Map<string, (() => void)[]>();
  /** Deliveries on the wire: each settles when its answer is in and its outcome queued. */
  readonly #sends = new Set<Promise<void>>();
  /** Outcomes answered and not yet written: the next round writes them in its own transaction. */
  #outcomes: Unwritten[] = [];
  #writing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  /** A round is already due (a wake): further wakes until it starts add nothing. */
  #wakeDue = false;
  #round: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: Pick<AppContext, 'store' | 'clock' | 'ids' | 'vault' | 'logger' | 'webhooks'>,
    options: WebhookDispatcherOptions,
  ) {
    this.owner = options.owner ?? `webhooks-${process.pid}-${ctx.ids.next('webhookDelivery').slice(-8)}`;
    this.#timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS_DEFAULT;
    this.#leaseMs = options.leaseMs ?? this.#timeoutMs + 30_000;
    this.#perEndpointMax = options.perEndpointMax ?? 8;
    this.#roundMax = options.roundMax ?? 256;
    this.#fanOutChunk = options.fanOutChunk ?? 500;
    this.#idleMs = options.idleMs ?? 200;
    this.#random = options.random;
    this.#onDelivered = options.onDelivered;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#wakeDue = false;
    this.#schedule(0);
  }

  /** Stops leasing, and waits for the deliveries on the wire (each within its deadline) and their records. */
  async stop(): Promise<void> {
    this.#running = false;
    // Deliveries still waiting for a slot keep their leases, which expire: another round sends them, same webhook-id.
    this.#waiting.clear();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#round;
    await Promise.allSettled([...this.#sends]);
    await this.#flush();
  }

  /** A round now: events were committed, or a delivery answered. */
  wake(): void {
    if (!this.#running || this.#wakeDue) return;
    this.#wakeDue = true;
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#round = this.#round.then(async () => {
        this.#wakeDue = false;
        let again = false;
        try {
          const round = await this.#dispatch();
          again = round.leased > 0 || round.fannedOut >= this.#fanOutChunk;
        } catch (error) {
          this.ctx.logger.warn({ err: error }, 'webhook round failed; trying again at the next one');
        }
        if (this.#running && this.#timer === null) this.#schedule(again ? 0 : this.#idleMs);
      });
    }, delayMs);
  }

  /**
   * One round driven by hand (tests): fans out, leases what is due and waits for those deliveries
   * to answer (or time out) and be recorded.
   */
  async runOnce(): Promise<DispatchRound> {
    const sends: Promise<void>[] = [];
    const fannedOut = await this.fanOut();
    const round = await this.#dispatch(sends);
    await Promise.all(sends);
    await this.#flush();
    return { fannedOut: fannedOut + round.fannedOut, leased: round.leased };
  }

  /** Fans out every event waiting, chunk by chunk; the number fanned out. */
  async fanOut(): Promise<number> {
    let total = 0;
    for (;;) {
      const at = this.ctx.clock.now().toISOString();
      const count = await this.ctx.store.transaction((tx) => this.#fanOutChunk1(tx, at));
      total += count;
      if (count < this.#fanOutChunk) return total;
    }
  }

  async #fanOutChunk1(tx: WebhookDeliveryStore, at: string): Promise<number> {
    const events = await tx.claimEventsAwaitingFanOut(this.#fanOutChunk);
    if (events.length === 0) return 0;
    const merchantIds = [...new Set(events.flatMap((event) => (event.merchant_id === null ? [] : [event.merchant_id])))];
    const endpointsByMerchant = new Map<string, { endpoint: WebhookEndpointRow; types: string[] }[]>();
    for (const endpoint of await tx.listLiveWebhookEndpoints(merchantIds)) {
      const list = endpointsByMerchant.get(endpoint.merchant_id) ?? [];
      list.push({ endpoint, types: JSON.parse(endpoint.event_types) as string[] });
      endpointsByMerchant.set(endpoint.merchant_id, list);
    }
    const deliveries: WebhookDeliveryRow[] = [];
    for (const event of events) {
      if (event.merchant_id === null || !isPublicEventType(event.type)) continue;
      for (const { endpoint, types } of endpointsByMerchant.get(event.merchant_id) ?? []) {
        if (!subscribes(types, event.type)) continue;
        deliveries.push(newDelivery(this.ctx, event, event.merchant_id, endpoint.id, at));
      }
    }
    await tx.insertWebhookDeliveries(deliveries);
    await tx.markEventsFannedOut(
      events.map((event) => event.id),
      at,
    );
    return events.length;
  }

  /**
   * One round, one transaction (one commit, one fsync on SQLite): the outcomes answered since the
   * last round are written, a chunk of events is fanned out, and due deliveries are leased — each
   * set-based, one statement for the whole batch. Then the leased deliveries go on the wire.
   */
  async #dispatch(sends?: Promise<void>[]): Promise<DispatchRound> {
    const batch = this.#outcomes.splice(0);
    const now = this.ctx.clock.now();
    const at = now.toISOString();
    // An endpoint still holding leased deliveries that wait for a slot gets no more until they are all on the wire.
    const busyEndpointIds = [...this.#waiting.keys()];
    let round: { applied: Set<string>; fannedOut: number; leased: WebhookDeliveryRow[] } | undefined;
    try {
      round = await this.ctx.store.transaction(async (tx) => ({
        applied: await this.#write(tx, batch, at),
        fannedOut: await this.#fanOutChunk1(tx, at),
        leased: await tx.leaseDueWebhookDeliveries({
          now: at,
          owner: this.owner,
          leaseUntil: new Date(now.getTime() + this.#leaseMs).toISOString(),
          perEndpointMax: this.#perEndpointMax,
          limit: this.#roundMax,
          busyEndpointIds,
        }),
      }));
    } finally {
      // Written, or not (their leases expire and they are tried again): either way no longer waited for.
      this.#settle(batch, round?.applied ?? new Set());
    }
    const { fannedOut, leased } = round!;
    if (leased.length === 0) return { fannedOut, leased: 0 };
    const events = new Map((await this.ctx.store.listEventsByIds([...new Set(leased.map((d) => d.event_id))])).map((event) => [event.id, event]));
    const endpoints = new Map((await this.ctx.store.listWebhookEndpointsByIds([...new Set(leased.map((d) => d.endpoint_id))])).map((endpoint) => [endpoint.id, endpoint]));
    // Each endpoint's secrets are opened once a round, not once a delivery.
    const secrets = new Map([...endpoints.values()].map((endpoint) => [endpoint.id, signingSecrets(this.ctx, endpoint)]));
    for (const delivery of leased) {
      const start = () => this.#send(delivery, events.get(delivery.event_id)!, endpoints.get(delivery.endpoint_id)!, secrets.get(delivery.endpoint_id)!, sends);
      if ((this.#inFlight.get(delivery.endpoint_id) ?? 0) < this.#perEndpointMax) start();
      else this.#waiting.set(delivery.endpoint_id, [...(this.#waiting.get(delivery.endpoint_id) ?? []), start]);
    }
    return { fannedOut, leased: leased.length };
  }

  /** Writes answered outcomes (one UPDATE for all, under the lease fence); the ids written. */
  async #write(tx: WebhookDeliveryStore, batch: readonly Unwritten[], at: string): Promise<Set<string>> {
    if (batch.length === 0) return new Set();
    const applied = new Set(
      await tx.recordWebhookDeliveryOutcomes(
        this.owner,
        batch.map((item) => item.outcome),
        at,
      ),
    );
    for (const item of batch) {
      if (item.goneReason !== null && applied.has(item.outcome.id)) await tx.disableWebhookEndpointGone(item.delivery.endpoint_id, item.goneReason, at);
    }
    return applied;
  }

  #settle(batch: readonly Unwritten[], applied: Set<string>): void {
    for (const item of batch) {
      if (applied.has(item.outcome.id) && item.outcome.patch.status === 'succeeded' && item.event !== null) this.#onDelivered?.({ ...item.delivery, ...item.outcome.patch }, item.event);
    }
  }

  /** Writes every outcome still waiting, in a transaction of its own (runOnce, stop). */
  #flush(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      const batch = this.#outcomes.splice(0);
      if (batch.length === 0) return;
      let applied = new Set<string>();
      try {
        applied = await this.ctx.store.transaction((tx) => this.#write(tx, batch, this.ctx.clock.now().toISOString()));
      } catch (error) {
        this.ctx.logger.warn({ err: error }, 'could not record webhook attempts; their leases will expire and they will be tried again');
      } finally {
        this.#settle(batch, applied);
      }
    });
    return this.#writing;
  }

  /**
   * Puts one delivery on the wire; when it has answered, its endpoint's next waiting one goes (the
   * slot is free once the answer is in: the outcome, still leased, is written by the next round).
   */
  #send(delivery: WebhookDeliveryRow, event: EventRow, endpoint: WebhookEndpointRow, secrets: readonly string[], sends?: Promise<void>[]): void {
    const endpointId = delivery.endpoint_id;
    this.#inFlight.set(endpointId, (this.#inFlight.get(endpointId) ?? 0) + 1);
    const send = this.#deliver(delivery, event, endpoint, secrets).finally(() => {
      const left = (this.#inFlight.get(endpointId) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(endpointId);
      else this.#inFlight.set(endpointId, left);
      this.#sends.delete(send);
      const waiting = this.#waiting.get(endpointId);
      const next = waiting?.shift();
      if (waiting !== undefined && waiting.length === 0) this.#waiting.delete(endpointId);
      if (next !== undefined && this.#running) next();
      // A round (its answers written, its next window leased, one commit) once the endpoint has
      // nothing more leased to send; until then its answers wait, to be written together.
      if (!this.#waiting.has(endpointId)) this.wake();
    });
    this.#sends.add(send);
    sends?.push(send);
  }

  async #deliver(delivery: WebhookDeliveryRow, event: EventRow, endpoint: WebhookEndpointRow, secrets: readonly string[]): Promise<void> {
    const startedAt = this.ctx.clock.now();
    let result: WebhookPostResult;
    if (endpoint.deleted_at !== null || endpoint.enabled === 0) {
      this.#queue({ id: delivery.id, patch: { ...ended(delivery), status: 'cancelled', last_error: 'the endpoint was disabled or deleted' }, attempt: null }, delivery, null, null);
      return;
    }
    const body = JSON.stringify(publicEvent(event));
    if (Buffer.byteLength(body) > WEBHOOK_BODY_BYTES_MAX) {
      result = { kind: 'refused', reason: `the event is ${Buffer.byteLength(body)} bytes, above the ${WEBHOOK_BODY_BYTES_MAX} a delivery may carry` };
    } else {
      result = await this.ctx.webhooks.post({
        url: endpoint.url,
        secrets,
        id: delivery.id,
        timestamp: Math.floor(startedAt.getTime() / 1000),
        body,
        timeoutMs: this.#timeoutMs,
      });
    }
    const outcome = deliveryOutcome(delivery, result, startedAt, this.ctx.clock.now(), this.#random);
    const gone = result.kind === 'answered' && result.status === 410 ? `the endpoint answered 410 Gone at ${startedAt.toISOString()}` : null;
    this.#queue(outcome, delivery, event, gone);
  }

  /** Queues an outcome for the next round's transaction. */
  #queue(outcome: WebhookDeliveryOutcome, delivery: WebhookDeliveryRow, event: EventRow | null, goneReason: string | null): void {
    this.#outcomes.push({ outcome, delivery, event, goneReason });
  }
}

/** A delivery that is no longer pending: not due, not leased. */
function ended(delivery: WebhookDeliveryRow): WebhookDeliveryOutcome['patch'] {
  return {
    status: delivery.status,
    attempt_count: delivery.attempt_count,
    next_attempt_at: null,
    first_attempt_at: delivery.first_attempt_at,
    last_status_code: delivery.last_status_code,
    last_error: delivery.last_error,
    delivered_at: delivery.delivered_at,
    lease_owner: null,
    lease_until: null,
  };
}

/**
 * What an attempt made of a delivery: 2xx delivered it; 410 ends it (the endpoint is disabled by
 * the caller); anything else — no answer, a refused address, 3xx, 4xx, 5xx — is tried again on the
 * backoff schedule until 3 days after the first attempt, then the delivery fails.
 */
function deliveryOutcome(delivery: WebhookDeliveryRow, result: WebhookPostResult, startedAt: Date, endedAt: Date, random: RandomSource): WebhookDeliveryOutcome {
  const number = delivery.attempt_count + 1;
  const firstAttemptAt = delivery.first_attempt_at ?? startedAt.toISOString();
  const statusCode = result.kind === 'answered' ? result.status : null;
  const error = result.kind === 'answered' ? null : maskPersonalDataInText(result.reason);
  const attempt = {
    delivery_id: delivery.id,
    number,
    at: startedAt.toISOString(),
    status_code: statusCode,
    latency_ms: result.kind === 'refused' ? null : result.latencyMs,
    // PostgreSQL text holds no NUL; the excerpt is the receiver's free text, masked like any.
    response_excerpt: result.kind === 'answered' ? maskPersonalDataInText(result.excerpt.replaceAll('\u0000', '')) : null,
    error,
  };
  const base = { attempt_count: number, first_attempt_at: firstAttemptAt, last_status_code: statusCode, last_error: error, lease_owner: null, lease_until: null };
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
    return { id: delivery.id, patch: { ...base, status: 'succeeded', next_attempt_at: null, delivered_at: endedAt.toISOString() }, attempt };
  }
  if (statusCode === 410) {
    return { id: delivery.id, patch: { ...base, status: 'failed', next_attempt_at: null, delivered_at: null, last_error: 'the endpoint answered 410 Gone; it is disabled' }, attempt };
  }
  const next = nextDeliveryAttemptAtMs(Date.parse(firstAttemptAt), number, endedAt.getTime(), random);
  if (next === null) return { id: delivery.id, patch: { ...base, status: 'failed', next_attempt_at: null, delivered_at: null }, attempt };
  return { id: delivery.id, patch: { ...base, status: 'pending', next_attempt_at: new Date(next).toISOString(), delivered_at: null }, attempt };
}
