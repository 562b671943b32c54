import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Issue 9, item 7 (the representation parts): every API timestamp is RFC 3339 at +08:00,
 * `/v1/balances` shows only balances that mean something, the margin report defaults to the
 * clock's month, mandates filter by `agreement_number` and batches by `status`.
 */

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Every string in a JSON value that is an RFC 3339 time, with its JSON pointer. */
function timestampsIn(value: unknown, pointer = ''): { pointer: string; value: string }[] {
  if (typeof value === 'string') return RFC3339.test(value) ? [{ pointer, value }] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => timestampsIn(item, `${pointer}/${index}`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => timestampsIn(item, `${pointer}/${key}`));
  return [];
}

for (const engine of ENGINES) {
  describe(`representations on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    const card = cardNumber('622202', 9_100_001);

    beforeAll(async () => {
      t = await startTestHub(engine, { scenario: 'cn-2017' });
      t.clock.set(new Date('2026-03-15T10:00:00+08:00'));
      merchant = await createMerchant(t);
      await createMandate(t, merchant.key, card, { agreement_number: 'AGR-REPR-1' });
      await createMandate(t, merchant.key, cardNumber('622202', 9_100_002), { agreement_number: 'AGR-REPR-2' });
    });
    afterAll(async () => t?.close());

    it('every timestamp the API answers with is RFC 3339 at +08:00', async () => {
      const upload = await fetch(`${t.hub.url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${merchant.key}`, 'content-type': 'text/csv' },
        body: `reference,account_number,amount\nR-1,${card},100\n`,
      });
      const batch = (await upload.json()) as { id: string };
      await eventually(async () => (await t.call('GET', `/v1/batches/${batch.id}`, { key: merchant.key })).body.status === 'completed', 15_000, 'the batch');
      const answers = await Promise.all(
        ['/v1/rules', '/v1/rules/pboc-110', '/v1/fee-plans', '/v1/fee-plans/card-repayment-2017', `/v1/batches/${batch.id}`, '/v1/batches', '/v1/mandates', `/v1/merchants/${merchant.id}`, '/healthz'].map(
          async (path) => ({ path, body: (await t.call('GET', path)).body }),
        ),
      );
      const times = answers.flatMap(({ path, body }) => timestampsIn(body).map((found) => ({ path, ...found })));
      expect(times.length).toBeGreaterThan(10);
      expect(times.filter((found) => !found.value.endsWith('+08:00'))).toEqual([]);
    });

    it('/v1/balances shows pending, available and reserved, and no fees balance that is always 0', async () => {
      const balances = await t.call('GET', '/v1/balances', { key: merchant.key });
      expect(balances.status).toBe(200);
      expect(Object.keys(balances.body).sort()).toEqual(['available', 'currency', 'merchant_id', 'object', 'pending', 'reserved']);
    });

    it('the margin report defaults to the current month of the clock (Asia/Shanghai)', async () => {
      t.clock.set(new Date('2026-02-28T23:30:00+08:00')); // 15:30 UTC: still February in Shanghai
      const report = await t.call('GET', '/v1/reports/margin');
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({ object: 'margin_report', from: '2026-02-01', to: '2026-02-28' });
      const onlyFrom = await t.call('GET', '/v1/reports/margin?from=2026-02-10');
      expect(onlyFrom.body).toMatchObject({ from: '2026-02-10', to: '2026-02-28' });
      t.clock.set(new Date('2026-03-15T10:00:00+08:00'));
    });

    it('mandates are filterable by agreement_number', async () => {
      const found = await t.call('GET', '/v1/mandates?agreement_number=AGR-REPR-2', { key: merchant.key });
      expect(found.status).toBe(200);
      expect(found.body.data.map((m: any) => m.agreement_number)).toEqual(['AGR-REPR-2']);
      const none = await t.call('GET', '/v1/mandates?agreement_number=AGR-NONE', { key: merchant.key });
      expect(none.body.data).toEqual([]);
    });

    it('batches are filterable by status', async () => {
      const completed = await t.call('GET', '/v1/batches?status=completed', { key: merchant.key });
      expect(completed.status).toBe(200);
      expect(completed.body.data.length).toBeGreaterThan(0);
      expect(completed.body.data.every((b: any) => b.status === 'completed')).toBe(true);
      const processing = await t.call('GET', '/v1/batches?status=processing', { key: merchant.key });
      expect(processing.body.data).toEqual([]);
      const bad = await t.call('GET', '/v1/batches?status=done', { key: merchant.key });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].pointer).toBe('/query/status');
    });
  });
}
