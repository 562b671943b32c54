import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { openStore } from '../../src/storage/kysely-store.js';
import { databaseConfig } from '../../src/main.js';
import { signingSecrets } from '../../src/app/webhook-endpoints.js';
import { webhookHeaders } from '../../src/webhooks/signature.js';
import { ENGINES } from '../support/engines.js';
import { createMerchant, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Webhook endpoints through the API (SPEC §16, issue 13): created with a secret shown once and
 * stored sealed, listed and read without it, changed, deleted, and their secret rotated with an
 * overlap during which both secrets sign. URLs that point inside the network are refused.
 */
for (const engine of ENGINES) {
  describe(`webhook endpoints on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let other: { id: string; key: string };

    beforeAll(async () => {
      t = await startTestHub(engine);
      t.clock.set(new Date('2026-03-02T10:00:00+08:00'));
      merchant = await createMerchant(t);
      other = await createMerchant(t, { ...MERCHANT_BODY, name: '深圳市燃气集团' });
    });
    afterAll(async () => t?.close());

    async function create(body: Record<string, unknown>, key = merchant.key) {
      return t.call('POST', '/v1/webhook-endpoints', { key, body });
    }

    it('creates an endpoint with a whsec_ secret shown once, sealed at rest, and never shown again', async () => {
      const created = await create({ url: 'https://hooks.example.com/daikou', event_types: ['debit.succeeded', 'debit.failed'], description: 'ERP' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        object: 'webhook_endpoint',
        merchant_id: merchant.id,
        url: 'https://hooks.example.com/daikou',
        event_types: ['debit.succeeded', 'debit.failed'],
        description: 'ERP',
        enabled: true,
        disabled_reason: null,
        previous_secret_expires_at: null,
      });
      expect(created.body.id).toMatch(/^we_/);
      expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      const read = await t.call('GET', `/v1/webhook-endpoints/${created.body.id}`, { key: merchant.key });
      expect(read.status).toBe(200);
      expect(read.body).not.toHaveProperty('secret');
      expect(JSON.stringify((await t.call('GET', '/v1/webhook-endpoints', { key: merchant.key })).body)).not.toContain(created.body.secret);
      // At rest: sealed, not the secret.
      const { store } = openStore(databaseConfig(t.database.dataDir, t.database.databaseUrl));
      try {
        const row = await store.getWebhookEndpoint(created.body.id);
        expect(row?.secret_ciphertext).not.toContain(created.body.secret.slice('whsec_'.length, 20));
        expect(t.hub.ctx.vault.open(row!.secret_ciphertext)).toBe(created.body.secret);
      } finally {
        await store.close();
      }
    });

    it.each([
      ['http://127.0.0.1:3000/hook', 'is a loopback address'],
      ['http://localhost/hook', 'is loopback'],
      ['http://10.0.0.8/hook', 'is a private address'],
      ['http://169.254.169.254/latest/meta-data/', 'is a link-local address'],
      ['http://[::ffff:192.168.0.1]/hook', 'is a private address'],
      ['ftp://hooks.example.com/', 'must be an http or https URL'],
      ['https://user:secret@hooks.example.com/', 'must not carry a user name or password'],
    ])('refuses the URL %s with a pointer at /url', async (url, reason) => {
      const refused = await create({ url, event_types: ['*'] });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([expect.objectContaining({ pointer: '/url', code: 'url_not_allowed', detail: expect.stringContaining(reason) })]);
    });

    it('refuses unknown event types, each with its pointer, and an empty list', async () => {
      const refused = await create({ url: 'https://hooks.example.com/x', event_types: ['debit.succeeded', 'debit.exploded', 'payout.rerouted'] });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code])).toEqual([
        ['/event_types/1', 'unknown_event_type'],
        ['/event_types/2', 'unknown_event_type'],
      ]);
      expect((await create({ url: 'https://hooks.example.com/x', event_types: [] })).body.errors[0]).toMatchObject({ pointer: '/event_types' });
    });

    it("keeps merchants apart: another merchant's endpoint is 404 to read, change, rotate or delete, and absent from its list", async () => {
      const mine = await create({ url: 'https://hooks.example.com/mine', event_types: ['*'] });
      for (const [method, path, body] of [
        ['GET', `/v1/webhook-endpoints/${mine.body.id}`, undefined],
        ['PATCH', `/v1/webhook-endpoints/${mine.body.id}`, { enabled: false }],
        ['POST', `/v1/webhook-endpoints/${mine.body.id}/rotate-secret`, {}],
        ['DELETE', `/v1/webhook-endpoints/${mine.body.id}`, undefined],
      ] as const) {
        expect((await t.call(method, path, { key: other.key, ...(body ? { body } : {}) })).status).toBe(404);
      }
      const list = await t.call('GET', '/v1/webhook-endpoints', { key: other.key });
      expect(list.body.data).toEqual([]);
      expect((await t.call('GET', `/v1/webhook-endpoints/${mine.body.id}`, { key: merchant.key })).body.enabled).toBe(true);
    });

    it('lets the operator create one for a named merchant, and requires the name', async () => {
      expect((await create({ url: 'https://hooks.example.com/op', event_types: ['*'] }, t.operatorKey)).body.errors[0]).toMatchObject({ pointer: '/merchant_id', code: 'required' });
      expect((await create({ url: 'https://hooks.example.com/op', event_types: ['*'], merchant_id: 'mer_nobody' }, t.operatorKey)).status).toBe(404);
      const created = await create({ url: 'https://hooks.example.com/op', event_types: ['*'], merchant_id: other.id }, t.operatorKey);
      expect(created.status).toBe(201);
      expect(created.body.merchant_id).toBe(other.id);
      expect((await create({ url: 'https://hooks.example.com/x', event_types: ['*'], merchant_id: other.id })).body.errors[0]).toMatchObject({ pointer: '/merchant_id', code: 'not_allowed' });
      const all = await t.call('GET', `/v1/webhook-endpoints?merchant_id=${other.id}`);
      expect(all.body.data.map((e: { id: string }) => e.id)).toContain(created.body.id);
    });

    it('changes URL, types and enabled; deletes: then 404 and gone from the list', async () => {
      const created = await create({ url: 'https://hooks.example.com/a', event_types: ['payout.failed'] });
      const changed = await t.call('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { key: merchant.key, body: { url: 'https://hooks.example.com/b', event_types: ['payout.failed', 'payout.succeeded'], enabled: false } });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ url: 'https://hooks.example.com/b', event_types: ['payout.failed', 'payout.succeeded'], enabled: false });
      const refused = await t.call('PATCH', `/v1/webhook-endpoints/${created.body.id}`, { key: merchant.key, body: { url: 'http://192.168.1.1/' } });
      expect(refused.body.errors[0]).toMatchObject({ pointer: '/url', code: 'url_not_allowed' });
      expect((await t.call('GET', `/v1/webhook-endpoints/${created.body.id}`, { key: merchant.key })).body.url).toBe('https://hooks.example.com/b');
      expect((await t.call('DELETE', `/v1/webhook-endpoints/${created.body.id}`, { key: merchant.key })).status).toBe(204);
      expect((await t.call('GET', `/v1/webhook-endpoints/${created.body.id}`, { key: merchant.key })).status).toBe(404);
      expect((await t.call('DELETE', `/v1/webhook-endpoints/${created.body.id}`, { key: merchant.key })).status).toBe(404);
      const list = await t.call('GET', '/v1/webhook-endpoints?limit=100', { key: merchant.key });
      expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(created.body.id);
    });

    it('rotates the secret: both sign during the overlap, only the new one after it, and a receiver with either verifies', async () => {
      const created = await create({ url: 'https://hooks.example.com/rotate', event_types: ['*'] });
      const first = created.body.secret as string;
      const before = t.clock.now().getTime();
      const rotated = await t.call('POST', `/v1/webhook-endpoints/${created.body.id}/rotate-secret`, { key: merchant.key, body: { previous_secret_hours: 2 } });
      const after = t.clock.now().getTime();
      expect(rotated.status).toBe(200);
      const second = rotated.body.secret as string;
      expect(second).toMatch(/^whsec_/);
      expect(second).not.toBe(first);
      // Two hours from the rotation (the test clock runs on from where it was set).
      expect(rotated.body.previous_secret_expires_at).toMatch(/^2026-03-02T12:00:\d\d\.\d{3}\+08:00$/);
      const expires = new Date(rotated.body.previous_secret_expires_at).getTime();
      expect(expires).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
      expect(expires).toBeLessThanOrEqual(after + 2 * 3_600_000);
      const endpoint = (await t.hub.ctx.store.getWebhookEndpoint(created.body.id))!;
      const secrets = signingSecrets(t.hub.ctx, endpoint);
      expect(secrets).toEqual([second, first]);
      const content = { id: 'msg_rotate', timestamp: Math.floor(t.clock.now().getTime() / 1000), body: '{"type":"debit.succeeded"}' };
      const headers = webhookHeaders(secrets, content);
      for (const secret of [first, second]) {
        const realNow = Date.now;
        Date.now = () => content.timestamp * 1000;
        try {
          expect(() => new Webhook(secret).verify(content.body, headers)).not.toThrow();
        } finally {
          Date.now = realNow;
        }
      }
      // Past the overlap only the new secret signs.
      t.clock.set(new Date(expires + 1));
      expect(signingSecrets(t.hub.ctx, endpoint)).toEqual([second]);
      // Rotating with no overlap ends the old secret at once.
      const again = await t.call('POST', `/v1/webhook-endpoints/${created.body.id}/rotate-secret`, { key: merchant.key, body: { previous_secret_hours: 0 } });
      expect(again.body.previous_secret_expires_at).toBeNull();
      expect(signingSecrets(t.hub.ctx, (await t.hub.ctx.store.getWebhookEndpoint(created.body.id))!)).toEqual([again.body.secret]);
      t.clock.set(new Date('2026-03-02T10:00:00+08:00'));
    });
  });
}
