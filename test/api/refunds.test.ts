import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { fundAvailable } from '../support/funding.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Refunds (SPEC §14, issue 11 item 4) through the API with the workers running: a refund of a
 * succeeded debit is a payout of kind `refund` to the mandate's account; it draws on `pending`
 * (the debit's net, while unsettled), then `available`; refunds never sum above the debit, even
 * when concurrent; settlement before, after or racing a refund leaves the balances exact.
 * The standard plan charges 0.20 %: a debit of 10,000 fen nets 9,980.
 */
for (const engine of ENGINES) {
  describe(`refunds on ${engine}`, () => {
    let t: TestHub;
    let serial = 9000;
    // Each test moves the clock forward to a day of its own (2024-09-23 is a Monday).
    let day = 0;
    const DAYS = ['2024-09-23', '2024-09-24', '2024-09-25', '2024-09-26', '2024-09-27', '2024-09-29', '2024-10-08', '2024-10-09', '2024-10-10', '2024-10-11', '2024-10-12', '2024-10-14', '2024-10-15'];

    beforeAll(async () => {
      t = await startTestHub(engine);
    });
    afterAll(async () => t?.close());

    async function setClock(now: string): Promise<void> {
      expect((await t.call('POST', '/v1/sandbox/clock', { body: { now } })).status).toBe(200);
    }

    /** A fresh merchant and a business day of its own; returns the day after (its settlement day). */
    async function newDay(): Promise<{ merchant: { id: string; key: string }; date: string; next: string }> {
      const date = DAYS[day]!;
      const next = DAYS[day + 1]!;
      day += 2;
      await setClock(`${date}T10:00:00+08:00`);
      return { merchant: await createMerchant(t), date, next };
    }

    async function collect(key: string, amount = 10_000): Promise<{ id: string; account: string }> {
      serial += 1;
      const account = cardNumber('622202', serial);
      const mandateId = await createMandate(t, key, account, { signed_at: '2024-01-01' });
      const created = await t.call('POST', '/v1/debits', { key, body: { mandate_id: mandateId, amount, currency: 'CNY', reference: `INV-RF-${serial}` } });
      expect(created.status).toBe(201);
      await eventually(async () => (await t.call('GET', `/v1/debits/${created.body.id}`, { key })).body.status === 'succeeded', 15_000, `debit ${created.body.id} to succeed`);
      return { id: created.body.id, account };
    }

    const refund = (key: string, debitId: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) => t.call('POST', `/v1/debits/${debitId}/refunds`, { key, body, headers });

    async function balances(key: string): Promise<{ pending: number; available: number; reserved: number }> {
      const { body } = await t.call('GET', '/v1/balances', { key });
      return { pending: body.pending, available: body.available, reserved: body.reserved };
    }

    async function settled(key: string, id: string): Promise<Record<string, unknown> & { status: string }> {
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/payouts/${id}`, { key });
        return ['succeeded', 'failed'].includes(body.status) ? body : null;
      }, 20_000, `refund ${id} to end`);
    }

    async function trialBalanceIsZero(): Promise<void> {
      expect((await t.call('GET', '/v1/ledger/trial-balance')).body).toMatchObject({ total: 0, balanced: true, mismatched: [] });
    }

    it('a refund before settlement draws on pending, the payer is credited, and the settlement moves only the rest', async () => {
      const { merchant, next } = await newDay();
      const debit = await collect(merchant.key);
      expect(await balances(merchant.key)).toEqual({ pending: 9_980, available: 0, reserved: 0 });
      const created = await refund(merchant.key, debit.id, { amount: 4_000, reason: '商品退货' }, { 'idempotency-key': `rf-${debit.id}` });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ object: 'payout', kind: 'refund', debit_id: debit.id, amount: 4_000, fee: 0, amount_reserved: 4_000, amount_from_pending: 4_000, description: '商品退货', failure: null });
      expect(['pending', 'submitted', 'succeeded']).toContain(created.body.status);
      expect(JSON.stringify(created.body)).not.toContain(debit.account);
      const replay = await refund(merchant.key, debit.id, { amount: 4_000, reason: '商品退货' }, { 'idempotency-key': `rf-${debit.id}` });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(created.body);
      expect((await balances(merchant.key)).pending).toBe(5_980);

      const done = await settled(merchant.key, created.body.id as string);
      expect(done.status).toBe('succeeded');
      expect((done.events as { type: string }[]).map((event) => event.type)).toEqual(['refund.created', 'refund.submitted', 'refund.succeeded']);
      const sandbox = (await t.call('GET', `/v1/sandbox/accounts/${debit.account}`)).body;
      expect(sandbox.received).toEqual(expect.arrayContaining([expect.objectContaining({ end_to_end_id: created.body.id, amount: 4_000, outcome: 'succeeded', direction: 'credit' })]));
      expect(await balances(merchant.key)).toEqual({ pending: 5_980, available: 0, reserved: 0 });
      expect((await t.call('GET', `/v1/debits/${debit.id}`, { key: merchant.key })).body.refunded_amount).toBe(4_000);

      await setClock(`${next}T00:05:00+08:00`);
      await eventually(async () => (await balances(merchant.key)).available === 5_980, 15_000, 'the settlement');
      expect(await balances(merchant.key)).toEqual({ pending: 0, available: 5_980, reserved: 0 });
      const settlements = (await t.call('GET', '/v1/settlements', { key: merchant.key })).body.data;
      expect(settlements).toEqual([expect.objectContaining({ count: 1, amount: 5_980 })]);

      const listed = await t.call('GET', `/v1/debits/${debit.id}/refunds`, { key: merchant.key });
      expect(listed.body).toMatchObject({ object: 'list', has_more: false });
      expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
      const byKind = await t.call('GET', '/v1/payouts?kind=refund', { key: merchant.key });
      expect(byKind.body.data.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
      expect((await t.call('GET', '/v1/payouts?kind=payout', { key: merchant.key })).body.data).toEqual([]);
      await trialBalanceIsZero();
    });

    it('a refund after settlement draws on available; one available cannot cover is rejected and holds nothing', async () => {
      const { merchant, next } = await newDay();
      const debit = await collect(merchant.key);
      await setClock(`${next}T00:05:00+08:00`);
      await eventually(async () => (await balances(merchant.key)).available === 9_980, 15_000, 'the settlement');
      // The whole amount: 20 fen more than the debit's net, which is all there is.
      const short = await refund(merchant.key, debit.id);
      expect(short.status).toBe(201);
      expect(short.body).toMatchObject({ kind: 'refund', status: 'rejected', amount: 10_000, amount_reserved: 0, failure: { code: 'insufficient_balance' } });
      expect((short.body.events as { type: string }[]).map((event) => event.type)).toEqual(['refund.rejected']);
      expect(await balances(merchant.key)).toEqual({ pending: 0, available: 9_980, reserved: 0 });
      expect((await t.call('GET', `/v1/debits/${debit.id}`, { key: merchant.key })).body.refunded_amount).toBe(0);

      await fundAvailable(t, merchant.id, 20, `fund-${merchant.id}`);
      const whole = await refund(merchant.key, debit.id);
      expect(whole.body).toMatchObject({ amount: 10_000, amount_from_pending: 0, failure: null });
      expect((await balances(merchant.key)).available).toBe(0);
      expect((await settled(merchant.key, whole.body.id as string)).status).toBe('succeeded');
      expect(await balances(merchant.key)).toEqual({ pending: 0, available: 0, reserved: 0 });
      const again = await refund(merchant.key, debit.id, { amount: 1 });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'refund_exceeds_debit', errors: [expect.objectContaining({ pointer: '/amount' })] });
      await trialBalanceIsZero();
    });

    it('a whole refund of an unsettled debit takes its net from pending and the fee from available; its settlement moves nothing', async () => {
      const { merchant, next } = await newDay();
      const debit = await collect(merchant.key);
      await fundAvailable(t, merchant.id, 20, `fund-${merchant.id}`);
      const whole = await refund(merchant.key, debit.id);
      expect(whole.body).toMatchObject({ amount: 10_000, amount_from_pending: 9_980, failure: null });
      expect(await balances(merchant.key)).toMatchObject({ pending: 0, available: 0 });
      await setClock(`${next}T00:05:00+08:00`);
      const run = await t.call('POST', '/v1/settlements/run', { body: {} });
      expect(run.status).toBe(200);
      await eventually(async () => (await t.call('GET', '/v1/settlements', { key: merchant.key })).body.data.length === 1, 15_000, 'the settlement row');
      expect((await t.call('GET', '/v1/settlements', { key: merchant.key })).body.data).toEqual([expect.objectContaining({ count: 1, amount: 0 })]);
      expect(await balances(merchant.key)).toMatchObject({ pending: 0, available: 0 });
      await trialBalanceIsZero();
    });

    it('12 concurrent refunds of 1,500 against a debit of 10,000: exactly 6 are accepted, the rest refused', async () => {
      const { merchant } = await newDay();
      const debit = await collect(merchant.key);
      const results = await Promise.all(Array.from({ length: 12 }, (_, index) => refund(merchant.key, debit.id, { amount: 1_500 }, { 'idempotency-key': `race-${debit.id}-${index}` })));
      const accepted = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status === 409);
      expect(accepted).toHaveLength(6);
      expect(refused).toHaveLength(6);
      expect(new Set(accepted.map((r) => r.body.failure))).toEqual(new Set([null]));
      expect(new Set(refused.map((r) => r.body.code))).toEqual(new Set(['refund_exceeds_debit']));
      expect((await t.call('GET', `/v1/debits/${debit.id}`, { key: merchant.key })).body.refunded_amount).toBe(9_000);
      expect((await balances(merchant.key)).pending).toBe(9_980 - 9_000);
      await Promise.all(accepted.map((r) => settled(merchant.key, r.body.id as string)));
      expect(await balances(merchant.key)).toEqual({ pending: 980, available: 0, reserved: 0 });
      await trialBalanceIsZero();
    });

    it('settlement racing refunds: whichever goes first, pending ends at 0 and available at the nets less the refunds', async () => {
      const { merchant, next } = await newDay();
      const debits = [await collect(merchant.key), await collect(merchant.key), await collect(merchant.key)];
      // The clock moves first, without waking anyone before the race: the maintenance worker
      // wakes on it too, so the runs race with the refunds from both sides.
      await setClock(`${next}T00:05:00+08:00`);
      const results = await Promise.all([
        ...debits.map((debit) => refund(merchant.key, debit.id, { amount: 3_000 })),
        t.call('POST', '/v1/settlements/run', { body: {} }),
        t.call('POST', '/v1/settlements/run', { body: {} }),
      ]);
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 200, 200]);
      await eventually(async () => (await balances(merchant.key)).pending === 0, 15_000, 'every debit settled');
      await Promise.all(results.slice(0, 3).map((r) => settled(merchant.key, r.body.id as string)));
      expect(await balances(merchant.key)).toEqual({ pending: 0, available: 3 * (9_980 - 3_000), reserved: 0 });
      const moved = (await t.call('GET', '/v1/settlements', { key: merchant.key })).body.data.reduce((sum: number, row: { amount: number }) => sum + row.amount, 0);
      const fromPending = results.slice(0, 3).reduce((sum, r) => sum + (r.body.amount_from_pending as number), 0);
      // What the refunds took from pending is what the settlements did not move.
      expect(moved).toBe(3 * 9_980 - fromPending);
      await trialBalanceIsZero();
    });

    it('a refund the channel fails gives back its money to pending and its amount to the debit', async () => {
      const { merchant } = await newDay();
      const debit = await collect(merchant.key);
      expect((await t.call('PUT', `/v1/sandbox/accounts/${debit.account}`, { body: { status: 'frozen' } })).status).toBe(200);
      const created = await refund(merchant.key, debit.id, { amount: 5_000 });
      expect(created.body).toMatchObject({ status: 'pending', amount_from_pending: 5_000 });
      const done = await settled(merchant.key, created.body.id as string);
      expect(done).toMatchObject({ status: 'failed', failure: { code: 'account_blocked' } });
      expect((done.events as { type: string }[]).map((event) => event.type)).toEqual(['refund.created', 'refund.submitted', 'refund.failed']);
      expect(await balances(merchant.key)).toEqual({ pending: 9_980, available: 0, reserved: 0 });
      expect((await t.call('GET', `/v1/debits/${debit.id}`, { key: merchant.key })).body.refunded_amount).toBe(0);
      await trialBalanceIsZero();
      // The whole amount can be refunded again once the account is open.
      expect((await t.call('PUT', `/v1/sandbox/accounts/${debit.account}`, { body: { status: 'open' } })).status).toBe(200);
      expect((await refund(merchant.key, debit.id, { amount: 9_980 })).body).toMatchObject({ status: 'pending', amount_from_pending: 9_980 });
    });

    it('refuses a debit that did not succeed (409), a card number in the reason (400) and another merchant\'s debit (404)', async () => {
      const { merchant } = await newDay();
      serial += 1;
      const account = cardNumber('622202', serial);
      expect((await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { balance: 0 } })).status).toBe(200);
      const mandateId = await createMandate(t, merchant.key, account, { signed_at: '2024-01-01' });
      const created = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 10_000, currency: 'CNY', reference: `INV-RF-FAIL-${serial}` } });
      await eventually(async () => (await t.call('GET', `/v1/debits/${created.body.id}`, { key: merchant.key })).body.status === 'failed', 15_000, 'the debit to fail');
      const refused = await refund(merchant.key, created.body.id as string);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'debit_not_refundable' });
      const succeeded = await collect(merchant.key);
      const card = await refund(merchant.key, succeeded.id, { reason: `退款到 ${succeeded.account}` });
      expect(card.status).toBe(400);
      expect(card.body.errors).toEqual([expect.objectContaining({ pointer: '/reason', code: 'personal_data_in_free_text' })]);
      expect(JSON.stringify(card.body)).not.toContain(succeeded.account);
      const other = await createMerchant(t);
      expect((await refund(other.key, succeeded.id)).status).toBe(404);
      expect((await t.call('GET', `/v1/debits/${succeeded.id}/refunds`, { key: other.key })).status).toBe(404);
    });
  });
}
