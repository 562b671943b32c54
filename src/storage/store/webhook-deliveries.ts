import { sql, type RawBuilder } from 'kysely';
import type { EventRow, Page, WebhookDeliveryAttemptRow, WebhookDeliveryFilter, WebhookDeliveryLeaseRequest, WebhookDeliveryOutcome, WebhookDeliveryRow, WebhookEndpointRow } from '../../app/ports.js';
import { WEBHOOK_DELIVERIES_TABLE, WEBHOOK_DELIVERY_ATTEMPTS_TABLE } from '../tables.js';
import { insertMany, insertNew, page, updateMany, type Executor, type StoreContext } from './shared.js';

/** Webhook deliveries (SPEC §16, migration 020): fan-out, leases, outcomes and the delivery log. */
export class WebhookDeliveries {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async claimEventsAwaitingFanOut(limit: number): Promise<EventRow[]> {
    // The literal `is null` lets SQLite use the partial index `events_awaiting_fan_out`.
    const query = this.db.selectFrom('events').selectAll().where('fanned_out_at', 'is', null).orderBy('id').limit(limit);
    return this.context.dialect.skipLocked(query).execute();
  }

  async listEventsByIds(ids: readonly string[]): Promise<EventRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('events').selectAll().where('id', 'in', ids).execute();
  }

  async listWebhookEndpointsByIds(ids: readonly string[]): Promise<WebhookEndpointRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', ids).execute();
  }

  async listLiveWebhookEndpoints(merchantIds: readonly string[]): Promise<WebhookEndpointRow[]> {
    if (merchantIds.length === 0) return [];
    return this.db.selectFrom('webhook_endpoints').selectAll().where('merchant_id', 'in', merchantIds).where('enabled', '=', 1).where('deleted_at', 'is', null).orderBy('id').execute();
  }

  async insertWebhookDeliveries(rows: readonly WebhookDeliveryRow[]): Promise<void> {
    // ON CONFLICT DO NOTHING: an (event, endpoint) pair already delivered keeps its one delivery.
    await insertNew(this.context, WEBHOOK_DELIVERIES_TABLE, rows);
  }

  async markEventsFannedOut(ids: readonly string[], at: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('events').set({ fanned_out_at: at }).where('id', 'in', ids).where('fanned_out_at', 'is', null).execute();
  }

  async leaseDueWebhookDeliveries(request: WebhookDeliveryLeaseRequest): Promise<WebhookDeliveryRow[]> {
    const { now, owner, leaseUntil, perEndpointMax, limit, busyEndpointIds } = request;
    // Each endpoint's share is chosen on its own (its due deliveries, oldest first, from the
    // partial index `webhook_deliveries_due`), so that an endpoint with a large backlog takes at
    // most `perEndpointMax` of the round and the others still get theirs.
    const eligible = sql`d.endpoint_id = e.id
      and d.status = 'pending' and d.next_attempt_at <= ${now}
      and (d.lease_until is null or d.lease_until < ${now})
      and (e.ordered = 0 or not exists (
        select 1 from webhook_deliveries o
        where o.endpoint_id = d.endpoint_id and o.object_id = d.object_id and o.status = 'pending' and o.event_id < d.event_id))`;
    const notBusy = busyEndpointIds.length === 0 ? sql`` : sql`and e.id not in (${sql.join([...busyEndpointIds])})`;
    // PostgreSQL takes each endpoint's share with LATERAL and skips rows another dispatcher is
    // leasing; SQLite (one writer) drives the primary key with a correlated IN, run once per endpoint.
    const share: RawBuilder<unknown> =
      this.context.dialect.engine === 'postgres'
        ? sql`cross join lateral (
            select d.id, d.next_attempt_at from webhook_deliveries d
            where ${eligible}
            order by d.next_attempt_at, d.id limit ${perEndpointMax}
            for update of d skip locked) x`
        : sql`join webhook_deliveries x on x.id in (
            select d.id from webhook_deliveries d
            where ${eligible}
            order by d.next_attempt_at, d.id limit ${perEndpointMax})`;
    const result = await sql<WebhookDeliveryRow>`
      with due as (
        select x.id from webhook_endpoints e ${share}
        where e.enabled = 1 and e.deleted_at is null ${notBusy}
        order by x.next_attempt_at, x.id limit ${limit})
      update webhook_deliveries set lease_owner = ${owner}, lease_until = ${leaseUntil}, updated_at = ${now}
      where id in (select id from due) and status = 'pending' and (lease_until is null or lease_until < ${now})
      returning *`.execute(this.db);
    return result.rows.sort((a, b) => (a.next_attempt_at! < b.next_attempt_at! ? -1 : a.next_attempt_at! > b.next_attempt_at! ? 1 : a.id < b.id ? -1 : 1));
  }

  async recordWebhookDeliveryOutcomes(owner: string, outcomes: readonly WebhookDeliveryOutcome[], at: string): Promise<string[]> {
    if (outcomes.length === 0) return [];
    const fence = { text: (param: (index: number) => string, t: string) => `${t}lease_owner = ${param(0)} and ${t}status = 'pending'`, parameters: [owner] };
    const applied = await updateMany(this.context, WEBHOOK_DELIVERIES_TABLE, outcomes.map(({ id, patch }) => ({ id, patch })), at, fence);
    const ids = new Set(applied.map((row) => row.id));
    await insertMany(
      this.context,
      WEBHOOK_DELIVERY_ATTEMPTS_TABLE,
      outcomes.flatMap((outcome) => (ids.has(outcome.id) && outcome.attempt !== null ? [outcome.attempt] : [])),
    );
    return [...ids];
  }

  async disableWebhookEndpointGone(endpointId: string, reason: string, at: string): Promise<void> {
    await this.db.updateTable('webhook_endpoints').set({ enabled: 0, disabled_reason: reason, updated_at: at }).where('id', '=', endpointId).where('deleted_at', 'is', null).execute();
    await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'cancelled', next_attempt_at: null, lease_owner: null, lease_until: null, last_error: reason, updated_at: at })
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', sql.lit('pending'))
      .execute();
  }

  async getWebhookDelivery(id: string): Promise<WebhookDeliveryRow | null> {
    return (await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async listWebhookDeliveries(filter: WebhookDeliveryFilter): Promise<Page<WebhookDeliveryRow>> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', filter.endpointId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.startingAfter !== undefined) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async listWebhookDeliveriesOfEvent(eventId: string): Promise<WebhookDeliveryRow[]> {
    return this.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
  }

  async listWebhookDeliveryAttempts(deliveryIds: readonly string[]): Promise<WebhookDeliveryAttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return this.db.selectFrom('webhook_delivery_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('number').execute();
  }

  async redeliverWebhookDeliveries(ids: readonly string[], at: string): Promise<WebhookDeliveryRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at: at, first_attempt_at: null, updated_at: at })
      .where('id', 'in', ids)
      .returningAll()
      .execute();
  }
}
