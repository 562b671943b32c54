import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { cardNumber, eventually } from '../support/hub.js';
import { call, launch, OPERATOR_KEY } from '../support/processes.js';
import { Receiver, verifyAt } from '../webhooks/receiver.js';

/**
 * Issue 13's crash test: a hub process delivering webhooks to a receiver in this process is killed
 * with SIGKILL while deliveries are on the wire (the receiver holds their answers), then restarted
 * on the same database. Every event made before the kill reaches the receiver at least once, each
 * event keeps one `webhook-id` across the resend (receivers deduplicate on it), every request
 * verifies with the `standardwebhooks` package, and no event is lost.
 */
for (const engine of ENGINES) {
  describe(`SIGKILL with webhooks on the wire, on ${engine}`, () => {
    const running: ChildProcess[] = [];
    let database: TestDatabase;
    let receiver: Receiver;
    afterAll(async () => {
      for (const child of running) child.kill('SIGKILL');
      await receiver?.close();
      await database?.drop();
    });

    it('every event is delivered at least once after a restart, under the webhook-id it had, and verifies', async () => {
      database = await freshDatabase(engine);
      receiver = await Receiver.start();
      const env = {
        DAIKOU_OPERATOR_KEY: OPERATOR_KEY,
        DAIKOU_WEBHOOK_ALLOW_PRIVATE: '1',
        ...(database.databaseUrl === null ? {} : { DAIKOU_DATABASE_URL: database.databaseUrl }),
      };
      const startHub = async () => {
        const hub = await launch(['start', '--port', '0', '--data', `${database.dataDir}/hub`], env, /daikou is running at (http:\/\/\S+)/);
        running.push(hub.child);
        return hub;
      };
      let hub = await startHub();

      const merchant = await call(hub.url, 'POST', '/v1/merchants', {
        name: '自来水公司',
        category: 'utility',
        settlement_account: { account_number: '440301000111222333', bank_code: 'ICBC', region_code: '440300', holder_name: '自来水公司' },
      });
      const key: string = merchant.body.api_key;
      const endpoint = await call(hub.url, 'POST', '/v1/webhook-endpoints', { url: receiver.url, event_types: ['*'] }, key);
      expect(endpoint.status).toBe(201);
      const secret: string = endpoint.body.secret;

      // The first ten requests are answered; every later one is held open, so that deliveries are on the wire at the kill.
      receiver.behaviour = () => (receiver.received.length < 10 ? 204 : 'hang');
      const mandates = 30;
      for (let i = 0; i < mandates; i += 1) {
        const created = await call(hub.url, 'POST', '/v1/mandates', { payer: { account_number: cardNumber('622202', 6_000 + i), account_kind: 'personal', medium: 'bank_card' }, agreement_number: `WH-${i}`, signed_at: '2026-01-01' }, key);
        expect(created.status).toBe(201);
      }
      const before = await call(hub.url, 'GET', '/v1/events?limit=100', undefined, key);
      const eventIds: string[] = before.body.data.map((event: { id: string }) => event.id);
      expect(eventIds).toHaveLength(mandates);

      await eventually(async () => receiver.heldCount >= 4, 20_000, 'deliveries held on the wire');
      hub.child.kill('SIGKILL');
      await new Promise((resolve) => hub.child.once('exit', resolve));
      const heldAtKill = receiver.received.filter((request) => request.answer === 'hang');
      const receivedBeforeKill = receiver.received.length;
      expect(heldAtKill.length).toBeGreaterThanOrEqual(4);
      receiver.behaviour = () => 204;

      hub = await startHub();
      // The dead dispatcher's leases run out on the clock; the test clock crosses them instead of waiting.
      const advanced = await call(hub.url, 'POST', '/v1/sandbox/clock', { advance: 'PT2M' });
      expect(advanced.status).toBe(200);

      const answered = () => new Set(receiver.received.filter((request) => request.answer === 204).map((request) => request.event.id));
      await eventually(async () => eventIds.every((id) => answered().has(id)), 60_000, 'every event answered 2xx');
      await eventually(async () => {
        const pending = await call(hub.url, 'GET', `/v1/webhook-endpoints/${endpoint.body.id}/deliveries?status=pending&limit=100`, undefined, key);
        return pending.body.data.length === 0;
      }, 30_000, 'no delivery left pending');

      // Nothing lost, nothing foreign: the receiver got exactly the events the hub made.
      expect([...answered()].sort()).toEqual([...eventIds].sort());
      // One webhook-id per event, the same before and after the kill.
      const idsByEvent = new Map<string, Set<string>>();
      for (const request of receiver.received) idsByEvent.set(request.event.id, (idsByEvent.get(request.event.id) ?? new Set()).add(request.id));
      for (const id of eventIds) expect(idsByEvent.get(id)?.size, `${id} has one webhook-id`).toBe(1);
      // Each delivery held at the kill was sent again after the restart, under the same webhook-id.
      const after = receiver.received.slice(receivedBeforeKill);
      for (const held of heldAtKill) expect(after.some((request) => request.id === held.id && request.event.id === held.event.id && request.answer === 204), `${held.id} resent`).toBe(true);
      // Every request, before and after, verifies as a merchant would verify it (the clock was advanced 2 minutes).
      for (const request of receiver.received) expect(verifyAt(secret, request, Date.parse(advanced.body.now))).toMatchObject({ id: request.event.id });
      const deliveries = await call(hub.url, 'GET', `/v1/webhook-endpoints/${endpoint.body.id}/deliveries?status=succeeded&limit=100`, undefined, key);
      expect(deliveries.body.data).toHaveLength(mandates);
    }, 180_000);
  });
}
