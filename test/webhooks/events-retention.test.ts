import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_RETENTION_MS } from '../../src/app/events.js';
import { MaintenanceWorker } from '../../src/app/maintenance-worker.js';
import { WebhookDispatcher } from '../../src/app/webhook-dispatcher.js';
import { ENGINES } from '../support/engines.js';
import { createMerchant, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';
import { insertEvents, Receiver } from './receiver.js';

/**
 * Events retention (issue 13, docs/events.md): the maintenance worker deletes events older than
 * the window (30 days), in bounded chunks, with their deliveries and delivery attempts; an event
 * one of whose deliveries is still pending (a redelivery under way) is kept. Driven by the test
 * clock, rounds by hand.
 */
for (const engine of ENGINES) {
  describe(`events retention, on ${engine}`, () => {
    let t: TestHub;
    let receiver: Receiver;
    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false, webhookAllowPrivate: true });
      t.clock.set(new Date('2026-03-02T10:00:00+08:00'));
      receiver = await Receiver.start();
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    it('deletes events past the window with their deliveries and attempts, chunk by chunk, and keeps the rest', async () => {
      expect(EVENTS_RETENTION_MS).toBe(30 * 24 * 3_600_000);
      const owner = await createMerchant(t, { ...MERCHANT_BODY, name: '保留期商户' });
      const endpoint = await t.call('POST', '/v1/webhook-endpoints', { key: owner.key, body: { url: receiver.url, event_types: ['*'] } });
      const dispatcher = new WebhookDispatcher(t.hub.ctx, { random: () => 0.5 });
      const old = await insertEvents(t, owner.id, [{ objectId: 'dbt_r1' }, { objectId: 'dbt_r2' }, { objectId: 'dbt_r3' }, { objectId: 'dbt_r4' }, { objectId: 'dbt_r5' }]);
      await dispatcher.runOnce();
      t.clock.advance(EVENTS_RETENTION_MS - 3_600_000);
      const recent = await insertEvents(t, owner.id, [{ objectId: 'dbt_r6' }]);
      await dispatcher.runOnce();
      const deliveries = (await t.hub.ctx.store.listWebhookDeliveries({ endpointId: endpoint.body.id, limit: 100 })).data;
      expect(deliveries).toHaveLength(6);
      t.clock.advance(2 * 3_600_000);
      // The last old event is being redelivered: it stays while that delivery is pending.
      const redelivered = deliveries.find((delivery) => delivery.event_id === old[4]!.id)!;
      await t.hub.ctx.store.redeliverWebhookDeliveries([redelivered.id], t.clock.now().toISOString());

      const round = await new MaintenanceWorker(t.hub.ctx, { chunkRows: 2 }).runOnce();
      expect(round.eventsDeleted).toBe(4);
      for (const event of old.slice(0, 4)) expect(await t.hub.ctx.store.getEvent(event.id)).toBeNull();
      for (const event of [old[4]!, recent[0]!]) expect(await t.hub.ctx.store.getEvent(event.id)).toMatchObject({ id: event.id });
      const left = (await t.hub.ctx.store.listWebhookDeliveries({ endpointId: endpoint.body.id, limit: 100 })).data;
      expect(left.map((delivery) => delivery.event_id).sort()).toEqual([old[4]!.id, recent[0]!.id].sort());
      const gone = deliveries.filter((delivery) => !left.some((kept) => kept.id === delivery.id)).map((delivery) => delivery.id);
      expect(await t.hub.ctx.store.listWebhookDeliveryAttempts(gone)).toEqual([]);
      expect(await t.hub.ctx.store.listWebhookDeliveryAttempts(left.map((delivery) => delivery.id))).toHaveLength(2);
      expect((await new MaintenanceWorker(t.hub.ctx, { chunkRows: 2 }).runOnce()).eventsDeleted).toBe(0);
    });
  });
}
