import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
    });
  });
}
