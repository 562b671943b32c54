import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';
import { Debit } from '../../src/http/representations/index.js';

/** SPEC §5 and §9 through the API, with the sandbox clearing network behind it. */
for (const engine of ENGINES) {
  describe(`debit lifecycle on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let serial = 1000;
    const nextCard = () => cardNumber('622202', (serial += 1));

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    async function debit(mandateId: string, amount: number, reference: string, extra: Record<string, unknown> = {}) {
      const response = await t.call('POST', '/v1/debits', {
        key: merchant.key,
        body: { mandate_id: mandateId, amount, currency: 'CNY', reference, ...extra },
      });
      expect(response.status).toBe(201);
      return response.body;
    }

    async function final(id: string) {
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/debits/${id}`, { key: merchant.key });
        return ['succeeded', 'failed', 'rejected'].includes(body.status) ? body : null;
      }, 15_000, `debit ${id} to end`);
    }

    it('a debit from an open account succeeds and credits the merchant pending balance', async () => {
      const account = nextCard();
      const mandateId = await createMandate(t, merchant.key, account);
      const created = await debit(mandateId, 12_345, 'INV-OK');
      // The standard plan: 0.20 % of 123.45 yuan is 24.69 fen, rounded half up to 25; no payer fee.
      expect(created).toMatchObject({ status: 'pending', amount: 12_345, payer_fee: 0, amount_debited: 12_345, channel: 'sandbox-clearing', fees: { merchant: 25, channel: 0, payer: 0 }, fee_plans: { merchant: 'standard@1', payer: null } });
      const done = await final(created.id);
      expect(done.status).toBe('succeeded');
      expect(done.events.map((event: { type: string }) => event.type)).toEqual(['debit.created', 'debit.submitted', 'debit.succeeded']);
      expect(done.routing).toMatchObject({ channel: 'sandbox-clearing', cost: 0, at: done.business_date, rules: [] });
      expect(done.routing.considered).toEqual([{ channel: 'sandbox-clearing', eligible: true, reasons: [], excluded_by: [], cost: 0 }]);
      const balances = await t.call('GET', '/v1/balances', { key: merchant.key });
      expect(balances.body.pending).toBe(12_345 - 25);
      const sandbox = await t.call('GET', `/v1/sandbox/accounts/${account}`);
      expect(sandbox.body.balance).toBe(100_000_000 - 12_345);
      expect(sandbox.body.received).toHaveLength(1);
      expect(sandbox.body.received[0]).toMatchObject({ end_to_end_id: created.id, amount: 12_345, outcome: 'succeeded' });
    });

    it('a frozen account fails with account_blocked, not retryable', async () => {
      const account = nextCard();
      expect((await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { status: 'frozen' } })).status).toBe(200);
      const mandateId = await createMandate(t, merchant.key, account);
      const done = await final((await debit(mandateId, 5_000, 'INV-FROZEN')).id);
      expect(done.status).toBe('failed');
      expect(done.failure).toMatchObject({ code: 'account_blocked', retryable: false });
    });

    it('an account without enough money fails with insufficient_funds, retryable', async () => {
      const account = nextCard();
      await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { balance: 999 } });
      const mandateId = await createMandate(t, merchant.key, account);
      const done = await final((await debit(mandateId, 1_000, 'INV-POOR')).id);
      expect(done.failure).toMatchObject({ code: 'insufficient_funds', retryable: true });
      expect((await t.call('GET', `/v1/sandbox/accounts/${account}`)).body.balance).toBe(999);
    });

    it('a class III account over its daily limit fails with limit_exceeded', async () => {
      const account = nextCard();
      await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { account_class: 'III' } });
      const mandateId = await createMandate(t, merchant.key, account);
      const done = await final((await debit(mandateId, 200_001, 'INV-CLASS3')).id);
      expect(done.failure.code).toBe('limit_exceeded');
    });

    it.each([
      ['over the per-debit limit', { limits: { per_debit_max: 10_000 } }, 10_001, 'mandate_limit_exceeded'],
      ['at the per-debit limit', { limits: { per_debit_max: 10_000 } }, 10_000, null],
      ['before valid_from', { valid_from: '2099-01-01' }, 100, 'mandate_not_yet_valid'],
      ['after valid_until', { valid_until: '2026-01-31' }, 100, 'mandate_expired'],
    ] as const)('%s → %s', async (_name, terms, amount, code) => {
      const mandateId = await createMandate(t, merchant.key, nextCard(), terms);
      const created = await debit(mandateId, amount, `INV-TERMS-${serial}`);
      if (code === null) expect(created.status).toBe('pending');
      else expect(created).toMatchObject({ status: 'rejected', failure: { code }, channel: null });
    });

    it('a revoked mandate rejects with mandate_revoked, and the mandate shows revoked', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const revoked = await t.call('POST', `/v1/mandates/${mandateId}/revoke`, { key: merchant.key });
      expect(revoked.body.status).toBe('revoked');
      const created = await debit(mandateId, 100, 'INV-REVOKED');
      expect(created).toMatchObject({ status: 'rejected', failure: { code: 'mandate_revoked' } });
    });

    it('the monthly limit counts earlier debits and is given back when one fails', async () => {
      const account = nextCard();
      const mandateId = await createMandate(t, merchant.key, account, { limits: { monthly_max: 10_000 } });
      await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { balance: 6_500 } });
      const first = await debit(mandateId, 6_000, 'INV-M1');
      expect((await final(first.id)).status).toBe('succeeded');
      expect((await debit(mandateId, 4_001, 'INV-M2')).failure.code).toBe('mandate_monthly_limit_exceeded');
      const failing = await debit(mandateId, 4_000, 'INV-M3');
      expect((await final(failing.id)).failure.code).toBe('insufficient_funds');
      // The failed 4,000 gave its room back: 6,000 + 4,000 fits again.
      expect((await debit(mandateId, 4_000, 'INV-M4')).status).toBe('pending');
    });

    it('finds the mandate by card number and checks the payer details given', async () => {
      const account = nextCard();
      const mandateId = await createMandate(t, merchant.key, account);
      const byCard = await t.call('POST', '/v1/debits', { key: merchant.key, body: { payer: { account_number: account }, amount: 100, currency: 'CNY', reference: 'INV-CARD' } });
      expect(byCard.body).toMatchObject({ status: 'pending', mandate_id: mandateId });
      const wrongName = await t.call('POST', '/v1/debits', {
        key: merchant.key,
        body: { payer: { account_number: account, holder_name: '李四' }, amount: 100, currency: 'CNY', reference: 'INV-CARD-NAME' },
      });
      expect(wrongName.body).toMatchObject({ status: 'rejected', failure: { code: 'payer_details_mismatch' } });
      const unknown = await t.call('POST', '/v1/debits', { key: merchant.key, body: { payer: { account_number: nextCard() }, amount: 100, currency: 'CNY', reference: 'INV-NOMANDATE' } });
      expect(unknown.body).toMatchObject({ status: 'rejected', failure: { code: 'mandate_not_found' }, mandate_id: null });
    });

    it("a debit's 201 is serialised once: the replay is the same text, JSON, and it matches the response schema", async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const body = { mandate_id: mandateId, amount: 779, currency: 'CNY', reference: 'INV-ONCE', description: '水费 "一月"', metadata: { z: '1', a: '2' } };
      const headers = { 'idempotency-key': 'once-1' };
      const first = await t.call('POST', '/v1/debits', { key: merchant.key, body, headers });
      const firstText = t.bodies.at(-1)!;
      const replay = await t.call('POST', '/v1/debits', { key: merchant.key, body, headers });
      expect([first.status, replay.status]).toEqual([201, 201]);
      expect(t.bodies.at(-1)).toBe(firstText);
      for (const answer of [first, replay]) expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      // Sent without going through the response schema: the presenter's answer must match it (strict objects).
      expect(Debit.safeParse(JSON.parse(firstText)).success).toBe(true);
      expect(first.body).toMatchObject({ reference: 'INV-ONCE', description: '水费 "一月"', metadata: { z: '1', a: '2' }, status: 'pending' });
      // Without a key too.
      const keyless = await t.call('POST', '/v1/debits', { key: merchant.key, body: { ...body, reference: 'INV-ONCE-2' } });
      expect(keyless.status).toBe(201);
      expect(keyless.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(Debit.safeParse(keyless.body).success).toBe(true);
    });

    it('two active mandates on one card make a payer-only debit ambiguous', async () => {
      const account = nextCard();
      await createMandate(t, merchant.key, account);
      await createMandate(t, merchant.key, account);
      const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: { payer: { account_number: account }, amount: 100, currency: 'CNY', reference: 'INV-AMBIG' } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0]).toMatchObject({ pointer: '/mandate_id', code: 'ambiguous_mandate' });
    });

    it('idempotency: a replay returns the first response; another body is 409; a used reference is 409', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const body = { mandate_id: mandateId, amount: 777, currency: 'CNY', reference: 'INV-IDEM' };
      const first = await t.call('POST', '/v1/debits', { key: merchant.key, body, headers: { 'idempotency-key': 'idem-1' } });
      const replay = await t.call('POST', '/v1/debits', { key: merchant.key, body, headers: { 'idempotency-key': 'idem-1' } });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(first.body);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const other = await t.call('POST', '/v1/debits', { key: merchant.key, body: { ...body, amount: 778 }, headers: { 'idempotency-key': 'idem-1' } });
      expect(other.status).toBe(409);
      expect(other.body.type).toMatch(/idempotency_key_reused$/);
      const sameReference = await t.call('POST', '/v1/debits', { key: merchant.key, body, headers: { 'idempotency-key': 'idem-2' } });
      expect(sameReference.status).toBe(409);
      expect(sameReference.body.errors[0].pointer).toBe('/reference');
      const list = await t.call('GET', '/v1/debits?reference=INV-IDEM', { key: merchant.key });
      expect(list.body.data).toHaveLength(1);
    });

    it('concurrent requests with one key create one debit; the loser is refused or replayed', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const body = { mandate_id: mandateId, amount: 321, currency: 'CNY', reference: 'INV-RACE' };
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => t.call('POST', '/v1/debits', { key: merchant.key, body, headers: { 'idempotency-key': 'race-key' } })),
      );
      const created = responses.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      for (const r of responses.filter((r) => r.status !== 201)) expect(r.body.type).toMatch(/request_in_progress$/);
      expect((await t.call('GET', '/v1/debits?reference=INV-RACE', { key: merchant.key })).body.data).toHaveLength(1);
    });

    it('concurrent debits with one reference and no key: one is created, the others are 409 reference_already_used', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const body = { mandate_id: mandateId, amount: 322, currency: 'CNY', reference: 'INV-RACE-NOKEY' };
      const responses = await Promise.all(Array.from({ length: 6 }, () => t.call('POST', '/v1/debits', { key: merchant.key, body })));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      for (const r of responses.filter((r) => r.status === 409)) expect(r.body.type).toMatch(/reference_already_used$/);
      expect((await t.call('GET', '/v1/debits?reference=INV-RACE-NOKEY', { key: merchant.key })).body.data).toHaveLength(1);
    });

    it('concurrent mandates with one agreement number: one is created, the others are 409 agreement_number_already_used', async () => {
      const agreement = 'AGR-RACE-1';
      const responses = await Promise.all(Array.from({ length: 6 }, () => t.call('POST', '/v1/mandates', { key: merchant.key, body: {
        payer: { account_number: nextCard(), account_kind: 'personal', medium: 'bank_card', holder_name: '张三' }, agreement_number: agreement, signed_at: '2026-01-01',
      } })));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      for (const r of responses.filter((r) => r.status === 409)) expect(r.body.type).toMatch(/agreement_number_already_used$/);
      expect((await t.call('GET', `/v1/mandates?agreement_number=${agreement}`, { key: merchant.key })).body.data).toHaveLength(1);
    });

    it('concurrent channels with one id: one is created, the others are 409 naming /id', async () => {
      const channel = { id: 'race-channel', type: 'direct_bank', name: 'Race', bank_code: 'ICBC', capabilities: ['debit'], cost_schedule: { fixed: 50 }, priority: 100, enabled: false };
      const responses = await Promise.all(Array.from({ length: 6 }, (_, index) => t.call('POST', '/v1/channels', { body: { ...channel, name: `Race ${index}` } })));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      for (const r of responses.filter((r) => r.status === 409)) expect(r.body.errors[0].pointer).toBe('/id');
      // The one created is the one answered 201: no loser overwrote it.
      const created = responses.find((r) => r.status === 201)!;
      expect((await t.call('GET', '/v1/channels/race-channel')).body.name).toBe(created.body.name);
    });

    it('a rejected debit does not hold its reference', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard(), { limits: { per_debit_max: 100 } });
      expect((await debit(mandateId, 101, 'INV-AGAIN')).status).toBe('rejected');
      expect((await debit(mandateId, 100, 'INV-AGAIN')).status).toBe('pending');
    });

    it('a merchant sees only its own objects: another merchant’s debit and mandate are 404', async () => {
      const other = await createMerchant(t, { name: '公益基金会', category: 'public_welfare', settlement_account: { account_number: '110100998877', bank_code: 'BOC', region_code: '110000', holder_name: '公益基金会' } });
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const created = await debit(mandateId, 100, 'INV-MINE');
      expect((await t.call('GET', `/v1/debits/${created.id}`, { key: other.key })).status).toBe(404);
      expect((await t.call('GET', `/v1/mandates/${mandateId}`, { key: other.key })).status).toBe(404);
      expect((await t.call('GET', '/v1/debits', { key: other.key })).body.data).toEqual([]);
      const foreign = await t.call('POST', '/v1/debits', { key: other.key, body: { mandate_id: mandateId, amount: 100, currency: 'CNY', reference: 'STEAL' } });
      expect(foreign.body).toMatchObject({ status: 'rejected', failure: { code: 'mandate_not_found' } });
      expect((await t.call('GET', `/v1/merchants/${merchant.id}`, { key: other.key })).status).toBe(404);
    });

    it('lists are cursor-paginated, newest first, and filterable', async () => {
      const page1 = await t.call('GET', '/v1/debits?limit=2', { key: merchant.key });
      expect(page1.body.data).toHaveLength(2);
      expect(page1.body.has_more).toBe(true);
      expect(page1.body.data[0].id > page1.body.data[1].id).toBe(true);
      const page2 = await t.call('GET', `/v1/debits?limit=2&starting_after=${page1.body.data[1].id}`, { key: merchant.key });
      expect(page2.body.data[0].id < page1.body.data[1].id).toBe(true);
      const rejected = await t.call('GET', '/v1/debits?status=rejected&limit=100', { key: merchant.key });
      expect(rejected.body.data.length).toBeGreaterThan(0);
      expect(rejected.body.data.every((d: { status: string }) => d.status === 'rejected')).toBe(true);
    });

    it('the trial balance sums to zero and matches the postings', async () => {
      await eventually(async () => {
        const { body } = await t.call('GET', '/v1/debits?status=pending', { key: merchant.key });
        const submitted = await t.call('GET', '/v1/debits?status=submitted', { key: merchant.key });
        return body.data.length === 0 && submitted.body.data.length === 0;
      });
      const { body } = await t.call('GET', '/v1/ledger/trial-balance');
      expect(body.total).toBe(0);
      expect(body.balanced).toBe(true);
      expect(body.mismatched).toEqual([]);
      const balance = (account: string) => body.accounts.find((a: { account: string }) => a.account === account)?.balance ?? 0;
      const succeeded = (await t.call('GET', '/v1/debits?status=succeeded&limit=100', { key: merchant.key })).body.data;
      const collected = succeeded.reduce((sum: number, d: { amount: number }) => sum + d.amount, 0);
      const fees = succeeded.reduce((sum: number, d: { fees: { merchant: number } }) => sum + d.fees.merchant, 0);
      expect(fees).toBeGreaterThan(0);
      expect(balance('channel:sandbox-clearing:clearing')).toBe(collected);
      expect(balance(`merchant:${merchant.id}:pending`)).toBe(-(collected - fees));
      expect(balance('platform:fee_revenue')).toBe(-fees);
      const balances = await t.call('GET', '/v1/balances', { key: merchant.key });
      expect(balances.body.pending).toBe(collected - fees);
    });
  });
}
