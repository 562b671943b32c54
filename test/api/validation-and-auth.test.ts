import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMerchant, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';

const CARD = cardNumber('621700', 42);
const mandateBody = (payer: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  payer: { account_number: CARD, account_kind: 'personal', medium: 'bank_card', ...payer },
  agreement_number: 'AGR-VALID',
  signed_at: '2026-01-01',
  ...extra,
});

/** SPEC §3 and §12: every refusal names the field and the reason; nothing is half-written. */
for (const engine of ENGINES) {
  describe(`validation and auth on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false });
      merchant = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    it.each([
      ['a card number with a bad Luhn digit', '/payer/account_number', 'invalid_check_digit', mandateBody({ account_number: `${CARD.slice(0, -1)}${(Number(CARD.slice(-1)) + 1) % 10}` })],
      ['a 15-digit ID number', '/payer/id_number', 'legacy_15_digit', mandateBody({ id_number: '110105491231002' })],
      ['an ID number with a bad check character', '/payer/id_number', 'invalid_check_digit', mandateBody({ id_number: '110105194912310021' })],
      ['a phone that is not a mainland mobile', '/payer/phone', 'invalid_prefix', mandateBody({ phone: '12345678901' })],
      ['a bank that contradicts the BIN', '/payer/bank_code', 'bank_mismatch', mandateBody({ bank_code: 'CMB' })],
      ['an unknown field', '/payer/nickname', 'unknown_field', mandateBody({ nickname: 'x' })],
      ['an unknown medium', '/payer/medium', 'invalid_value', mandateBody({ medium: 'cash' })],
      ['a fractional limit', '/limits/per_debit_max', 'invalid_type', mandateBody({}, { limits: { per_debit_max: 10.5 } })],
      ['valid_until before valid_from', '/valid_until', 'before_valid_from', mandateBody({}, { valid_from: '2026-05-01', valid_until: '2026-04-30' })],
      ['a missing agreement_number', '/agreement_number', 'invalid_type', { payer: mandateBody().payer, signed_at: '2026-01-01' }],
    ])('a mandate with %s is a 400 naming %s (%s)', async (_name, pointer, code, body) => {
      const response = await t.call('POST', '/v1/mandates', { key: merchant.key, body });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 400, title: expect.any(String), detail: expect.any(String) });
      expect(response.body.errors).toContainEqual(expect.objectContaining({ pointer, code }));
      const list = await t.call('GET', '/v1/mandates', { key: merchant.key });
      expect(list.body.data).toEqual([]);
    });

    it.each([
      ['a string amount', '/amount', { amount: '100' }],
      ['a zero amount', '/amount', { amount: 0 }],
      ['a negative amount', '/amount', { amount: -5 }],
      ['a fractional amount', '/amount', { amount: 1.5 }],
      ['an amount above the safe integers', '/amount', { amount: 2 ** 53 }],
      ['another currency', '/currency', { currency: 'USD' }],
      ['no mandate and no payer', '/mandate_id', { mandate_id: undefined }],
      ['21 metadata pairs', '/metadata', { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) }],
    ])('a debit with %s is a 400 naming %s', async (_name, pointer, patch) => {
      const body = { mandate_id: 'mdt_x', amount: 100, currency: 'CNY', reference: 'R-1', ...patch };
      const response = await t.call('POST', '/v1/debits', { key: merchant.key, body });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
      expect((await t.call('GET', '/v1/debits', { key: merchant.key })).body.data).toEqual([]);
    });

    it('a malformed JSON body is a 400 problem', async () => {
      const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: '{"amount": ' });
      expect(response.status).toBe(400);
      expect(response.body.type).toMatch(/malformed_body$/);
    });

    it('a body over 1 MiB is a 413 problem', async () => {
      const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: { reference: 'x'.repeat(1024 * 1024 + 10) } });
      expect(response.status).toBe(413);
      expect(response.body.status).toBe(413);
    });

    it('a settlement account with a bad region is a 400 naming it, and no merchant is created', async () => {
      const before = (await t.call('GET', '/v1/merchants')).body.data.length;
      const response = await t.call('POST', '/v1/merchants', { body: { ...MERCHANT_BODY, settlement_account: { ...MERCHANT_BODY.settlement_account, region_code: '990000' } } });
      expect(response.status).toBe(400);
      expect(response.body.errors).toContainEqual(expect.objectContaining({ pointer: '/settlement_account/region_code' }));
      expect((await t.call('GET', '/v1/merchants')).body.data.length).toBe(before);
    });

    it('needs a key: none is 401, a wrong one is 401, a merchant key cannot act as operator', async () => {
      const none = await fetch(`${t.hub.url}/v1/debits`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect((await t.call('GET', '/v1/debits', { key: 'dk_mer_not-a-key' })).status).toBe(401);
      expect((await t.call('POST', '/v1/merchants', { key: merchant.key, body: MERCHANT_BODY })).status).toBe(403);
      expect((await t.call('GET', '/v1/ledger/trial-balance', { key: merchant.key })).status).toBe(403);
      expect((await t.call('PUT', `/v1/sandbox/accounts/${CARD}`, { key: merchant.key, body: { balance: 1 } })).status).toBe(403);
    });

    it('an operator cannot create debits: they act for one merchant', async () => {
      const response = await t.call('POST', '/v1/debits', { body: { mandate_id: 'mdt_x', amount: 100, currency: 'CNY', reference: 'OP' } });
      expect(response.status).toBe(403);
    });

    it('keys are stored only as hashes', async () => {
      const { db } = (await import('../../src/storage/kysely-store.js')).openStore(
        t.database.databaseUrl === null ? { engine: 'sqlite', file: `${t.database.dataDir}/daikou.sqlite` } : { engine: 'postgres', url: t.database.databaseUrl },
      );
      try {
        const rows = await db.selectFrom('api_keys').selectAll().execute();
        expect(rows.length).toBeGreaterThan(0);
        expect(JSON.stringify(rows)).not.toContain(merchant.key);
        expect(JSON.stringify(rows)).not.toContain(merchant.key.slice(7, 30));
      } finally {
        await db.destroy();
      }
    });

    it('serves OpenAPI 3.1, the docs, health and metrics', async () => {
      const spec = await t.call('GET', '/openapi.json');
      expect(spec.body.openapi).toBe('3.1.0');
      expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/v1/debits', '/v1/mandates', '/v1/merchants', '/v1/ledger/trial-balance', '/v1/balances']));
      expect(spec.body.paths['/v1/debits'].post.requestBody).toBeDefined();
      expect((await fetch(`${t.hub.url}/docs/`)).status).toBe(200);
      expect((await t.call('GET', '/healthz')).body).toMatchObject({ status: 'ok', database: engine });
      const metrics = await t.call('GET', '/metrics');
      expect(metrics.body).toContain('daikou_http_requests_total');
      expect(metrics.body).toContain('daikou_debits');
    });

    it('an unknown route is a 404 problem', async () => {
      const response = await t.call('GET', '/v1/nothing-here');
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    });
  });
}
