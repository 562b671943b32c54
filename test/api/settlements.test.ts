import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, MERCHANT_BODY, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Settlement T+1 through the API (SPEC §14): collect, move the test clock over a weekend day worked
 * and over National Day week, and watch `available` move on the right day — the maintenance worker
 * settles as soon as the clock moves, and POST /v1/settlements/run does it on demand.
 */
for (const engine of ENGINES) {
  describe(`settlements through the API on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let other: { id: string; key: string };
    let serial = 5000;

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
      other = await createMerchant(t, { ...MERCHANT_BODY, name: '深圳市燃气集团' });
    });
    afterAll(async () => t?.close());

    async function setClock(now: string): Promise<void> {
      expect((await t.call('POST', '/v1/sandbox/clock', { body: { now } })).status).toBe(200);
    }

    async function collect(amount: number): Promise<string> {
      serial += 1;
      const mandateId = await createMandate(t, merchant.key, cardNumber('622202', serial), { signed_at: '2024-01-01' });
      const created = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount, currency: 'CNY', reference: `INV-STL-${serial}` } });
      expect(created.status).toBe(201);
      await eventually(async () => (await t.call('GET', `/v1/debits/${created.body.id}`, { key: merchant.key })).body.status === 'succeeded', 15_000, `debit ${created.body.id} to succeed`);
      return created.body.id;
    }

    async function balances(): Promise<{ pending: number; available: number; reserved: number }> {
      const { body } = await t.call('GET', '/v1/balances', { key: merchant.key });
      return { pending: body.pending, available: body.available, reserved: body.reserved };
    }

    it('a Friday\'s debits become available on the Sunday worked before National Day, not before', async () => {
      await setClock('2024-09-27T10:00:00+08:00');
      await collect(10_000);
      // The standard plan: 0.20 % of 100 yuan is 20 fen.
      expect(await balances()).toEqual({ pending: 9_980, available: 0, reserved: 0 });

      const early = await t.call('POST', '/v1/settlements/run', { body: {} });
      expect(early.status).toBe(200);
      expect(early.body).toMatchObject({ object: 'settlement_run', today: '2024-09-27', settlements: [], has_more: false });
      expect(early.body.waiting).toEqual([expect.objectContaining({ business_date: '2024-09-27', code: 'not_yet_due', settles_on: '2024-09-29', count: 1 })]);

      await setClock('2024-09-28T23:59:00+08:00');
      expect((await t.call('POST', '/v1/settlements/run', { body: {} })).body.settlements).toEqual([]);
      expect(await balances()).toMatchObject({ pending: 9_980, available: 0 });

      // Moving the clock wakes the maintenance worker, which settles what is now due.
      await setClock('2024-09-29T00:05:00+08:00');
      await eventually(async () => (await balances()).available === 9_980, 15_000, 'the settlement of 2024-09-27');
      expect(await balances()).toEqual({ pending: 0, available: 9_980, reserved: 0 });

      const listed = await t.call('GET', '/v1/settlements', { key: merchant.key });
      expect(listed.body).toMatchObject({ object: 'list', has_more: false });
      expect(listed.body.data).toEqual([expect.objectContaining({
        object: 'settlement', merchant_id: merchant.id, business_date: '2024-09-27', sequence: 1, settles_on: '2024-09-29', status: 'settled', count: 1, amount: 9_980, currency: 'CNY',
      })]);
      expect(listed.body.data[0].id).toMatch(/^stl_/);
      expect(listed.body.data[0].created_at).toMatch(/^2024-09-29T00:0\d:.*\+08:00$/);
      // Running again moves nothing twice.
      expect((await t.call('POST', '/v1/settlements/run', { body: {} })).body.settlements).toEqual([]);
      expect(await balances()).toMatchObject({ pending: 0, available: 9_980 });
    });

    it('the last business day before National Day settles on the first day back (2024-10-08)', async () => {
      await setClock('2024-09-30T10:00:00+08:00');
      await collect(5_000);
      await setClock('2024-10-07T23:00:00+08:00');
      const holiday = await t.call('POST', '/v1/settlements/run', { body: { business_date: '2024-09-30' } });
      expect(holiday.body.settlements).toEqual([]);
      expect(holiday.body.waiting).toEqual([expect.objectContaining({ business_date: '2024-09-30', settles_on: '2024-10-08' })]);
      expect(await balances()).toMatchObject({ pending: 4_990, available: 9_980 });
      await setClock('2024-10-08T00:30:00+08:00');
      await eventually(async () => (await balances()).available === 9_980 + 4_990, 15_000, 'the settlement of 2024-09-30');
      expect((await t.call('GET', '/v1/settlements?settles_on_gte=2024-10-01&settles_on_lte=2024-10-08', { key: merchant.key })).body.data).toEqual([
        expect.objectContaining({ business_date: '2024-09-30', settles_on: '2024-10-08', amount: 4_990 }),
      ]);
      const trial = await t.call('GET', '/v1/ledger/trial-balance');
      expect(trial.body).toMatchObject({ total: 0, balanced: true });
    });

    it('a merchant sees only its own settlements; the operator filters by merchant and date', async () => {
      expect((await t.call('GET', '/v1/settlements', { key: other.key })).body.data).toEqual([]);
      expect((await t.call('GET', `/v1/settlements?merchant_id=${merchant.id}`, { key: other.key })).body.data).toEqual([]);
      const byDate = await t.call('GET', `/v1/settlements?merchant_id=${merchant.id}&business_date=2024-09-27`);
      expect(byDate.body.data.map((row: { business_date: string }) => row.business_date)).toEqual(['2024-09-27']);
      const first = await t.call('GET', `/v1/settlements?merchant_id=${merchant.id}&limit=1`);
      expect(first.body).toMatchObject({ has_more: true, data: [expect.objectContaining({ business_date: '2024-09-30' })] });
      const next = await t.call('GET', `/v1/settlements?merchant_id=${merchant.id}&limit=1&starting_after=${first.body.data[0].id}`);
      expect(next.body).toMatchObject({ has_more: false, data: [expect.objectContaining({ business_date: '2024-09-27' })] });
    });

    it.each([
      ['a merchant may not run settlement', 'merchant', {}, 403],
      ['a date that is not a date', 'operator', { business_date: '2024-02-30' }, 400],
      ['an unknown field', 'operator', { today: '2024-10-08' }, 400],
    ] as const)('%s → %i', async (_name, who, body, status) => {
      const answer = await t.call('POST', '/v1/settlements/run', { body, ...(who === 'merchant' ? { key: merchant.key } : {}) });
      expect(answer.status).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('a bad filter is refused with the field named', async () => {
      const answer = await t.call('GET', '/v1/settlements?settles_on_gte=tomorrow');
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([expect.objectContaining({ pointer: '/query/settles_on_gte' })]);
    });
  });
}
