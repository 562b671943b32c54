import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMerchant, eventually, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';
import { Receiver } from './receiver.js';

/**
 * The dispatcher is woken by the outbox's commit hook (issue 13): any event that commits, from any
 * transaction, starts a round, so none waits for the idle poll. The poll here is an hour long: an
 * event delivered at all was delivered because its commit woke the dispatcher.
 */
for (const engine of ENGINES) {
  describe(`the dispatcher woken by event commits, on ${engine}`, () => {
    let t: TestHub;
    let receiver: Receiver;
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    it('a mandate.created event and an event written in a transaction of its own are delivered without the idle poll', async () => {
      receiver = await Receiver.start();
      t = await startTestHub(engine, { runWorkers: true, webhookAllowPrivate: true, webhookDispatch: { idleMs: 3_600_000 } });
      const owner = await createMerchant(t, { ...MERCHANT_BODY, name: '唤醒测试商户' });
      expect((await t.call('POST', '/v1/webhook-endpoints', { key: owner.key, body: { url: receiver.url, event_types: ['*'] } })).status).toBe(201);

      const mandate = await t.call('POST', '/v1/mandates', { key: owner.key, body: { payer: { account_number: cardNumber('622202', 9_100), account_kind: 'personal', medium: 'bank_card' }, agreement_number: 'WAKE-1', signed_at: '2026-01-01' } });
      expect(mandate.status).toBe(201);
      await eventually(async () => receiver.received.some((r) => r.event.type === 'mandate.created' && r.event.data.object.id === mandate.body.id), 20_000, 'mandate.created delivered');

      const id = t.hub.ctx.ids.next('event');
      const at = t.clock.now().toISOString();
      await t.hub.ctx.store.transaction(async (tx) => {
        await tx.insertEvents([{ id, type: 'payout.succeeded', merchant_id: owner.id, object_type: 'payout', object_id: 'pay_wake', created_at: at, api_version: '2026-12-01', data: JSON.stringify({ object: { id: 'pay_wake' } }), fanned_out_at: null }]);
      });
      await eventually(async () => receiver.received.some((r) => r.event.id === id), 20_000, 'payout.succeeded delivered');
    }, 60_000);
  });
}
