import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { publicEvent } from '../../src/app/events.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../../src/app/webhook-dispatcher.js';
import { ENGINES } from '../support/engines.js';
import { createMerchant, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';
import { insertEvents, Receiver, verifyAt } from './receiver.js';

/**
 * The webhook dispatcher against real receivers on 127.0.0.1 (issue 13): every delivery verifies
 * with the `standardwebhooks` package and nothing altered does; an endpoint down for 48 hours of
 * the test clock gets every event afterwards, in order per object; a hanging endpoint holds only
 * its own deliveries; a dispatcher that dies mid-delivery loses nothing; 410 disables.
 */
for (const engine of ENGINES) {
  describe(`webhook dispatcher on ${engine}`, () => {
    let t: TestHub;
    const receivers: Receiver[] = [];
    const dispatchers: WebhookDispatcher[] = [];

    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false, webhookAllowPrivate: true });
      t.clock.set(new Date('2026-03-02T10:00:00+08:00'));
    });
    afterEach(async () => {
      for (const dispatcher of dispatchers.splice(0)) await dispatcher.stop();
      for (const receiver of receivers.splice(0)) await receiver.close();
    });
    afterAll(async () => t?.close());

    async function receiver(): Promise<Receiver> {
      const started = await Receiver.start();
      receivers.push(started);
      return started;
    }

    function dispatcher(options: Partial<WebhookDispatcherOptions> = {}): WebhookDispatcher {
      const made = new WebhookDispatcher(t.hub.ctx, { random: () => 0.5, timeoutMs: 5_000, ...options });
      dispatchers.push(made);
      return made;
    }

    /** A new merchant with an endpoint to `url` for every event type; its id and secret. */
    async function endpoint(url: string, extra: Record<string, unknown> = {}): Promise<{ merchantId: string; id: string; secret: string }> {
      const owner = await createMerchant(t, { ...MERCHANT_BODY, name: `商户${Math.random().toString(36).slice(2, 8)}` });
      const created = await t.call('POST', '/v1/webhook-endpoints', { key: owner.key, body: { url, event_types: ['*'], ...extra } });
      expect(created.status).toBe(201);
      return { merchantId: owner.id, id: created.body.id, secret: created.body.secret };
    }

    it('signs every delivery so that standardwebhooks verifies it, and refuses every alteration', async () => {
      const hook = await receiver();
      const { merchantId, secret } = await endpoint(hook.url);
      const events = await insertEvents(t, merchantId, [{ objectId: 'dbt_a' }, { objectId: 'dbt_b', type: 'debit.failed' }, { objectId: 'dbt_c', type: 'mandate.created' }]);
      expect(await dispatcher().runOnce()).toMatchObject({ leased: 3 });
      expect(hook.received.map((r) => r.event.id).sort()).toEqual(events.map((e) => e.id).sort());
      const now = t.clock.now().getTime();
      for (const received of hook.received) {
        expect(received.id).toMatch(/^msg_/);
        expect(verifyAt(secret, received, now)).toEqual(publicEvent(events.find((e) => e.id === received.event.id)!));
      }
      const sample = hook.received[0]!;
      // Any change to the body, however small, is refused.
      fc.assert(
        fc.property(fc.nat(sample.body.length - 1), fc.string({ minLength: 1, maxLength: 1 }), (at, char) => {
          fc.pre(sample.body[at] !== char);
          const body = sample.body.slice(0, at) + char + sample.body.slice(at + 1);
          expect(() => verifyAt(secret, { ...sample, body }, now)).toThrow();
        }),
        { numRuns: 200 },
      );
      expect(() => verifyAt(secret, { ...sample, id: `${sample.id}x` }, now)).toThrow();
      expect(() => verifyAt(secret, { ...sample, timestamp: String(Number(sample.timestamp) + 1) }, now)).toThrow();
      // Outside the 5-minute tolerance, either way.
      expect(() => verifyAt(secret, sample, now + 6 * 60_000)).toThrow(/too old/);
      expect(() => verifyAt(secret, sample, now - 6 * 60_000)).toThrow(/too new/);
      const other = (await endpoint('https://hooks.example.com/other')).secret;
      expect(() => verifyAt(other, sample, now)).toThrow();
    });

    it('signs with both secrets while a rotation overlaps, and with the new one alone after', async () => {
      const hook = await receiver();
      const { merchantId, id, secret: before } = await endpoint(hook.url);
      const rotated = await t.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { body: { previous_secret_hours: 1 } });
      expect(rotated.status).toBe(200);
      const after = rotated.body.secret as string;
      await insertEvents(t, merchantId, [{ objectId: 'dbt_rot1' }]);
      await dispatcher().runOnce();
      const during = hook.received.at(-1)!;
      expect(during.signature.split(' ')).toHaveLength(2);
      expect(verifyAt(before, during, t.clock.now().getTime())).toBeDefined();
      expect(verifyAt(after, during, t.clock.now().getTime())).toBeDefined();
      t.clock.advance(61 * 60_000);
      await insertEvents(t, merchantId, [{ objectId: 'dbt_rot2' }]);
      await dispatcher().runOnce();
      const later = hook.received.at(-1)!;
      expect(later.event.data.object.id).toBe('dbt_rot2');
      expect(verifyAt(after, later, t.clock.now().getTime())).toBeDefined();
      expect(() => verifyAt(before, later, t.clock.now().getTime())).toThrow();
    });

    it('an ordered endpoint down for 48 hours receives every event after it recovers, once per attempt, in order per object', async () => {
      const hook = await receiver();
      let down = true;
      hook.behaviour = () => (down ? 503 : 200);
      const { merchantId, id, secret } = await endpoint(hook.url, { ordered: true });
      expect((await t.call('GET', `/v1/webhook-endpoints/${id}`)).body).toMatchObject({ ordered: true });
      const objects = ['dbt_o1', 'dbt_o2', 'dbt_o3'];
      const events = await insertEvents(
        t,
        merchantId,
        [0, 1, 2, 3].flatMap(() => objects.map((objectId) => ({ objectId }))),
      );
      const d = dispatcher();
      const start = t.clock.now().getTime();
      while (t.clock.now().getTime() - start < 48 * 3_600_000) {
        await d.runOnce();
        t.clock.advance(10 * 60_000);
      }
      expect(hook.received.length).toBeGreaterThan(0);
      expect(hook.received.every((r) => r.answer === 503)).toBe(true);
      down = false;
      for (let round = 0; round < 500; round += 1) {
        await d.runOnce();
        const page = await t.hub.ctx.store.listWebhookDeliveries({ endpointId: id, limit: 100 });
        if (page.data.every((delivery) => delivery.status === 'succeeded')) break;
        t.clock.advance(10 * 60_000);
      }
      const deliveries = (await t.hub.ctx.store.listWebhookDeliveries({ endpointId: id, limit: 100 })).data;
      expect(deliveries).toHaveLength(events.length);
      expect(deliveries.every((delivery) => delivery.status === 'succeeded')).toBe(true);
      // Every event delivered (answered 200) exactly once.
      const delivered = hook.received.filter((r) => r.answer === 200);
      expect(delivered.map((r) => r.event.id).sort()).toEqual(events.map((e) => e.id).sort());
      // Each request was one attempt of the log, and the same webhook-id each time.
      const attempts = await t.hub.ctx.store.listWebhookDeliveryAttempts(deliveries.map((delivery) => delivery.id));
      expect(attempts).toHaveLength(hook.received.length);
      for (const delivery of deliveries) {
        expect(hook.received.filter((r) => r.id === delivery.id)).toHaveLength(delivery.attempt_count);
        expect(new Set(hook.received.filter((r) => r.id === delivery.id).map((r) => r.event.id)).size).toBe(1);
      }
      // In order per object: every request for an object carries an event no older than the one before.
      for (const objectId of objects) {
        const sent = hook.received.filter((r) => r.event.data.object.id === objectId).map((r) => r.event.data.object.n!);
        expect(sent).toEqual([...sent].sort((a, b) => a - b));
        expect(delivered.filter((r) => r.event.data.object.id === objectId).map((r) => r.event.id)).toEqual(events.filter((e) => e.object_id === objectId).map((e) => e.id));
      }
      for (const received of delivered) expect(verifyAt(secret, received, Number(received.timestamp) * 1000)).toBeDefined();
    });

    it('an endpoint that hangs holds only its own deliveries: another endpoint gets all of its events meanwhile', async () => {
      const hanging = await receiver();
      hanging.behaviour = () => 'hang';
      const healthy = await receiver();
      const a = await endpoint(hanging.url);
      const b = await endpoint(healthy.url);
      await insertEvents(t, a.merchantId, Array.from({ length: 10 }, (_, i) => ({ objectId: `dbt_h${i}` })));
      await insertEvents(t, b.merchantId, Array.from({ length: 10 }, (_, i) => ({ objectId: `dbt_k${i}` })));
      const d = dispatcher({ perEndpointMax: 2, timeoutMs: 120_000, idleMs: 10 });
      d.start();
      await vi.waitFor(() => expect(healthy.received).toHaveLength(10), { timeout: 20_000, interval: 20 });
      await vi.waitFor(async () => expect((await t.hub.ctx.store.listWebhookDeliveries({ endpointId: b.id, status: 'succeeded', limit: 100 })).data).toHaveLength(10), { timeout: 20_000, interval: 20 });
      // All the while, the hanging endpoint held its first two requests and was sent no more.
      expect(hanging.received).toHaveLength(2);
      expect(hanging.heldCount).toBe(2);
      hanging.behaviour = () => 200;
      hanging.release(200);
      await vi.waitFor(() => expect(new Set(hanging.received.map((r) => r.id)).size).toBe(10), { timeout: 20_000, interval: 20 });
    });

    it('a dispatcher that dies mid-delivery loses nothing: the lease expires and another sends the same webhook-id', async () => {
      const hook = await receiver();
      hook.behaviour = () => 'hang';
      const { merchantId, id } = await endpoint(hook.url);
      await insertEvents(t, merchantId, [{ objectId: 'dbt_crash' }]);
      const dying = dispatcher({ leaseMs: 60_000, timeoutMs: 30_000 });
      const lost = dying.runOnce();
      await vi.waitFor(() => expect(hook.received).toHaveLength(1), { timeout: 10_000, interval: 10 });
      // Before its lease ends, nobody else may take the delivery.
      const survivor = dispatcher({ leaseMs: 60_000 });
      expect(await survivor.runOnce()).toMatchObject({ leased: 0 });
      t.clock.advance(61_000);
      hook.behaviour = () => 200;
      expect(await survivor.runOnce()).toMatchObject({ leased: 1 });
      expect(hook.received).toHaveLength(2);
      expect(hook.received[1]!.id).toBe(hook.received[0]!.id);
      // The first dispatcher's late answer is dropped: its lease was taken over.
      hook.release(500);
      await lost;
      const [delivery] = (await t.hub.ctx.store.listWebhookDeliveries({ endpointId: id, limit: 10 })).data;
      expect(delivery).toMatchObject({ status: 'succeeded', attempt_count: 1, lease_owner: null, last_status_code: 200 });
      expect(await t.hub.ctx.store.listWebhookDeliveryAttempts([delivery!.id])).toMatchObject([{ number: 1, status_code: 200 }]);
    });

    it('410 disables the endpoint and cancels its pending deliveries; a redelivery sends the same webhook-id again', async () => {
      const hook = await receiver();
      hook.behaviour = () => 410;
      const { merchantId, id } = await endpoint(hook.url, {});
      expect((await t.call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { ordered: true } })).body).toMatchObject({ ordered: true });
      await insertEvents(t, merchantId, [{ objectId: 'dbt_gone' }, { objectId: 'dbt_gone' }]);
      await dispatcher().runOnce();
      expect(hook.received).toHaveLength(1);
      const read = await t.call('GET', `/v1/webhook-endpoints/${id}`);
      expect(read.body).toMatchObject({ enabled: false, disabled_reason: expect.stringMatching(/410/) });
      const deliveries = (await t.hub.ctx.store.listWebhookDeliveries({ endpointId: id, limit: 10 })).data;
      expect(deliveries.map((delivery) => delivery.status).sort()).toEqual(['cancelled', 'failed']);
      await dispatcher().runOnce();
      expect(hook.received).toHaveLength(1);
      // Enabled again and redelivered: the same webhook-id.
      hook.behaviour = () => 200;
      expect((await t.call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: true } })).status).toBe(200);
      const first = deliveries.find((delivery) => delivery.status === 'failed')!;
      await t.hub.ctx.store.redeliverWebhookDeliveries([first.id], t.clock.now().toISOString());
      await dispatcher().runOnce();
      expect(hook.received).toHaveLength(2);
      expect(hook.received[1]!.id).toBe(first.id);
      expect(await t.hub.ctx.store.getWebhookDelivery(first.id)).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    });
  });
}
