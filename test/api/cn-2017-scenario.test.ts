import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { fundAvailable } from '../support/funding.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Issue 3 through the API, under `--scenario cn-2017` (SPEC §6): the seed's Shenzhen telecom
 * merchant moves off sz-center on 2017-12-07 and off every collection center on 2018-01-01,
 * each debit says why, the what-if shows the cost rise, and a channel made unavailable fails
 * over without anything being received twice.
 */
const TELECOM = {
  name: '深圳某电信运营商',
  category: 'telecom',
  settlement_account: { account_number: '4403010055667788', bank_code: 'ICBC', region_code: '440300', holder_name: '深圳某电信运营商' },
};

for (const engine of ENGINES) {
  describe(`cn-2017 on ${engine}`, () => {
    let t: TestHub;
    let telecom: { id: string; key: string };
    let mandateId: string;
    const icbcCard = cardNumber('622202', 2017_1206);
    let serial = 0;
    const debits: Record<string, any> = {};

    beforeAll(async () => {
      t = await startTestHub(engine, { scenario: 'cn-2017' });
      telecom = await createMerchant(t, TELECOM);
      mandateId = await createMandate(t, telecom.key, icbcCard, { signed_at: '2017-01-01' });
    });
    afterAll(async () => t?.close());

    async function setDay(date: string) {
      const response = await t.call('POST', '/v1/sandbox/clock', { body: { now: `${date}T10:00:00+08:00` } });
      expect(response.status).toBe(200);
    }

    async function debitOn(date: string, amount = 10_000) {
      await setDay(date);
      serial += 1;
      const created = await t.call('POST', '/v1/debits', { key: telecom.key, body: { mandate_id: mandateId, amount, currency: 'CNY', reference: `TEL-${date}-${serial}` } });
      expect(created.status).toBe(201);
      expect(created.body.business_date).toBe(date);
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/debits/${created.body.id}`, { key: telecom.key });
        return body.status === 'succeeded' || body.status === 'failed' ? body : null;
      });
    }

    const considered = (debit: any, channel: string) => debit.routing.considered.find((c: { channel: string }) => c.channel === channel);

    it('the scenario loaded its eight channels and four rules', async () => {
      const channels = await t.call('GET', '/v1/channels');
      expect(channels.body.data.filter((c: { enabled: boolean }) => c.enabled).map((c: { id: string }) => c.id)).toEqual([
        'sz-center', 'tj-center', 'sn-center', 'sx-center', 'direct-icbc', 'direct-ccb', 'netsunion', 'unionpay',
      ]);
      const rules = await t.call('GET', '/v1/rules');
      expect(rules.body.data.map((r: { id: string }) => r.id).sort()).toEqual(['no-cross-bank-direct', 'pboc-110', 'sz-center-20171207', 'unionpay-personal-only']);
    });

    it('2017-12-06: sz-center, the cheapest, first by priority among equal costs', async () => {
      const debit = (debits['2017-12-06'] = await debitOn('2017-12-06'));
      expect(debit).toMatchObject({ status: 'succeeded', channel: 'sz-center', fees: { channel: 30 } });
      expect(debit.routing).toMatchObject({ at: '2017-12-06', channel: 'sz-center', cost: 30 });
      expect(considered(debit, 'sz-center')).toMatchObject({ eligible: true, cost: 30, excluded_by: [] });
      expect(considered(debit, 'direct-ccb')).toMatchObject({ eligible: false, reasons: ['rule'], excluded_by: [{ id: 'no-cross-bank-direct', version: 1 }] });
      expect(debit.routing.rules).not.toContainEqual(expect.objectContaining({ id: 'sz-center-20171207' }));
    });

    it('2017-12-07: another collection center, because sz-center-20171207 excludes telecoms', async () => {
      const debit = (debits['2017-12-07'] = await debitOn('2017-12-07'));
      expect(debit).toMatchObject({ status: 'succeeded', channel: 'tj-center' });
      expect(considered(debit, 'sz-center')).toMatchObject({ eligible: false, excluded_by: [{ id: 'sz-center-20171207', version: 1 }] });
      expect(debit.routing.rules).toContainEqual({ id: 'sz-center-20171207', version: 1 });
    });

    it('2018-01-01: no collection center at all (pboc-110); the ICBC direct link is cheapest', async () => {
      const debit = (debits['2018-01-01'] = await debitOn('2018-01-01'));
      expect(debit).toMatchObject({ status: 'succeeded', channel: 'direct-icbc', fees: { channel: 50 } });
      for (const center of ['sz-center', 'tj-center', 'sn-center', 'sx-center']) {
        expect(considered(debit, center).excluded_by).toContainEqual({ id: 'pboc-110', version: 1 });
      }
      expect(considered(debit, 'netsunion')).toMatchObject({ eligible: true, cost: 60 });
    });

    it('the channel costs are posted to the ledger and the trial balance is zero', async () => {
      const trial = await t.call('GET', '/v1/ledger/trial-balance');
      expect(trial.body.total).toBe(0);
      const cost = trial.body.accounts.find((a: { account: string }) => a.account === 'platform:channel_cost');
      expect(cost.balance).toBe(30 + 30 + 50);
      expect(trial.body.accounts.find((a: { account: string }) => a.account === 'channel:direct-icbc:payable').balance).toBe(-50);
    });

    it('the what-if shows the cost rise of 2018-01-01 for the merchant, in fen', async () => {
      const response = await t.call('POST', '/v1/rules/simulate', { body: { at: '2018-01-01', window: { from: '2017-12-06', to: '2017-12-07' } } });
      expect(response.status).toBe(200);
      const impact = response.body.merchants.find((m: { merchant_id: string }) => m.merchant_id === telecom.id);
      expect(impact).toEqual({
        merchant_id: telecom.id,
        count: 2,
        amount: 20_000,
        channels_before: { 'sz-center': 1, 'tj-center': 1 },
        channels_after: { 'direct-icbc': 2 },
        cost_before: 60,
        cost_after: 100,
        unroutable: 0,
      });
      expect(response.body.totals).toMatchObject({ count: 2, cost_before: 60, cost_after: 100 });
    });

    it('a proposed rule that closes the direct links leaves NetsUnion, and removing pboc-110 brings the centers back', async () => {
      const closeDirect = {
        id: 'no-direct-links',
        title: 'Direct links closed (what-if)',
        source: 'proposal',
        effective_from: '2018-01-01',
        applies_to: { types: ['direct_bank'] },
        deny: {},
      };
      const closed = await t.call('POST', '/v1/rules/simulate', { body: { at: '2018-01-01', window: { from: '2017-12-06', to: '2017-12-07' }, add_rules: [closeDirect] } });
      expect(closed.body.totals).toMatchObject({ channels_after: { netsunion: 2 }, cost_after: 120 });
      const reopened = await t.call('POST', '/v1/rules/simulate', { body: { at: '2018-01-01', window: { from: '2017-12-06', to: '2017-12-07' }, remove_rules: ['pboc-110', 'sz-center-20171207'] } });
      expect(reopened.body.totals).toMatchObject({ channels_after: { 'sz-center': 2 }, cost_after: 60 });
      const unroutable = await t.call('POST', '/v1/rules/simulate', {
        body: { at: '2018-01-01', window: { from: '2017-12-06', to: '2017-12-07' }, add_rules: [{ ...closeDirect, id: 'everything-closed', applies_to: { types: ['direct_bank', 'clearing_org', 'card_scheme', 'collection_center'] } }] },
      });
      expect(unroutable.body.totals.unroutable).toBe(2);
      expect(unroutable.body.unroutable_sample.sort()).toEqual([debits['2017-12-06'].id, debits['2017-12-07'].id].sort());
    });

    it('a bad simulation request names the field', async () => {
      const response = await t.call('POST', '/v1/rules/simulate', { body: { at: '2018-02-30', window: { from: '2017-12-06', to: '2017-12-07' } } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].pointer).toBe('/at');
    });

    it('editing a rule makes a new version; debits keep naming the one that routed them', async () => {
      const current = (await t.call('GET', '/v1/rules/sz-center-20171207')).body;
      const { id: _id, object: _object, version: _version, retired: _retired, created_at: _createdAt, versions: _versions, ...body } = current;
      const updated = await t.call('PUT', '/v1/rules/sz-center-20171207', { body: { ...body, title: 'Shenzhen center: local utilities and charities (amended)' } });
      expect(updated.body.version).toBe(2);
      const history = await t.call('GET', '/v1/rules/sz-center-20171207');
      expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
      const old = await t.call('GET', `/v1/debits/${debits['2017-12-07'].id}`, { key: telecom.key });
      expect(considered(old.body, 'sz-center').excluded_by).toEqual([{ id: 'sz-center-20171207', version: 1 }]);
    });

    it('with tj-center unavailable, a debit fails over to the next center and is received once', async () => {
      await setDay('2017-12-08');
      expect((await t.call('POST', '/v1/sandbox/faults', { body: { channel: 'tj-center', mode: 'unavailable' } })).status).toBe(200);
      const account = cardNumber('622202', 2017_1208);
      const mandate = await createMandate(t, telecom.key, account, { signed_at: '2017-01-01' });
      const created = await t.call('POST', '/v1/debits', { key: telecom.key, body: { mandate_id: mandate, amount: 4_321, currency: 'CNY', reference: 'TEL-FAILOVER' } });
      expect(created.body.channel).toBe('tj-center');
      const debit = await eventually(async () => {
        const { body } = await t.call('GET', `/v1/debits/${created.body.id}`, { key: telecom.key });
        return body.status === 'succeeded' || body.status === 'failed' ? body : null;
      });
      expect(debit).toMatchObject({ status: 'succeeded', channel: 'sn-center', fees: { channel: 30 } });
      expect(debit.events.map((e: { type: string }) => e.type)).toEqual(['debit.created', 'debit.submitted', 'debit.not_received', 'debit.rerouted', 'debit.submitted', 'debit.succeeded']);
      expect(debit.attempts.map((a: { channel: string; state: string }) => [a.channel, a.state])).toEqual([['tj-center', 'not_sent'], ['sn-center', 'succeeded']]);
      const received = (await t.call('GET', `/v1/sandbox/accounts/${account}`)).body.received;
      expect(received).toEqual([expect.objectContaining({ channel: 'sn-center', end_to_end_id: debit.id, outcome: 'succeeded' })]);
      await t.call('DELETE', '/v1/sandbox/faults');
    });

    it('payouts route by the same rules over the payout channels: UnionPay only for personal payees', async () => {
      await setDay('2018-01-02');
      await fundAvailable(t, telecom.id, 1_000_000, 'fund-cn-2017');
      const pay = (payee: Record<string, unknown>, reference: string) => t.call('POST', '/v1/payouts', { key: telecom.key, body: { payee, amount: 10_000, currency: 'CNY', reference } });
      // A corporate payee at a bank with no direct link: the centers are closed to a telecom
      // merchant (pboc-110), UnionPay to corporate accounts; NetsUnion carries it (0.06 %, min 60).
      const corporate = await pay({ account_number: '1234567890123', account_kind: 'corporate', medium: 'bank_account', holder_name: '某供应商有限公司', bank_code: 'ABC' }, 'TEL-PAY-CORP');
      expect(corporate.body).toMatchObject({ status: 'pending', channel: 'netsunion', channel_cost: 60 });
      const why = (channel: string) => corporate.body.routing.considered.find((c: { channel: string }) => c.channel === channel);
      expect(why('unionpay')).toMatchObject({ eligible: false, excluded_by: [{ id: 'unionpay-personal-only', version: 1 }] });
      expect(why('sx-center')).toMatchObject({ eligible: false, excluded_by: [{ id: 'pboc-110', version: 1 }] });
      expect(why('direct-icbc')).toMatchObject({ eligible: false, excluded_by: [{ id: 'no-cross-bank-direct', version: 1 }] });
      // A personal ICBC card: ICBC's own direct link is the cheapest that may carry it.
      const card = cardNumber('622202', 2018_0102);
      const personal = await pay({ account_number: card, account_kind: 'personal', holder_name: '王五' }, 'TEL-PAY-PERSONAL');
      expect(personal.body).toMatchObject({ status: 'pending', channel: 'direct-icbc', channel_cost: 50 });
      const done = await eventually(async () => {
        const { body } = await t.call('GET', `/v1/payouts/${personal.body.id}`, { key: telecom.key });
        return body.status === 'succeeded' || body.status === 'failed' ? body : null;
      });
      expect(done.status).toBe('succeeded');
      expect((await t.call('GET', `/v1/sandbox/accounts/${card}`)).body.received).toEqual([expect.objectContaining({ channel: 'direct-icbc', end_to_end_id: done.id, direction: 'credit' })]);
      expect((await t.call('GET', '/v1/ledger/trial-balance')).body).toMatchObject({ total: 0, balanced: true });
    });
  });
}
