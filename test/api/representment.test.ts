import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaintenanceWorker } from '../../src/app/maintenance-worker.js';
import { representDueFailures } from '../../src/app/representments.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Re-presentment (SPEC §9, §14) through the API, with the sandbox behind it: by hand
 * (`POST /v1/debits/{id}/represent`) and automatically (a merchant's `auto_represent`, run by the
 * maintenance worker on the test clock). Dates are Shanghai business dates around National Day
 * 2024: 09-27 a Friday, 09-29 a Sunday worked, 10-01 to 10-07 off, 10-08 the next business day.
 */
/** Mandates signed before the dates the tests set the clock to. */
const SIGNED = { signed_at: '2024-01-01' };

for (const engine of ENGINES) {
  describe(`re-presentment on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let serial = 5000;
    const nextCard = () => cardNumber('622202', (serial += 1));
    let referenceSerial = 0;
    const nextReference = () => `INV-RP-${(referenceSerial += 1)}`;

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    /** Sets the test clock to 10:00 in Shanghai on a date. */
    function on(date: string, time = '10:00'): void {
      t.clock.set(new Date(`${date}T${time}:00+08:00`));
    }

    async function final(id: string, key = merchant.key) {
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/debits/${id}`, { key });
        return ['succeeded', 'failed', 'rejected'].includes(body.status) ? body : null;
      }, 15_000, `debit ${id} to end`);
    }

    /** A debit that fails insufficient_funds on `date`: its account holds less than the amount. */
    async function failedDebit(date: string, options: { amount?: number; account?: string; mandateId?: string; key?: string } = {}) {
      on(date);
      const amount = options.amount ?? 10_000;
      const account = options.account ?? nextCard();
      const key = options.key ?? merchant.key;
      if (options.account === undefined) await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { balance: amount - 1 } });
      const mandateId = options.mandateId ?? (await createMandate(t, key, account, SIGNED));
      const created = await t.call('POST', '/v1/debits', { key, body: { mandate_id: mandateId, amount, currency: 'CNY', reference: nextReference(), description: '水费 2024-09' } });
      expect(created.status).toBe(201);
      const done = await final(created.body.id, key);
      expect(done.failure).toMatchObject({ code: 'insufficient_funds', retryable: true });
      return { debit: done, account, mandateId };
    }

    function represent(id: string, options: { key?: string; idempotencyKey?: string } = {}) {
      return t.call('POST', `/v1/debits/${id}/represent`, { key: options.key ?? merchant.key, headers: options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey } });
    }

    function expectRefused(response: { status: number; body: any; headers: Headers }, status: number, code: string): void {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      expect(response.body).toMatchObject({ status, code });
    }

    it('fails for lack of funds, is refused the same day and on the weekend, and succeeds once the payer is topped up', async () => {
      const { debit, account } = await failedDebit('2024-09-27');
      expectRefused(await represent(debit.id), 409, 'represent_too_soon');
      on('2024-09-28');
      expectRefused(await represent(debit.id), 409, 'represent_too_soon');
      await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { balance: 50_000 } });
      // 2024-09-29 is a Sunday worked for National Day: one business day after the Friday.
      on('2024-09-29');
      const again = await represent(debit.id, { idempotencyKey: 'rp-topped-up' });
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({
        status: 'pending', represents: debit.id, presentment: 1, reference: debit.reference, amount: debit.amount, mandate_id: debit.mandate_id, description: '水费 2024-09', business_date: '2024-09-29',
      });
      expect(again.body.id).not.toBe(debit.id);
      const done = await final(again.body.id);
      expect(done.status).toBe('succeeded');
      expect(done.events[0]).toMatchObject({ type: 'debit.created', data: { represents: debit.id } });
      expect((await t.call('GET', `/v1/debits/${debit.id}`, { key: merchant.key })).body).toMatchObject({ status: 'failed', presentment: 0, represents: null, represented_by: again.body.id });
      const sandbox = (await t.call('GET', `/v1/sandbox/accounts/${account}`)).body;
      expect(sandbox.balance).toBe(50_000 - debit.amount);
      expect(sandbox.received.map((entry: { end_to_end_id: string; outcome: string }) => [entry.end_to_end_id, entry.outcome]).sort()).toEqual(
        [[debit.id, 'insufficient_funds'], [again.body.id, 'succeeded']].sort(),
      );
      // The same key replays; the chain shares its reference.
      const replay = await represent(debit.id, { idempotencyKey: 'rp-topped-up' });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.id).toBe(again.body.id);
      const chain = (await t.call('GET', `/v1/debits?reference=${debit.reference}`, { key: merchant.key })).body.data;
      expect(chain.map((row: { id: string }) => row.id).sort()).toEqual([debit.id, again.body.id].sort());
      // A new debit still cannot take the reference of a chain.
      const reused = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: debit.mandate_id, amount: 100, currency: 'CNY', reference: debit.reference } });
      expectRefused(reused, 409, 'reference_already_used');
    });

    it('refuses what may not be presented again: not found, another merchant’s, not failed, not retryable, already presented', async () => {
      const other = await createMerchant(t, { name: '公益基金会', category: 'public_welfare', settlement_account: { account_number: '110100998877', bank_code: 'BOC', region_code: '110000', holder_name: '公益基金会' } });
      const { debit } = await failedDebit('2024-09-27');
      on('2024-09-30');
      expectRefused(await represent('dbt_does_not_exist'), 404, 'not_found');
      expectRefused(await represent(debit.id, { key: other.key }), 404, 'not_found');

      const pending = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: debit.mandate_id, amount: 100, currency: 'CNY', reference: nextReference() } });
      expectRefused(await represent(pending.body.id), 409, 'debit_not_failed');
      expect((await final(pending.body.id)).status).toBe('succeeded');
      expectRefused(await represent(pending.body.id), 409, 'debit_not_failed');

      const frozen = nextCard();
      await t.call('PUT', `/v1/sandbox/accounts/${frozen}`, { body: { status: 'frozen' } });
      const blocked = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: await createMandate(t, merchant.key, frozen, SIGNED), amount: 100, currency: 'CNY', reference: nextReference() } });
      expect((await final(blocked.body.id)).failure.code).toBe('account_blocked');
      on('2024-10-08');
      expectRefused(await represent(blocked.body.id), 409, 'not_retryable');

      expect((await represent(debit.id)).status).toBe(201);
      expectRefused(await represent(debit.id), 409, 'already_represented');
      // The operator key is not a merchant's: the route is for merchants.
      expect((await represent(debit.id, { key: t.operatorKey })).status).toBe(403);
    });

    it('a chain of three presentments, each a business day after the last failure, then represent_limit_reached', async () => {
      const { debit } = await failedDebit('2024-09-27');
      on('2024-09-30');
      const second = await represent(debit.id);
      expect(second.body).toMatchObject({ status: 'pending', presentment: 1, represents: debit.id });
      expect((await final(second.body.id)).failure.code).toBe('insufficient_funds');
      expectRefused(await represent(second.body.id), 409, 'represent_too_soon');
      expectRefused(await represent(debit.id), 409, 'already_represented');
      on('2024-10-08');
      const third = await represent(second.body.id);
      expect(third.body).toMatchObject({ status: 'pending', presentment: 2, represents: second.body.id, reference: debit.reference });
      expect((await final(third.body.id)).failure.code).toBe('insufficient_funds');
      on('2024-10-09');
      expectRefused(await represent(third.body.id), 409, 'represent_limit_reached');
      const chain = (await t.call('GET', `/v1/debits?reference=${debit.reference}`, { key: merchant.key })).body.data;
      expect(chain.map((row: { presentment: number }) => row.presentment).sort()).toEqual([0, 1, 2]);
    });

    it('concurrent represent requests for one failure create exactly one debit', async () => {
      const { debit } = await failedDebit('2024-09-27');
      on('2024-09-30');
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => represent(debit.id, { idempotencyKey: `rp-race-${i}` })));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      for (const r of responses.filter((r) => r.status === 409)) expect(r.body.code).toBe('already_represented');
      const chain = (await t.call('GET', `/v1/debits?reference=${debit.reference}`, { key: merchant.key })).body.data;
      expect(chain).toHaveLength(2);
    });

    it('the mandate’s monthly limit counts each presentment once it is live, and a failure gives its room back', async () => {
      const account = nextCard();
      await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { balance: 5_999 } });
      const mandateId = await createMandate(t, merchant.key, account, { ...SIGNED, limits: { monthly_max: 10_000 } });
      const { debit } = await failedDebit('2024-10-08', { amount: 6_000, account, mandateId });
      on('2024-10-09');
      const again = await represent(debit.id);
      expect(again.body.status).toBe('pending');
      // 6,000 live: 4,001 more is over the limit, 4,000 fits (the failed original counts nothing).
      const over = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 4_001, currency: 'CNY', reference: nextReference() } });
      expect(over.body).toMatchObject({ status: 'rejected', failure: { code: 'mandate_monthly_limit_exceeded' } });
      expect((await final(again.body.id)).failure.code).toBe('insufficient_funds');
      // The second failure gave its 6,000 back too: a new presentment fits again, and so would 10,000.
      // Its account now holds enough, so that the worker cannot fail it (giving its room back) while
      // the debits below are decided: the outcome does not race with the assertions.
      await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { balance: 1_000_000 } });
      on('2024-10-10');
      const third = await represent(again.body.id);
      expect(third.body.status).toBe('pending');
      const fits = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 4_000, currency: 'CNY', reference: nextReference() } });
      expect(fits.body.status).toBe('pending');
      const full = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 1, currency: 'CNY', reference: nextReference() } });
      expect(full.body).toMatchObject({ status: 'rejected', failure: { code: 'mandate_monthly_limit_exceeded' } });
    });

    it('the payer fee allowance counts a presentment once it is live, and not the failure before it', async () => {
      const plan = await t.call('POST', '/v1/fee-plans', { body: { id: 'rp-payer', side: 'payer', title: 'Re-presentment test: 150.00 yuan free a month, then 1 %', schedule: { allowance: 15_000, rate: '0.01', min: 1 } } });
      expect(plan.status).toBe(201);
      const payerPays = await createMerchant(t, { name: '某银行信用卡中心', category: 'loan_repayment', settlement_account: { account_number: '4403010077889911', bank_code: 'ICBC', region_code: '440300', holder_name: '某银行信用卡中心' }, payer_fee_plan: 'rp-payer' });
      const { debit, account, mandateId } = await failedDebit('2024-11-04', { key: payerPays.key, amount: 10_000 });
      expect(debit.payer_fee).toBe(0);
      await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { balance: 1_000_000 } });
      on('2024-11-05');
      const again = await represent(debit.id, { key: payerPays.key });
      expect(again.body).toMatchObject({ status: 'pending', payer_fee: 0, represents: debit.id });
      expect((await final(again.body.id, payerPays.key)).status).toBe('succeeded');
      const create = (amount: number) => t.call('POST', '/v1/debits', { key: payerPays.key, body: { mandate_id: mandateId, amount, currency: 'CNY', reference: nextReference() } });
      // 10,000 used by the presentment alone: 5,000 more is still free (had the failure counted too, 50), then 1 %.
      expect((await create(5_000)).body).toMatchObject({ status: 'pending', payer_fee: 0 });
      expect((await create(1_000)).body).toMatchObject({ status: 'pending', payer_fee: 10 });
    });

    it('a presentment the mandate refuses is stored rejected and does not hold the failure', async () => {
      const { debit, mandateId } = await failedDebit('2024-09-27');
      await t.call('POST', `/v1/mandates/${mandateId}/revoke`, { key: merchant.key });
      on('2024-09-30');
      const refused = await represent(debit.id);
      expect(refused.status).toBe(201);
      expect(refused.body).toMatchObject({ status: 'rejected', failure: { code: 'mandate_revoked' }, represents: debit.id, presentment: 1 });
      expect((await t.call('GET', `/v1/debits/${debit.id}`, { key: merchant.key })).body.represented_by).toBeNull();
    });

    it('auto_represent presents due failures on the business calendar, once, even with two workers at once', async () => {
      const auto = await createMerchant(t, { name: '深圳燃气', category: 'utility', settlement_account: { account_number: '4403010012345678902', bank_code: 'ICBC', region_code: '440300', holder_name: '深圳燃气' } });
      const patched = await t.call('PATCH', `/v1/merchants/${auto.id}`, { body: { auto_represent: { max: 2, after_business_days: 2 } } });
      expect(patched.status).toBe(200);
      expect(patched.body.auto_represent).toEqual({ max: 2, after_business_days: 2 });
      expect((await t.call('GET', `/v1/merchants/${merchant.id}`)).body.auto_represent).toEqual({ max: 0, after_business_days: 1 });
      const rounds = [new MaintenanceWorker(t.hub.ctx, { autoRepresent: () => representDueFailures(t.hub.ctx) }), new MaintenanceWorker(t.hub.ctx, { autoRepresent: () => representDueFailures(t.hub.ctx) })];
      const presentmentsOf = async (reference: string) => (await t.call('GET', `/v1/debits?reference=${reference}`, { key: auto.key })).body.data as { id: string; presentment: number; status: string; represents: string | null }[];

      // Failed on Friday 09-27: two business days later is Monday 09-30 (Sunday 09-29 was worked, so it counts as one).
      const { debit } = await failedDebit('2024-09-27', { key: auto.key });
      // The other merchant (auto_represent off) has a failure of its own that must stay as it is.
      const manual = await failedDebit('2024-09-27');
      on('2024-09-29', '23:00');
      expect((await rounds[0]!.runOnce()).debitsRepresented).toBe(0);
      on('2024-09-30', '01:00');
      const both = await Promise.all(rounds.map((round) => round.runOnce()));
      expect(both.map((round) => round.debitsRepresented).sort()).toEqual([0, 1]);
      let chain = await presentmentsOf(debit.reference);
      expect(chain).toHaveLength(2);
      const second = chain.find((row) => row.presentment === 1)!;
      expect(second.represents).toBe(debit.id);
      expect((await t.call('GET', `/v1/debits?reference=${manual.debit.reference}`, { key: merchant.key })).body.data).toHaveLength(1);
      expect((await rounds[1]!.runOnce()).debitsRepresented).toBe(0);

      // It fails again on Monday 09-30; two business days later is 10-09 (National Day week off).
      expect((await final(second.id, auto.key)).failure.code).toBe('insufficient_funds');
      on('2024-10-08', '12:00');
      expect((await rounds[0]!.runOnce()).debitsRepresented).toBe(0);
      on('2024-10-09', '09:00');
      expect((await rounds[0]!.runOnce()).debitsRepresented).toBe(1);
      chain = await presentmentsOf(debit.reference);
      const third = chain.find((row) => row.presentment === 2)!;
      expect(third.represents).toBe(second.id);
      expect((await final(third.id, auto.key)).failure.code).toBe('insufficient_funds');

      // Its max is reached: nothing more, whatever the date.
      on('2024-10-21');
      expect((await rounds[0]!.runOnce()).debitsRepresented).toBe(0);
      expect(await presentmentsOf(debit.reference)).toHaveLength(3);
    });
  });
}
