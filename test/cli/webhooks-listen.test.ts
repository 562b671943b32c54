import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENTS_API_VERSION } from '../../src/app/events.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, startTestHub, type TestHub } from '../support/hub.js';
import { Receiver, verifyAt } from '../webhooks/receiver.js';

/**
 * `daikou webhooks listen` against a real hub (issue 13): it prints a whsec_ secret, then forwards
 * each new event of the merchant to the local URL, signed so that standardwebhooks verifies it with
 * that secret, and prints one line per event with the receiver's status.
 */
for (const engine of ENGINES) {
  describe(`daikou webhooks listen on ${engine}`, () => {
    let t: TestHub;
    let hook: Receiver;
    let listener: ChildProcess | undefined;

    beforeAll(async () => {
      t = await startTestHub(engine);
      hook = await Receiver.start();
    });
    afterAll(async () => {
      listener?.kill('SIGTERM');
      await hook?.close();
      await t?.close();
    });

    it('forwards each new event, signed with the secret it printed, and prints the receiver’s status', { timeout: 90_000 }, async () => {
      const merchant = await createMerchant(t);
      // An event from before it starts is not forwarded.
      const before = await createMandate(t, merchant.key, cardNumber('622202', 1));
      listener = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'webhooks', 'listen', '--forward-to', hook.url, '--hub', t.hub.url, '--api-key', merchant.key, '--interval', '50'], { env: { ...process.env, DAIKOU_DATABASE_URL: '' } });
      let stdout = '';
      listener.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      await vi.waitFor(() => expect(stdout).toMatch(/Signing secret: whsec_\S+\n/), { timeout: 30_000, interval: 50 });
      const secret = /Signing secret: (whsec_\S+)\n/.exec(stdout)![1]!;
      const mandate = await createMandate(t, merchant.key, cardNumber('622202', 2));
      await vi.waitFor(() => expect(hook.received.map((r) => r.event.type)).toContain('mandate.created'), { timeout: 30_000, interval: 50 });
      const received = hook.received.find((r) => r.event.type === 'mandate.created')!;
      expect(received.event.data.object.id).toBe(mandate);
      expect(hook.received.some((r) => r.event.data.object.id === before)).toBe(false);
      expect(verifyAt(secret, received, Date.now())).toMatchObject({ id: received.event.id, type: 'mandate.created' });
      await vi.waitFor(() => expect(stdout).toContain(`${received.event.id}  mandate.created  → 200`), { timeout: 10_000, interval: 50 });

      // An event whose transaction took its id and time before the last one forwarded, but
      // committed after the listener had read past it (a long transaction, or a slower one of
      // concurrent ones): it is forwarded all the same, once.
      const lateId = t.hub.ctx.ids.next('event');
      const lateAt = t.clock.now().toISOString();
      await createMandate(t, merchant.key, cardNumber('622202', 3));
      await vi.waitFor(() => expect(hook.received.filter((r) => r.event.type === 'mandate.created')).toHaveLength(2), { timeout: 30_000, interval: 50 });
      await t.hub.ctx.store.transaction((tx) =>
        tx.insertEvents([{ id: lateId, type: 'mandate.revoked', merchant_id: merchant.id, object_type: 'mandate', object_id: mandate, created_at: lateAt, api_version: EVENTS_API_VERSION, data: JSON.stringify(received.event.data), fanned_out_at: null }]),
      );
      await vi.waitFor(() => expect(hook.received.map((r) => r.event.id)).toContain(lateId), { timeout: 30_000, interval: 50 });
      const mandateCreated = await createMandate(t, merchant.key, cardNumber('622202', 4));
      await vi.waitFor(() => expect(hook.received.some((r) => r.event.data.object.id === mandateCreated)).toBe(true), { timeout: 30_000, interval: 50 });
      const ids = hook.received.map((r) => r.event.id);
      expect(ids.length).toBe(new Set(ids).size);
    });
  });
}
