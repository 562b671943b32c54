import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashApiKey, issueApiKey } from '../../src/app/api-keys.js';
import { API_KEY_CACHE_MS, ApiKeyCache } from '../../src/http/auth.js';
import { ENGINES } from '../support/engines.js';
import { MERCHANT_BODY, cardNumber, createMerchant, startTestHub, type TestHub } from '../support/hub.js';

/** SPEC §17: an operator issues, lists and revokes a merchant's API keys. */
for (const engine of ENGINES) {
  describe(`merchant API keys (${engine})`, () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false });
    });
    afterAll(async () => t?.close());

    it('issues another key (shown once), lists keys by prefix, revokes one: refused at once', async () => {
      const merchant = await createMerchant(t);
      const issued = await t.call('POST', `/v1/merchants/${merchant.id}/api-keys`, { body: { label: 'billing system' } });
      expect(issued.status).toBe(201);
      expect(issued.body).toEqual({
        id: expect.stringMatching(/^key_/),
        object: 'api_key',
        merchant_id: merchant.id,
        prefix: issued.body.key.slice(0, 12),
        label: 'billing system',
        created_at: expect.stringMatching(/\+08:00$/),
        revoked_at: null,
        key: expect.stringMatching(/^dk_mer_[A-Za-z0-9_-]{43}$/),
      });
      const second = issued.body.key as string;
      expect((await t.call('GET', `/v1/merchants/${merchant.id}`, { key: second })).status).toBe(200);

      const list = await t.call('GET', `/v1/merchants/${merchant.id}/api-keys`);
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ object: 'list', has_more: false });
      expect(list.body.data.map((key: { id: string }) => key.id)[0]).toBe(issued.body.id);
      expect(list.body.data).toEqual([
        { id: issued.body.id, object: 'api_key', merchant_id: merchant.id, prefix: second.slice(0, 12), label: 'billing system', created_at: expect.any(String), revoked_at: null },
        { id: expect.stringMatching(/^key_/), object: 'api_key', merchant_id: merchant.id, prefix: merchant.key.slice(0, 12), label: 'first merchant key', created_at: expect.any(String), revoked_at: null },
      ]);
      expect(JSON.stringify(list.body)).not.toContain(second);
      expect(JSON.stringify(list.body)).not.toContain(merchant.key);
      const page = await t.call('GET', `/v1/merchants/${merchant.id}/api-keys?limit=1`);
      expect(page.body).toMatchObject({ has_more: true, data: [{ id: issued.body.id }] });

      const revoked = await t.call('DELETE', `/v1/api-keys/${issued.body.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: issued.body.id, revoked_at: expect.stringMatching(/\+08:00$/) });
      expect((await t.call('GET', `/v1/merchants/${merchant.id}`, { key: second })).status).toBe(401);
      expect((await t.call('GET', `/v1/merchants/${merchant.id}`, { key: merchant.key })).status).toBe(200);
      // Revoking again changes nothing.
      expect((await t.call('DELETE', `/v1/api-keys/${issued.body.id}`)).body).toEqual(revoked.body);
    });

    it('a merchant may not call these: 403', async () => {
      const merchant = await createMerchant(t);
      const other = await createMerchant(t);
      const list = await t.call('GET', `/v1/merchants/${other.id}/api-keys`);
      for (const [method, path] of [
        ['POST', `/v1/merchants/${merchant.id}/api-keys`],
        ['GET', `/v1/merchants/${merchant.id}/api-keys`],
        ['DELETE', `/v1/api-keys/${list.body.data[0].id}`],
      ] as const) {
        const answer = await t.call(method, path, { key: merchant.key, ...(method === 'POST' ? { body: {} } : {}) });
        expect(answer.status).toBe(403);
      }
      expect((await t.call('GET', `/v1/merchants/${other.id}`, { key: other.key })).status).toBe(200);
    });

    it('unknown merchants and keys are 404; a label with a card number is refused', async () => {
      expect((await t.call('POST', '/v1/merchants/mer_unknown/api-keys', { body: {} })).status).toBe(404);
      expect((await t.call('GET', '/v1/merchants/mer_unknown/api-keys')).status).toBe(404);
      const unknown = await t.call('DELETE', '/v1/api-keys/key_unknown');
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const merchant = await createMerchant(t);
      const card = cardNumber('622202', 77);
      const refused = await t.call('POST', `/v1/merchants/${merchant.id}/api-keys`, { body: { label: `card ${card}` } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([expect.objectContaining({ pointer: '/label' })]);
      expect(JSON.stringify(refused.body)).not.toContain(card);
      expect((await t.call('POST', `/v1/merchants/${merchant.id}/api-keys`, { body: { colour: 'red' } })).status).toBe(400);
    });

    it("a merchant's last key may be revoked: it is locked out until the operator issues another", async () => {
      const merchant = await createMerchant(t, { ...MERCHANT_BODY, name: '最后一把钥匙' });
      const [only] = (await t.call('GET', `/v1/merchants/${merchant.id}/api-keys`)).body.data;
      expect((await t.call('DELETE', `/v1/api-keys/${only.id}`)).status).toBe(200);
      expect((await t.call('GET', `/v1/merchants/${merchant.id}`, { key: merchant.key })).status).toBe(401);
      const fresh = await t.call('POST', `/v1/merchants/${merchant.id}/api-keys`, { body: {} });
      expect(fresh.body.label).toBe('');
      expect((await t.call('GET', `/v1/merchants/${merchant.id}`, { key: fresh.body.key })).status).toBe(200);
    });

    it('operator keys are not merchant keys: DELETE /v1/api-keys cannot reach them', async () => {
      const operatorKey = await issueApiKey(t.hub.ctx, null, 'second operator key');
      const row = await t.hub.ctx.store.findApiKeyByHash(hashApiKey(operatorKey));
      expect((await t.call('DELETE', `/v1/api-keys/${row!.id}`)).status).toBe(404);
      expect((await t.call('GET', '/v1/merchants', { key: operatorKey })).status).toBe(200);
    });
  });
}

/**
 * A key found valid is trusted for API_KEY_CACHE_MS without its row being read again; revoked in
 * this process it is refused at once (above), revoked by another process (here: straight in the
 * store, as another hub or `daikou operator-key rotate` would) once that time has passed.
 */
for (const engine of ENGINES) {
  describe(`API key cache (${engine})`, () => {
    let t: TestHub;
    let nowMs = 0;
    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false, server: { apiKeys: new ApiKeyCache({ now: () => nowMs }) } });
    });
    afterAll(async () => t?.close());

    it('reads a valid key once, not on every request', async () => {
      const merchant = await createMerchant(t);
      const store = t.hub.ctx.store;
      const read = vi.spyOn(store, 'findApiKeyByHash');
      try {
        for (let i = 0; i < 3; i += 1) expect((await t.call('GET', `/v1/merchants/${merchant.id}`, { key: merchant.key })).status).toBe(200);
        expect(read).toHaveBeenCalledTimes(1);
      } finally {
        read.mockRestore();
      }
    });

    it('a key revoked by another process is refused once API_KEY_CACHE_MS has passed', async () => {
      const merchant = await createMerchant(t);
      expect((await t.call('GET', `/v1/merchants/${merchant.id}`, { key: merchant.key })).status).toBe(200);
      const row = await t.hub.ctx.store.findApiKeyByHash(hashApiKey(merchant.key));
      expect(await t.hub.ctx.store.revokeApiKey(row!.id, new Date().toISOString())).toBe(true);
      nowMs += API_KEY_CACHE_MS;
      expect((await t.call('GET', `/v1/merchants/${merchant.id}`, { key: merchant.key })).status).toBe(401);
    });
  });
}
