import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettableClock } from '../../src/core/index.js';
import { idCheckCharacter } from '../../src/core/payers/index.js';
import { createLogger } from '../../src/logger.js';
import { startHub, type RunningHub } from '../../src/main.js';
import { ENGINES } from '../support/engines.js';
import { FAST_WORKERS, LogCapture, cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * SPEC §7 and §8 through the API under `--scenario cn-2017`: the payer plan `card-repayment-2017`
 * (5,000.00 yuan a month free per payer identity across merchants, then 0.1 %, at least 0.10 yuan),
 * walked with the test clock; failed debits give their room back; fees land in the ledger and the
 * margin report adds up to the platform accounts; the fee plan API versions plans and refuses
 * plans of the wrong side.
 */

const idNumber = (body: string) => `${body}${idCheckCharacter(body)}`;
/** Three payer identities. */
const ID_1 = idNumber('44030119900307123');
const ID_2 = idNumber('11010519491231002');
const ID_3 = idNumber('31011519850615002');

const LENDER = {
  name: '某银行信用卡中心',
  category: 'loan_repayment',
  settlement_account: { account_number: '4403010077889900', bank_code: 'ICBC', region_code: '440300', holder_name: '某银行信用卡中心' },
  payer_fee_plan: 'card-repayment-2017',
};
const INSURER = {
  name: '某保险公司',
  category: 'insurance',
  settlement_account: { account_number: '4403010066554433', bank_code: 'ICBC', region_code: '440300', holder_name: '某保险公司' },
};

/** What every sandbox account used here holds at the start, in fen. */
const INITIAL_BALANCE = 100_000_000;

interface Tracked {
  id: string;
  key: string;
  account: string;
}

for (const engine of ENGINES) {
  describe(`fees on ${engine} (cn-2017)`, () => {
    let t: TestHub;
    let lender: { id: string; key: string };
    let insurer: { id: string; key: string };
    let serial = 0;
    /** Every debit created, to check the ledger against at the end. */
    const created: Tracked[] = [];
    /** The November debit, outside the margin window of December and January. */
    let november: any;

    const cards = {
      one: cardNumber('622202', 7_200_001), // ID_1, lender
      two: cardNumber('622202', 7_200_002), // ID_2, lender (the failing one)
      threeA: cardNumber('622202', 7_200_003), // ID_3, lender
      threeB: cardNumber('621700', 7_200_004), // ID_3, insurer, a CCB card
      oneB: cardNumber('622202', 7_200_005), // ID_1, insurer
      five: cardNumber('622202', 7_200_006), // no ID number, lender and insurer
      six: cardNumber('622202', 7_200_007), // no ID number, insurer
    };
    const mandates: Record<string, string> = {};

    beforeAll(async () => {
      t = await startTestHub(engine, { scenario: 'cn-2017' });
      lender = await createMerchant(t, LENDER);
      insurer = await createMerchant(t, INSURER);
      const withId = (card: string, id: string, extra: Record<string, unknown> = {}) => ({
        payer: { account_number: card, account_kind: 'personal', medium: 'bank_card', holder_name: '张三', id_number: id },
        signed_at: '2017-01-01',
        ...extra,
      });
      mandates.one = await createMandate(t, lender.key, cards.one, withId(cards.one, ID_1));
      mandates.two = await createMandate(t, lender.key, cards.two, withId(cards.two, ID_2, { limits: { per_debit_max: 500_000 } }));
      mandates.threeA = await createMandate(t, lender.key, cards.threeA, withId(cards.threeA, ID_3));
      mandates.threeB = await createMandate(t, insurer.key, cards.threeB, withId(cards.threeB, ID_3));
      mandates.oneB = await createMandate(t, insurer.key, cards.oneB, withId(cards.oneB, ID_1));
      mandates.fiveA = await createMandate(t, lender.key, cards.five, { signed_at: '2017-01-01' });
      mandates.fiveB = await createMandate(t, insurer.key, cards.five, { signed_at: '2017-01-01' });
      mandates.six = await createMandate(t, insurer.key, cards.six, { signed_at: '2017-01-01' });
      for (const card of Object.values(cards)) {
        const put = await t.call('PUT', `/v1/sandbox/accounts/${card}`, { body: { balance: INITIAL_BALANCE } });
        expect(put.status).toBe(200);
      }
    });
    afterAll(async () => t?.close());

    async function setClock(now: string) {
      const response = await t.call('POST', '/v1/sandbox/clock', { body: { now } });
      expect(response.status).toBe(200);
    }

    /** Creates a debit and returns the 201 body (the quote is fixed from here on). */
    async function createDebit(merchant: { key: string }, mandate: string, amount: number, account: string) {
      serial += 1;
      const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandate, amount, currency: 'CNY', reference: `FEE-${serial}` } });
      expect(response.status).toBe(201);
      created.push({ id: response.body.id, key: merchant.key, account });
      return response.body;
    }

    async function final(id: string, key: string) {
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/debits/${id}`, { key });
        return body.status === 'succeeded' || body.status === 'failed' ? body : null;
      }, 15_000, `debit ${id} to finish`);
    }

    /** Creates a debit, waits for its outcome, and checks the quote did not change on the way. */
    async function debit(merchant: { key: string }, mandate: string, amount: number, account: string) {
      const body = await createDebit(merchant, mandate, amount, account);
      expect(body.status).toBe('pending');
      const done = await final(body.id, merchant.key);
      expect(done.fees).toEqual(body.fees);
      expect(done.payer_fee).toBe(body.payer_fee);
      return done;
    }

    it('before 2017-12-01 the payer plan is not in force: no payer fee, even above 5,000 yuan', async () => {
      await setClock('2017-11-30T10:00:00+08:00');
      november = await debit(lender, mandates.one!, 600_000, cards.one);
      expect(november).toMatchObject({
        status: 'succeeded',
        business_date: '2017-11-30',
        amount: 600_000,
        payer_fee: 0,
        amount_debited: 600_000,
        fees: { merchant: 1_200, payer: 0, channel: 30 },
      });
      expect(november.fee_plans.payer).toBeNull();
      expect(november.fee_plans.merchant).toMatch(/^standard@\d+$/);
    });

    it('2017-12-10, the §7 example: 4,000 yuan free, then 2,000 yuan pays 1.00, then 10 yuan pays 0.10', async () => {
      await setClock('2017-12-10T10:00:00+08:00');
      const first = await debit(lender, mandates.one!, 400_000, cards.one);
      // The November debit was outside the plan: it does not count towards December.
      expect(first).toMatchObject({ status: 'succeeded', business_date: '2017-12-10', payer_fee: 0, amount_debited: 400_000, fees: { payer: 0, merchant: 800 } });
      expect(first.fee_plans.payer).toBe('card-repayment-2017@1');
      const second = await debit(lender, mandates.one!, 200_000, cards.one);
      expect(second).toMatchObject({ status: 'succeeded', amount: 200_000, payer_fee: 100, amount_debited: 200_100, fees: { payer: 100, merchant: 400, channel: 30 }, channel: 'tj-center' });
      expect(second.fee_plans.payer).toBe('card-repayment-2017@1');
      const third = await debit(lender, mandates.one!, 1_000, cards.one);
      expect(third).toMatchObject({ status: 'succeeded', payer_fee: 10, amount_debited: 1_010, fees: { payer: 10, merchant: 10 } });
    });

    it('a failed debit gives its allowance back; a rejected one never takes any', async () => {
      await setClock('2017-12-11T10:00:00+08:00');
      expect((await t.call('PUT', `/v1/sandbox/accounts/${cards.two}`, { body: { balance: 1_000 } })).status).toBe(200);
      const failing = await createDebit(lender, mandates.two!, 450_000, cards.two);
      expect(failing).toMatchObject({ status: 'pending', payer_fee: 0, fee_plans: { payer: 'card-repayment-2017@1' } });
      const failed = await final(failing.id, lender.key);
      expect(failed.status).toBe('failed');
      expect(failed.failure.code).toBe('insufficient_funds');
      expect((await t.call('PUT', `/v1/sandbox/accounts/${cards.two}`, { body: { balance: INITIAL_BALANCE } })).status).toBe(200);

      serial += 1;
      const rejected = await t.call('POST', '/v1/debits', { key: lender.key, body: { mandate_id: mandates.two, amount: 600_000, currency: 'CNY', reference: `FEE-${serial}` } });
      expect(rejected.status).toBe(201);
      expect(rejected.body).toMatchObject({ status: 'rejected', failure: { code: 'mandate_limit_exceeded' }, payer_fee: 0, fees: { payer: 0, merchant: 0 } });
      created.push({ id: rejected.body.id, key: lender.key, account: cards.two });

      // Priced as if neither had happened: 0 used before, so 1,000 yuan is free…
      const next = await debit(lender, mandates.two!, 100_000, cards.two);
      expect(next).toMatchObject({ status: 'succeeded', payer_fee: 0, amount_debited: 100_000 });
      // …and 4,500 yuan more crosses the allowance by 500 yuan: 0.50 yuan (had the failed 4,500 counted, 4.50).
      const crossing = await debit(lender, mandates.two!, 450_000, cards.two);
      expect(crossing).toMatchObject({ status: 'succeeded', payer_fee: 50, amount_debited: 450_050 });

      const account = (await t.call('GET', `/v1/sandbox/accounts/${cards.two}`)).body;
      expect(account.balance).toBe(INITIAL_BALANCE - 100_000 - 450_050);
      const failedReceipt = account.received.filter((r: { end_to_end_id: string }) => r.end_to_end_id === failing.id);
      expect(failedReceipt).toHaveLength(1);
      expect(failedReceipt[0].outcome).not.toBe('succeeded');
    });

    it('one payer identity (ID number) shares the allowance across cards and merchants on the plan', async () => {
      await setClock('2017-12-12T10:00:00+08:00');
      // The insurer has no payer plan yet: its debit is free and counts towards nothing.
      const before = await debit(insurer, mandates.threeB!, 300_000, cards.threeB);
      expect(before).toMatchObject({ status: 'succeeded', payer_fee: 0, amount_debited: 300_000 });
      expect(before.fee_plans.payer).toBeNull();

      const patched = await t.call('PATCH', `/v1/merchants/${insurer.id}`, { body: { payer_fee_plan: 'card-repayment-2017' } });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: insurer.id, fee_plan: 'standard', payer_fee_plan: 'card-repayment-2017' });

      const atLender = await debit(lender, mandates.threeA!, 300_000, cards.threeA);
      expect(atLender).toMatchObject({ status: 'succeeded', payer_fee: 0 });
      // Another card, another merchant, the same person: 1,000 yuan above the allowance.
      const atInsurer = await debit(insurer, mandates.threeB!, 300_000, cards.threeB);
      expect(atInsurer).toMatchObject({ status: 'succeeded', payer_fee: 100, amount_debited: 300_100, fee_plans: { payer: 'card-repayment-2017@1' } });
      const again = await debit(lender, mandates.threeA!, 1_000, cards.threeA);
      expect(again).toMatchObject({ payer_fee: 10 });
      // ID_1 used 6,010 yuan at the lender in December; at the insurer, on another card, it is still used up.
      const oneAtInsurer = await debit(insurer, mandates.oneB!, 1_000, cards.oneB);
      expect(oneAtInsurer).toMatchObject({ payer_fee: 10, amount_debited: 1_010 });
    });

    it('without an ID number the identity is the account: shared across merchants, not across accounts', async () => {
      await setClock('2017-12-13T10:00:00+08:00');
      const atLender = await debit(lender, mandates.fiveA!, 499_000, cards.five);
      expect(atLender).toMatchObject({ payer_fee: 0 });
      // 20 yuan of which 10 above the allowance: 0.01 yuan, the minimum 0.10.
      const atInsurer = await debit(insurer, mandates.fiveB!, 2_000, cards.five);
      expect(atInsurer).toMatchObject({ payer_fee: 10, amount_debited: 2_010 });
      const otherAccount = await debit(insurer, mandates.six!, 2_000, cards.six);
      expect(otherAccount).toMatchObject({ payer_fee: 0, amount_debited: 2_000 });
    });

    it('the month is Shanghai time: 23:59 on 2017-12-31 is still December, 00:00 on 2018-01-01 is free again', async () => {
      // A minute before midnight: the test clock runs on while the debit is made.
      await setClock('2017-12-31T23:59:00+08:00');
      const lastSecond = await debit(lender, mandates.one!, 1_000, cards.one);
      expect(lastSecond).toMatchObject({ business_date: '2017-12-31', payer_fee: 10, amount_debited: 1_010 });

      await setClock('2017-12-31T16:00:00Z'); // = 2018-01-01T00:00:00+08:00
      const firstSecond = await debit(lender, mandates.one!, 1_000, cards.one);
      expect(firstSecond).toMatchObject({ status: 'succeeded', business_date: '2018-01-01', payer_fee: 0, amount_debited: 1_000, fee_plans: { payer: 'card-repayment-2017@1' } });
      // pboc-110 closed the collection centers to lenders: the ICBC direct link carries it.
      expect(firstSecond.channel).toBe('direct-icbc');
      const rest = await debit(lender, mandates.one!, 499_000, cards.one);
      expect(rest).toMatchObject({ payer_fee: 0 });
      const over = await debit(lender, mandates.one!, 1_000, cards.one);
      expect(over).toMatchObject({ payer_fee: 10, amount_debited: 1_010 });
    });

    it('the sandbox took amount_debited (amount + payer fee) from each payer account, once per debit', async () => {
      const finals = await Promise.all(created.map(async (d) => ({ ...d, body: (await t.call('GET', `/v1/debits/${d.id}`, { key: d.key })).body })));
      for (const card of Object.values(cards)) {
        const mine = finals.filter((d) => d.account === card && d.body.status === 'succeeded');
        const account = (await t.call('GET', `/v1/sandbox/accounts/${card}`)).body;
        const taken = mine.reduce((sum, d) => sum + d.body.amount_debited, 0);
        expect({ card: card.slice(-4), balance: account.balance }).toEqual({ card: card.slice(-4), balance: INITIAL_BALANCE - taken });
        for (const d of mine) {
          const receipts = account.received.filter((r: { end_to_end_id: string }) => r.end_to_end_id === d.id);
          expect(receipts).toEqual([expect.objectContaining({ amount: d.body.amount + d.body.payer_fee, outcome: 'succeeded' })]);
        }
      }
      expect(finals.filter((d) => d.body.payer_fee > 0).length).toBeGreaterThanOrEqual(8);
    });

    it('the ledger balances, payer fees are revenue, and the margin report adds up to the platform accounts', async () => {
      const finals = await Promise.all(created.map(async (d) => (await t.call('GET', `/v1/debits/${d.id}`, { key: d.key })).body));
      const succeeded = finals.filter((d) => d.status === 'succeeded');
      const sumOf = (rows: any[], pick: (d: any) => number) => rows.reduce((sum, d) => sum + pick(d), 0);
      const payerFees = sumOf(succeeded, (d) => d.fees.payer);
      const merchantFees = sumOf(succeeded, (d) => d.fees.merchant);
      const channelCosts = sumOf(succeeded, (d) => d.fees.channel);
      // Only succeeded debits count: the failed and the rejected one post nothing.
      expect(payerFees).toBe(100 + 10 + 50 + 100 + 10 + 10 + 10 + 10 + 10);

      const trial = await t.call('GET', '/v1/ledger/trial-balance');
      expect(trial.status).toBe(200);
      expect(trial.body.total).toBe(0);
      expect(trial.body.balanced).toBe(true);
      expect(trial.body.mismatched).toEqual([]);
      const balance = (account: string) => trial.body.accounts.find((a: { account: string }) => a.account === account)?.balance ?? 0;
      expect(balance('platform:payer_fee_revenue')).toBe(-payerFees);
      expect(balance('platform:fee_revenue')).toBe(-merchantFees);
      expect(balance('platform:channel_cost')).toBe(channelCosts);
      // The insurer's accounts together: what it collected minus its merchant fees; payer fees are not its money.
      const insurerSucceeded = succeeded.filter((d) => d.merchant_id === insurer.id);
      const insurerAccounts = trial.body.accounts.filter((a: { account: string }) => a.account.startsWith(`merchant:${insurer.id}:`));
      expect(insurerAccounts.length).toBeGreaterThan(0);
      expect(sumOf(insurerAccounts, (a) => a.balance)).toBe(-sumOf(insurerSucceeded, (d) => d.amount - d.fees.merchant));

      const checkLines = (report: any, from: string, to: string) => {
        for (const line of report.lines) {
          expect(line.revenue).toBe(line.fee_revenue + line.payer_fee_revenue);
          expect(line.margin).toBe(line.revenue - line.channel_cost);
          expect(line.date >= from && line.date <= to).toBe(true);
        }
        const totals = { debits: 0, revenue: 0, fee_revenue: 0, payer_fee_revenue: 0, channel_cost: 0, margin: 0 };
        for (const line of report.lines) for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += line[key];
        expect(report.totals).toEqual(totals);
      };

      const wide = await t.call('GET', '/v1/reports/margin?from=2017-11-01&to=2018-01-31');
      expect(wide.status).toBe(200);
      checkLines(wide.body, '2017-11-01', '2018-01-31');
      expect(wide.body.totals).toEqual({
        debits: succeeded.length,
        fee_revenue: -balance('platform:fee_revenue'),
        payer_fee_revenue: -balance('platform:payer_fee_revenue'),
        revenue: -balance('platform:fee_revenue') - balance('platform:payer_fee_revenue'),
        channel_cost: balance('platform:channel_cost'),
        margin: -balance('platform:fee_revenue') - balance('platform:payer_fee_revenue') - balance('platform:channel_cost'),
      });
      // By merchant: the insurer's lines carry exactly its payer fees.
      const insurerLines = wide.body.lines.filter((line: { merchant_id: string }) => line.merchant_id === insurer.id);
      expect(sumOf(insurerLines, (line) => line.payer_fee_revenue)).toBe(sumOf(insurerSucceeded, (d) => d.fees.payer));
      expect(sumOf(insurerLines, (line) => line.debits)).toBe(insurerSucceeded.length);

      // December and January: everything but the November debit.
      const window = await t.call('GET', '/v1/reports/margin?from=2017-12-01&to=2018-01-31');
      expect(window.status).toBe(200);
      checkLines(window.body, '2017-12-01', '2018-01-31');
      const revenue = -balance('platform:fee_revenue') - november.fees.merchant + -balance('platform:payer_fee_revenue') - november.fees.payer;
      expect(window.body.totals).toEqual({
        debits: succeeded.length - 1,
        fee_revenue: -balance('platform:fee_revenue') - november.fees.merchant,
        payer_fee_revenue: -balance('platform:payer_fee_revenue') - november.fees.payer,
        revenue,
        channel_cost: balance('platform:channel_cost') - november.fees.channel,
        margin: revenue - (balance('platform:channel_cost') - november.fees.channel),
      });
    });

    it('POST /v1/fee-plans adds version 1; PUT makes version 2; the same PUT again changes nothing', async () => {
      const body = { id: 'api-test-plan', side: 'merchant', title: 'Test plan', schedule: { rate: '0.001', min: 5 } };
      const posted = await t.call('POST', '/v1/fee-plans', { body });
      expect(posted.status).toBe(201);
      expect(posted.body).toMatchObject({ id: 'api-test-plan', object: 'fee_plan', version: 1, side: 'merchant', schedule: { rate: '0.001', min: 5 }, effective_from: null });

      const again = await t.call('POST', '/v1/fee-plans', { body });
      expect(again.status).toBe(409);
      expect(again.body.errors).toEqual([expect.objectContaining({ pointer: '/id' })]);

      const update = { title: 'Test plan v2', schedule: { rate: '0.0015', min: 5 } };
      const put = await t.call('PUT', '/v1/fee-plans/api-test-plan', { body: update });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ id: 'api-test-plan', version: 2, side: 'merchant', title: 'Test plan v2', schedule: { rate: '0.0015', min: 5 } });
      const same = await t.call('PUT', '/v1/fee-plans/api-test-plan', { body: update });
      expect(same.body.version).toBe(2);

      const history = await t.call('GET', '/v1/fee-plans/api-test-plan');
      expect(history.status).toBe(200);
      expect(history.body.version).toBe(2);
      expect(history.body.versions.map((v: { version: number; title: string }) => [v.version, v.title])).toEqual([[1, 'Test plan'], [2, 'Test plan v2']]);

      const list = await t.call('GET', '/v1/fee-plans');
      const byId = new Map(list.body.data.map((plan: { id: string }) => [plan.id, plan]));
      expect(byId.get('api-test-plan')).toMatchObject({ version: 2 });
      expect(byId.get('card-repayment-2017')).toMatchObject({ side: 'payer', effective_from: '2017-12-01', schedule: { allowance: 500_000, rate: '0.001', min: 10 } });

      expect((await t.call('PUT', '/v1/fee-plans/no-such-plan', { body: update })).status).toBe(404);
      expect((await t.call('GET', '/v1/fee-plans/no-such-plan')).status).toBe(404);
      // A plan keeps its side: PUT has no side field at all.
      expect((await t.call('PUT', '/v1/fee-plans/api-test-plan', { body: { ...update, side: 'payer' } })).status).toBe(400);
      // Merchants cannot manage plans.
      expect((await t.call('POST', '/v1/fee-plans', { key: lender.key, body: { ...body, id: 'by-a-merchant' } })).status).toBe(403);
      expect((await t.call('GET', '/v1/fee-plans/by-a-merchant')).status).toBe(404);
      expect((await t.call('GET', '/v1/reports/margin?from=2017-12-01&to=2018-01-31', { key: lender.key })).status).toBe(403);
    });

    it('a bad schedule is refused with a pointer into it, and nothing is written', async () => {
      const cases: [unknown, string][] = [
        [{ tiers: [{ up_to: 100, rate: '0.1' }] }, '/schedule/tiers/0/up_to'],
        [{ tiers: [{ up_to: 100, rate: '0.1' }, { up_to: 50, rate: '0.2' }, { rate: '0.3' }] }, '/schedule/tiers/1/up_to'],
        [{ rate: '0.1%' }, '/schedule/rate'],
        [{ rate: '0.1', tiers: [{ rate: '0.2' }] }, '/schedule/rate'],
        [{ min: 20, max: 10 }, '/schedule/max'],
      ];
      for (const [schedule, pointer] of cases) {
        const response = await t.call('POST', '/v1/fee-plans', { body: { id: 'bad-plan', side: 'payer', title: 'Bad', schedule } });
        expect({ schedule, status: response.status }).toEqual({ schedule, status: 400 });
        expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
      }
      const dates = await t.call('POST', '/v1/fee-plans', { body: { id: 'bad-plan', side: 'payer', title: 'Bad', effective_from: '2018-02-30', schedule: {} } });
      expect(dates.status).toBe(400);
      expect(dates.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('/effective_from');
      expect((await t.call('GET', '/v1/fee-plans/bad-plan')).status).toBe(404);
    });

    it('assigning an unknown plan, or a plan of the other side, is a 400 with a pointer; nothing is written', async () => {
      const before = (await t.call('GET', '/v1/merchants?limit=100')).body.data.length;
      const refusals: [string, string, Record<string, unknown>, string, string][] = [
        ['POST', '/v1/merchants', { ...INSURER, fee_plan: 'no-such-plan' }, '/fee_plan', 'unknown_plan'],
        ['POST', '/v1/merchants', { ...INSURER, fee_plan: 'card-repayment-2017' }, '/fee_plan', 'wrong_side'],
        ['POST', '/v1/merchants', { ...INSURER, payer_fee_plan: 'standard' }, '/payer_fee_plan', 'wrong_side'],
        ['POST', '/v1/merchants', { ...INSURER, payer_fee_plan: 'no-such-plan' }, '/payer_fee_plan', 'unknown_plan'],
        ['PATCH', `/v1/merchants/${insurer.id}`, { fee_plan: 'card-repayment-2017' }, '/fee_plan', 'wrong_side'],
        ['PATCH', `/v1/merchants/${insurer.id}`, { fee_plan: 'no-such-plan' }, '/fee_plan', 'unknown_plan'],
        ['PATCH', `/v1/merchants/${insurer.id}`, { payer_fee_plan: 'welfare' }, '/payer_fee_plan', 'wrong_side'],
      ];
      for (const [method, path, body, pointer, code] of refusals) {
        const response = await t.call(method, path, { body });
        expect({ method, body, status: response.status }).toEqual({ method, body, status: 400 });
        expect(response.body.errors).toContainEqual(expect.objectContaining({ pointer, code }));
      }
      expect((await t.call('GET', '/v1/merchants?limit=100')).body.data.length).toBe(before);
      const insurerNow = await t.call('GET', `/v1/merchants/${insurer.id}`);
      expect(insurerNow.body).toMatchObject({ fee_plan: 'standard', payer_fee_plan: 'card-repayment-2017' });
      expect((await t.call('PATCH', '/v1/merchants/mer_does_not_exist', { body: { fee_plan: 'standard' } })).status).toBe(404);
    });

    it('concurrent writes of one plan: one POST creates it, the others are 409; concurrent PUTs each get a version or a 409, never a 500', async () => {
      const posts = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => t.call('POST', '/v1/fee-plans', { body: { id: 'racy-plan', side: 'merchant', title: `Racy ${i}`, schedule: { rate: '0.001' } } })),
      );
      expect(posts.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      expect((await t.call('GET', '/v1/fee-plans/racy-plan')).body.versions.map((v: { version: number }) => v.version)).toEqual([1]);

      const puts = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => t.call('PUT', '/v1/fee-plans/racy-plan', { body: { title: `Racy v${i}`, schedule: { rate: '0.002' } } })),
      );
      for (const put of puts) expect([200, 409]).toContain(put.status);
      const written = puts.filter((r) => r.status === 200);
      expect(written.length).toBeGreaterThan(0);
      const versions = (await t.call('GET', '/v1/fee-plans/racy-plan')).body.versions.map((v: { version: number }) => v.version);
      // One version per accepted PUT, numbered without gaps or duplicates.
      expect(versions).toEqual(Array.from({ length: 1 + written.length }, (_, i) => i + 1));
      expect(written.map((r) => r.body.version).sort()).toEqual(versions.slice(1));
    });

    it('concurrent writes of one routing rule, as of one plan: one POST creates it, PUTs and DELETEs each get a version or a 409, never a 500', async () => {
      // Applies to no channel the fee tests route through, so that it changes no price below.
      const rule = { title: 'Racy rule', source: 'issue 10', applies_to: { channels: ['racy-channel-none'] }, deny: { 'payer.medium': ['bank_account'] } };
      const posts = await Promise.all([1, 2, 3, 4, 5].map(() => t.call('POST', '/v1/rules', { body: { id: 'racy-rule', ...rule } })));
      expect(posts.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      const puts = await Promise.all([1, 2, 3, 4].map((i) => t.call('PUT', '/v1/rules/racy-rule', { body: { ...rule, title: `Racy rule v${i}` } })));
      const deletes = await Promise.all([1, 2].map(() => t.call('DELETE', '/v1/rules/racy-rule')));
      for (const answer of [...puts, ...deletes]) expect([200, 409]).toContain(answer.status);
      const { body } = await t.call('GET', '/v1/rules/racy-rule');
      const versions = body.versions.map((v: { version: number }) => v.version);
      // One version per accepted write, numbered without gaps or duplicates.
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
      expect(versions.length).toBeLessThanOrEqual(1 + puts.length + deletes.length);
    });

    it('a new version of the payer plan prices debits from its effective date; the month counter carries over', async () => {
      const put = await t.call('PUT', '/v1/fee-plans/card-repayment-2017', {
        body: { title: 'Credit-card repayment from February 2018: 1,000.00 yuan free', effective_from: '2018-02-01', schedule: { allowance: 100_000, rate: '0.001', min: 10 } },
      });
      expect(put.status).toBe(200);
      expect(put.body.version).toBe(2);

      // January still prices by version 1: 5,010 yuan used, so 10 yuan pays the minimum.
      await setClock('2018-01-20T10:00:00+08:00');
      const january = await debit(lender, mandates.one!, 1_000, cards.one);
      expect(january).toMatchObject({ payer_fee: 10, fee_plans: { payer: 'card-repayment-2017@1' } });
      // ID_3 starts January afresh: 3,000 yuan is inside version 1's allowance.
      const fresh = await debit(lender, mandates.threeA!, 300_000, cards.threeA);
      expect(fresh).toMatchObject({ payer_fee: 0, fee_plans: { payer: 'card-repayment-2017@1' } });

      await setClock('2018-02-01T10:00:00+08:00');
      const february = await debit(lender, mandates.one!, 200_000, cards.one);
      expect(february).toMatchObject({ business_date: '2018-02-01', payer_fee: 100, amount_debited: 200_100, fee_plans: { payer: 'card-repayment-2017@2' } });

      // The merchant's plan can be changed too, and later debits are priced by it.
      const patched = await t.call('PATCH', `/v1/merchants/${lender.id}`, { body: { fee_plan: 'api-test-plan' } });
      expect(patched.status).toBe(200);
      const priced = await debit(lender, mandates.one!, 200_000, cards.one);
      expect(priced).toMatchObject({ fees: { merchant: 300, payer: 200 }, fee_plans: { merchant: 'api-test-plan@2', payer: 'card-repayment-2017@2' } });

      // null removes the payer plan: nothing on top from then on.
      const removed = await t.call('PATCH', `/v1/merchants/${lender.id}`, { body: { payer_fee_plan: null } });
      expect(removed.status).toBe(200);
      expect(removed.body.payer_fee_plan).toBeNull();
      const free = await debit(lender, mandates.one!, 200_000, cards.one);
      expect(free).toMatchObject({ payer_fee: 0, amount_debited: 200_000, fee_plans: { payer: null } });

      const trial = await t.call('GET', '/v1/ledger/trial-balance');
      expect(trial.body.total).toBe(0);
    });

    // Several processes on one PostgreSQL database are supported (docs/architecture.md); SQLite is
    // one embedded process, so this only applies there.
    if (engine === 'postgres') {
      it('a payer plan assigned through one process prices the debits another process accepts', async () => {
        const other = await startSecondHub(t);
        try {
          const merchant = await createMerchant(t, { ...INSURER, name: '另一家保险公司' });
          const card = cardNumber('622202', 7_200_099);
          const mandate = await createMandate(t, merchant.key, card, {
            payer: { account_number: card, account_kind: 'personal', medium: 'bank_card', holder_name: '张三', id_number: idNumber('44030119951212345') },
            signed_at: '2017-01-01',
          });
          const call = async (path: string, body: unknown) => {
            const response = await fetch(`${other.url}${path}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${path.startsWith('/v1/sandbox') ? t.operatorKey : merchant.key}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            return { status: response.status, body: (await response.json()) as any };
          };
          expect((await call('/v1/sandbox/clock', { now: '2017-12-20T10:00:00+08:00' })).status).toBe(200);
          serial += 1;
          const before = await call('/v1/debits', { mandate_id: mandate, amount: 600_000, currency: 'CNY', reference: `FEE-${serial}` });
          expect(before.status).toBe(201);
          expect(before.body).toMatchObject({ payer_fee: 0, fee_plans: { payer: null } });

          const patched = await t.call('PATCH', `/v1/merchants/${merchant.id}`, { body: { payer_fee_plan: 'card-repayment-2017' } });
          expect(patched.status).toBe(200);
          // Give the other process every chance to notice: an hour later on its clock, and up to 10 s.
          expect((await call('/v1/sandbox/clock', { now: '2017-12-20T11:00:00+08:00' })).status).toBe(200);
          let tries = 0;
          const priced = await eventually(async () => {
            // A few debits a second, not hundreds.
            if (tries++ > 0) await new Promise((resolve) => setTimeout(resolve, 500));
            serial += 1;
            const after = await call('/v1/debits', { mandate_id: mandate, amount: 1_000, currency: 'CNY', reference: `FEE-${serial}` });
            expect(after.status).toBe(201);
            return after.body.fee_plans.payer !== null ? after.body : null;
          }, 10_000, 'the other process to price with the payer plan (it keeps the merchant it cached, without the plan)');
          // The earlier debits were outside the plan and count towards nothing: this one is free, but under the plan.
          expect(priced).toMatchObject({ payer_fee: 0, amount_debited: 1_000, fee_plans: { payer: 'card-repayment-2017@1' } });
        } finally {
          await other.close();
        }
      });
    }
  });
}

/** A second hub process on the same PostgreSQL database (its own sandbox, no workers), as in a multi-process deployment. */
async function startSecondHub(t: TestHub): Promise<RunningHub> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-second-'));
  // The same master key, so that it can read the personal data the first one sealed.
  fs.copyFileSync(path.join(t.database.dataDir, 'master.key'), path.join(dataDir, 'master.key'));
  const hub = await startHub({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    databaseUrl: t.database.databaseUrl,
    operatorKey: t.operatorKey,
    masterKey: undefined,
    sandbox: { kind: 'embedded', port: 0 },
    logger: createLogger({ level: 'silent', destination: new LogCapture() }),
    clock: new SettableClock(),
    workers: FAST_WORKERS,
    runWorkers: false,
  });
  return {
    ...hub,
    async close() {
      await hub.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
