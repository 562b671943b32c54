import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../../src/app/webhook-dispatcher.js';
import { ENGINES } from '../support/engines.js';
import { createMerchant, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';
import { insertEvents, Receiver } from '../webhooks/receiver.js';

/**
 * The delivery log and redelivery through the API (SPEC §16): each endpoint's deliveries with
 * their attempts, filtered by status and paged; `POST /v1/events/{id}/redeliver` sends an event
 * again now with the same webhook-id, or to an endpoint it never went to; merchants stay apart.
 */
for (const engine of ENGINES) {
  describe(`webhook deliveries API on ${engine}`, () => {
    let t: TestHub;
    let hook: Receiver;
    let merchant: { id: string; key: string };
    let other: { id: string; key: string };
    let dispatcher: WebhookDispatcher;

    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false, webhookAllowPrivate: true });
      t.clock.set(new Date('2026-03-02T10:00:00+08:00'));
      merchant = await createMerchant(t);
      other = await createMerchant(t, { ...MERCHANT_BODY, name: '深圳市燃气集团' });
      hook = await Receiver.start();
      dispatcher = new WebhookDispatcher(t.hub.ctx, { random: () => 0, timeoutMs: 5_000 });
    });
    afterEach(() => {
      hook.behaviour = () => 200;
    });
    afterAll(async () => {
      await dispatcher?.stop();
      await hook?.close();
      await t?.close();
    });

    async function endpoint(eventTypes: string[]): Promise<string> {
      const created = await t.call('POST', '/v1/webhook-endpoints', { key: merchant.key, body: { url: hook.url, event_types: eventTypes } });
      expect(created.status).toBe(201);
      return created.body.id;
    }

    it('lists an endpoint’s deliveries newest first, each with its attempts, by status and page', async () => {
      const id = await endpoint(['debit.succeeded']);
      let calls = 0;
      hook.behaviour = () => (++calls === 1 ? 500 : 200);
      const events = await insertEvents(t, merchant.id, [{ objectId: 'dbt_l1' }, { objectId: 'dbt_l2' }, { objectId: 'dbt_l3', type: 'debit.failed' }]);
      await dispatcher.runOnce();
      const all = await t.call('GET', `/v1/webhook-endpoints/${id}/deliveries`, { key: merchant.key });
      expect(all.status).toBe(200);
      // debit.failed is not subscribed to: two deliveries.
      expect(all.body.data).toHaveLength(2);
      expect(all.body.data.map((d: { event_id: string }) => d.event_id)).toEqual([events[1]!.id, events[0]!.id]);
      const failed = all.body.data.find((d: { status: string }) => d.status === 'pending');
      expect(failed).toMatchObject({ object: 'webhook_delivery', endpoint_id: id, attempt_count: 1, last_status_code: 500, attempts: [{ number: 1, status_code: 500, response_excerpt: 'status 500', error: null }] });
      expect(failed.id).toMatch(/^msg_/);
      expect(failed.next_attempt_at > failed.attempts[0].at).toBe(true);
      const succeeded = await t.call('GET', `/v1/webhook-endpoints/${id}/deliveries?status=succeeded&limit=1`, { key: merchant.key });
      expect(succeeded.body).toMatchObject({ has_more: false, data: [{ status: 'succeeded', attempts: [{ number: 1, status_code: 200 }] }] });
      const first = await t.call('GET', `/v1/webhook-endpoints/${id}/deliveries?limit=1`, { key: merchant.key });
      expect(first.body.has_more).toBe(true);
      const second = await t.call('GET', `/v1/webhook-endpoints/${id}/deliveries?limit=1&starting_after=${first.body.data[0].id}`, { key: merchant.key });
      expect(second.body.data[0].id).not.toBe(first.body.data[0].id);
      expect((await t.call('GET', `/v1/webhook-endpoints/${id}/deliveries`, { key: other.key })).status).toBe(404);
      expect((await t.call('GET', `/v1/webhook-endpoints/${id}/deliveries?status=lost`, { key: merchant.key })).status).toBe(400);
    });

    it('redelivers an event now with the same webhook-id, and to an endpoint it never went to', async () => {
      const subscribed = await endpoint(['mandate.created']);
      const [event] = await insertEvents(t, merchant.id, [{ objectId: 'mdt_r1', type: 'mandate.created' }]);
      await dispatcher.runOnce();
      const sent = hook.received.filter((r) => r.event.id === event!.id);
      expect(sent).toHaveLength(1);
      const again = await t.call('POST', `/v1/events/${event!.id}/redeliver`, { key: merchant.key });
      expect(again.status).toBe(202);
      expect(again.body.data).toMatchObject([{ id: sent[0]!.id, endpoint_id: subscribed, status: 'pending' }]);
      await dispatcher.runOnce();
      const resent = hook.received.filter((r) => r.event.id === event!.id);
      expect(resent.map((r) => r.id)).toEqual([sent[0]!.id, sent[0]!.id]);
      // To an endpoint that did not subscribe to the type: a delivery made for it.
      const unsubscribed = await endpoint(['debit.failed']);
      const made = await t.call('POST', `/v1/events/${event!.id}/redeliver`, { key: merchant.key, body: { endpoint_id: unsubscribed } });
      expect(made.status).toBe(202);
      expect(made.body.data).toMatchObject([{ endpoint_id: unsubscribed, status: 'pending', attempt_count: 0 }]);
      await dispatcher.runOnce();
      expect(hook.received.filter((r) => r.event.id === event!.id)).toHaveLength(3);
      const log = await t.call('GET', `/v1/webhook-endpoints/${subscribed}/deliveries`, { key: merchant.key });
      expect(log.body.data[0]).toMatchObject({ status: 'succeeded', attempt_count: 2, attempts: [{ number: 1 }, { number: 2 }] });
    });

    it('keeps merchants apart and names what is wrong', async () => {
      const [event] = await insertEvents(t, merchant.id, [{ objectId: 'dbt_x' }]);
      expect((await t.call('POST', `/v1/events/${event!.id}/redeliver`, { key: other.key })).status).toBe(404);
      expect((await t.call('POST', '/v1/events/evt_0000000000000000000000000000000f/redeliver', { key: merchant.key })).status).toBe(404);
      const foreign = await t.call('POST', '/v1/webhook-endpoints', { key: other.key, body: { url: hook.url, event_types: ['*'] } });
      const refused = await t.call('POST', `/v1/events/${event!.id}/redeliver`, { key: merchant.key, body: { endpoint_id: foreign.body.id } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toMatchObject([{ pointer: '/endpoint_id', code: 'unknown_endpoint' }]);
      // The operator may redeliver any merchant's event.
      expect((await t.call('POST', `/v1/events/${event!.id}/redeliver`)).status).toBe(202);
    });
  });
}
