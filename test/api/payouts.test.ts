import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts } from '../../src/core/index.js';
import { ENGINES } from '../support/engines.js';
import { fundAvailable } from '../support/funding.js';
import { cardNumber, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/** SPEC §14 payouts through the API: acceptance, refusals, the atomic reservation. No worker runs here. */
for (const engine of ENGINES) {
  describe(`payouts API on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let serial = 5000;
    const nextCard = () => cardNumber('622202', (serial += 1));
    const payee = (account: string) => ({ account_number: account, account_kind: 'personal', holder_name: '李四' });

    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false });
      merchant = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    const balances = async (key = merchant.key) => (await t.call('GET', '/v1/balances', { key })).body;
    const pay = (body: Record<string, unknown>, headers: Record<string, string> = {}, key = merchant.key) => t.call('POST', '/v1/payouts', { key, body: { currency: 'CNY', ...body }, headers });

    it('accepts a payout within the available balance, reserves amount + fee, and shows the payee masked', async () => {
      await fundAvailable(t, merchant.id, 50_000, 'fund-1');
      const account = nextCard();
      const created = await pay({ payee: payee(account), amount: 10_000, reference: 'PO-1' }, { 'idempotency-key': 'po-key-1' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ object: 'payout', kind: 'payout', status: 'pending', amount: 10_000, fee: 100, amount_reserved: 10_100, channel: 'sandbox-clearing', failure: null });
      expect(created.body.id).toMatch(/^pyt_/);
      expect(created.body.payee).toMatchObject({ account_kind: 'personal', medium: 'bank_card', bank_code: 'ICBC', holder_name: '李四' });
      expect(created.body.payee.account_number_masked).not.toContain(account.slice(6, 12));
      expect(JSON.stringify(created.body)).not.toContain(account);
      expect(created.body.events.map((event: { type: string }) => event.type)).toEqual(['payout.created']);
      expect(await balances()).toMatchObject({ available: 50_000 - 10_100, reserved: 10_100 });

      const replay = await pay({ payee: payee(account), amount: 10_000, reference: 'PO-1' }, { 'idempotency-key': 'po-key-1' });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(created.body);
      expect((await balances()).reserved).toBe(10_100);

      const reused = await pay({ payee: payee(account), amount: 10_000, reference: 'PO-1' });
      expect(reused.status).toBe(409);
      expect(reused.body.errors).toEqual([expect.objectContaining({ pointer: '/reference', code: 'already_used' })]);

      const got = await t.call('GET', `/v1/payouts/${created.body.id}`, { key: merchant.key });
      expect(got.body).toMatchObject({ id: created.body.id, status: 'pending', attempts: [] });
      const listed = await t.call('GET', '/v1/payouts?reference=PO-1', { key: merchant.key });
      expect(listed.body.data.map((p: { id: string }) => p.id)).toEqual([created.body.id]);
      const other = await createMerchant(t);
      expect((await t.call('GET', `/v1/payouts/${created.body.id}`, { key: other.key })).status).toBe(404);
      expect((await t.call('GET', '/v1/payouts', { key: other.key })).body.data).toEqual([]);
    });

    it.each([
      // body change, pointer, code
      [{ payee: { account_number: '6222021234567890123', account_kind: 'personal', holder_name: '李四' } }, '/payee/account_number', 'invalid_check_digit'],
      [{ payee: { account_number: '12ab', account_kind: 'personal', holder_name: '李四', medium: 'bank_account' } }, '/payee/account_number', 'invalid_format'],
      [{ amount: 0 }, '/amount', undefined],
      [{ payee: { account_number: '6222020000000000001', account_kind: 'personal' } }, '/payee/holder_name', undefined],
    ])('refuses a bad request with a pointer: %j', async (change, pointer, code) => {
      const response = await pay({ payee: payee(nextCard()), amount: 100, reference: `PO-BAD-${serial}`, ...change });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer, ...(code === undefined ? {} : { code }) })]));
    });

    it('a refused request frees its Idempotency-Key: the corrected request under the same key goes through', async () => {
      const bad = await pay({ payee: { account_number: '12ab', account_kind: 'personal', holder_name: '李四' }, amount: 100, reference: 'PO-KEY-FREED' }, { 'idempotency-key': 'po-key-freed' });
      expect(bad.status).toBe(400);
      const fixed = await pay({ payee: payee(nextCard()), amount: 100, reference: 'PO-KEY-FREED' }, { 'idempotency-key': 'po-key-freed' });
      expect(fixed.status).toBe(201);
    });

    it.each([
      // what, body, code
      ['more than available', { payee: payee(cardNumber('622202', 1)), amount: 10_000_000 }, 'insufficient_balance'],
      ['an account whose bank cannot be told', { payee: { account_number: '123456789012', account_kind: 'corporate', medium: 'bank_account', holder_name: '某公司' }, amount: 100 }, 'invalid_payee'],
    ])('stores a payout of %s as rejected, holding nothing', async (_what, body, code) => {
      const before = await balances();
      const response = await pay({ ...body, reference: `PO-REJ-${code}` });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ status: 'rejected', failure: { code }, fee: 0, amount_reserved: 0 });
      expect(response.body.events.map((event: { type: string }) => event.type)).toEqual(['payout.rejected']);
      expect(await balances()).toEqual(before);
      // A rejected payout does not hold its reference.
      expect((await pay({ ...body, reference: `PO-REJ-${code}` })).body.status).toBe('rejected');
    });

    it("a merchant plan's payout schedule prices the payout; a bad one is refused with its pointer", async () => {
      const bad = await t.call('POST', '/v1/fee-plans', { body: { id: 'payout-bad', side: 'merchant', title: 'Bad', schedule: { rate: '0.002', payout: { rate: 'lots' } } } });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([expect.objectContaining({ pointer: '/schedule/payout/rate', code: 'invalid_rate' })]);
      const plan = await t.call('POST', '/v1/fee-plans', { body: { id: 'payout-priced', side: 'merchant', title: 'Payouts at 0.1 %, at least 0.50 yuan', schedule: { rate: '0.002', payout: { rate: '0.001', min: 50 } } } });
      expect(plan.status).toBe(201);
      const m = await createMerchant(t);
      expect((await t.call('PATCH', `/v1/merchants/${m.id}`, { body: { fee_plan: 'payout-priced' } })).status).toBe(200);
      await fundAvailable(t, m.id, 1_000_000, `fund-${m.id}`);
      const big = await pay({ payee: payee(nextCard()), amount: 200_000, reference: 'PRICED-1' }, {}, m.key);
      expect(big.body).toMatchObject({ status: 'pending', fee: 200 });
      const small = await pay({ payee: payee(nextCard()), amount: 1_000, reference: 'PRICED-2' }, {}, m.key);
      expect(small.body).toMatchObject({ status: 'pending', fee: 50 });
    });

    it('64 concurrent payouts against a balance that covers exactly 10: exactly 10 are accepted, available never negative', async () => {
      const m = await createMerchant(t);
      const each = 1_000 + 100; // amount + the default plan's fee
      await fundAvailable(t, m.id, 10 * each, `fund-${m.id}`);
      const results = await Promise.all(
        Array.from({ length: 64 }, (_, index) => pay({ payee: payee(nextCard()), amount: 1_000, reference: `RACE-${index}` }, { 'idempotency-key': `race-${index}` }, m.key)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(64).fill(201));
      const statuses = results.map((r) => r.body.status as string);
      expect(statuses.filter((s) => s === 'pending')).toHaveLength(10);
      expect(statuses.filter((s) => s === 'rejected')).toHaveLength(54);
      expect(new Set(results.filter((r) => r.body.status === 'rejected').map((r) => r.body.failure.code))).toEqual(new Set(['insufficient_balance']));
      expect(await balances(m.key)).toMatchObject({ available: 0, reserved: 10 * each });
      const trial = await t.call('GET', '/v1/ledger/trial-balance');
      expect(trial.body).toMatchObject({ total: 0, balanced: true });
      const available = trial.body.accounts.find((a: { account: string }) => a.account === accounts.merchantAvailable(m.id).id);
      expect(available.balance).toBe(0);
    });
  });
}

/** Payouts carried by the submission worker to the sandbox, which credits the payee (SPEC §10, §14). */
for (const engine of ENGINES) {
  describe(`payouts through the worker on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    let serial = 7000;
    const nextCard = () => cardNumber('622202', (serial += 1));

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
      await fundAvailable(t, merchant.id, 1_000_000, 'fund-worker');
    });
    afterAll(async () => t?.close());

    const balances = async () => (await t.call('GET', '/v1/balances', { key: merchant.key })).body;
    async function payout(account: string, amount: number, reference: string) {
      const response = await t.call('POST', '/v1/payouts', { key: merchant.key, body: { payee: { account_number: account, account_kind: 'personal', holder_name: '李四' }, amount, currency: 'CNY', reference } });
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('pending');
      return response.body;
    }
    async function final(id: string) {
      return eventually(async () => {
        const { body } = await t.call('GET', `/v1/payouts/${id}`, { key: merchant.key });
        return ['succeeded', 'failed'].includes(body.status) ? body : null;
      }, 20_000, `payout ${id} to end`);
    }
    async function trialBalanceIsZero() {
      expect((await t.call('GET', '/v1/ledger/trial-balance')).body).toMatchObject({ total: 0, balanced: true, mismatched: [] });
    }

    it('a payout succeeds: the payee is credited once, the reservation is paid out and the fee earned', async () => {
      const before = await balances();
      const account = nextCard();
      const created = await payout(account, 20_000, 'PAY-OK');
      const done = await final(created.id);
      expect(done.status).toBe('succeeded');
      expect(done.events.map((event: { type: string }) => event.type)).toEqual(['payout.created', 'payout.submitted', 'payout.succeeded']);
      expect(done.attempts).toHaveLength(1);
      const sandbox = (await t.call('GET', `/v1/sandbox/accounts/${account}`)).body;
      expect(sandbox.balance).toBe(100_000_000 + 20_000);
      expect(sandbox.received).toEqual([expect.objectContaining({ end_to_end_id: created.id, amount: 20_000, outcome: 'succeeded', direction: 'credit' })]);
      expect(await balances()).toMatchObject({ available: before.available - 20_100, reserved: 0 });
      await trialBalanceIsZero();
    });

    it.each([
      // account set-up, amount, failure code
      [{ status: 'frozen' }, 5_000, 'account_blocked'],
      [{ status: 'closed' }, 5_000, 'account_closed'],
      [{ account_class: 'III' }, 250_000, 'limit_exceeded'],
    ])('a payout to an account %j fails and gives its reservation back', async (setup, amount, code) => {
      const before = await balances();
      const account = nextCard();
      expect((await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: setup })).status).toBe(200);
      const created = await payout(account, amount, `PAY-${code}`);
      expect((await balances()).reserved).toBe(before.reserved + amount + 100);
      const done = await final(created.id);
      expect(done).toMatchObject({ status: 'failed', failure: { code } });
      expect(await balances()).toEqual(before);
      const sandbox = (await t.call('GET', `/v1/sandbox/accounts/${account}`)).body;
      expect(sandbox.received).toEqual([expect.objectContaining({ end_to_end_id: created.id, outcome: code, direction: 'credit' })]);
      await trialBalanceIsZero();
    });

    it('a payout whose submission went unanswered is queried, never sent again', async () => {
      const account = nextCard();
      // The channel records the payout and never answers: the outcome is unknown until a query.
      expect((await t.call('POST', '/v1/sandbox/faults', { body: { channel: 'sandbox-clearing', mode: 'timeout', count: 1 } })).status).toBe(200);
      const created = await payout(account, 3_000, 'PAY-UNKNOWN');
      const done = await final(created.id);
      expect(done.status).toBe('succeeded');
      expect(done.attempts).toHaveLength(1);
      // The submission was never answered: only a query can have told the outcome, and one attempt was made.
      const sandbox = (await t.call('GET', `/v1/sandbox/accounts/${account}`)).body;
      expect(sandbox.received).toHaveLength(1);
      expect(sandbox.balance).toBe(100_000_000 + 3_000);
      await trialBalanceIsZero();
    });
  });
}

/**
 * A round's payouts for one channel go in one message (`POST …/payout-batches`,
 * docs/sandbox-protocol.md). Seen through a fault that takes one message: with one payout a
 * message, only the first would be refused.
 */
for (const engine of ENGINES) {
  describe(`payouts in batch messages on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };

    beforeAll(async () => {
      // No background workers: the test runs the rounds itself.
      t = await startTestHub(engine, { runWorkers: false });
      merchant = await createMerchant(t);
      await fundAvailable(t, merchant.id, 1_000_000, 'fund-batch');
    });
    afterAll(async () => t?.close());

    it("a round's payouts go in one message: a fault on one message reaches all of them, and each is then paid once", async () => {
      const accounts = [1, 2, 3].map((serial) => cardNumber('622202', 8800 + serial));
      const ids: string[] = [];
      for (const [index, account] of accounts.entries()) {
        const created = await t.call('POST', '/v1/payouts', { key: merchant.key, body: { payee: { account_number: account, account_kind: 'personal', holder_name: '李四' }, amount: 1_000 + index, currency: 'CNY', reference: `PAY-BATCH-${index}` } });
        expect(created.status).toBe(201);
        ids.push(created.body.id);
      }
      expect((await t.call('POST', '/v1/sandbox/faults', { body: { channel: 'sandbox-clearing', mode: 'unavailable', count: 1 } })).status).toBe(200);
      expect(await t.hub.worker.submitRound()).toBe(3);
      const payouts = await Promise.all(ids.map(async (id) => (await t.call('GET', `/v1/payouts/${id}`, { key: merchant.key })).body));
      // The channel refused the one message unread: every payout's first attempt is dead, none held.
      expect(payouts.map((payout) => [payout.status, payout.attempts.map((attempt: { state: string }) => attempt.state)])).toEqual(ids.map(() => ['pending', ['not_sent']]));

      t.clock.advance(60 * 60 * 1000);
      expect(await t.hub.worker.submitRound()).toBe(3);
      // The sandbox settles at once, and the round that sends asks at once: the payouts succeed in it.
      const bodies = await Promise.all(ids.map(async (id) => (await t.call('GET', `/v1/payouts/${id}`, { key: merchant.key })).body));
      expect(bodies.map((body) => body.status)).toEqual(ids.map(() => 'succeeded'));
      for (const account of accounts) {
        const received = (await t.call('GET', `/v1/sandbox/accounts/${account}`)).body.received;
        expect(received.map((entry: { outcome: string; direction: string }) => [entry.outcome, entry.direction])).toEqual([['succeeded', 'credit']]);
      }
    });

    it('an attempt the channel has reported not found is refused there: the hub takes it as not sent, and attempt 2 pays once', async () => {
      const accounts = [1, 2].map((serial) => cardNumber('622202', 8900 + serial));
      const ids: string[] = [];
      for (const [index, account] of accounts.entries()) {
        const created = await t.call('POST', '/v1/payouts', { key: merchant.key, body: { payee: { account_number: account, account_kind: 'personal', holder_name: '李四' }, amount: 2_000 + index, currency: 'CNY', reference: `PAY-LATE-${index}` } });
        ids.push(created.body.id);
      }
      // As a restarted hub's query would have, before the first attempt's message reached the channel.
      const asked = await fetch(`${t.hub.sandboxUrl}/channels/sandbox-clearing/debits/${ids[0]}?attempt=1`);
      expect(asked.status).toBe(404);
      expect(await t.hub.worker.submitRound()).toBe(2);
      const [late, fresh] = await Promise.all(ids.map(async (id) => (await t.call('GET', `/v1/payouts/${id}`, { key: merchant.key })).body));
      expect([late.status, late.attempts.map((attempt: { state: string }) => attempt.state)]).toEqual(['pending', ['not_sent']]);
      // The sandbox settles at once, and the round that sent it asks at once (submission-worker's `askAtOnce`).
      expect(fresh.status).toBe('succeeded');

      t.clock.advance(60 * 60 * 1000);
      expect(await t.hub.worker.submitRound()).toBe(1);
      const bodies = await Promise.all(ids.map(async (id) => (await t.call('GET', `/v1/payouts/${id}`, { key: merchant.key })).body));
      expect(bodies.map((body) => body.status)).toEqual(['succeeded', 'succeeded']);
      const done = (await t.call('GET', `/v1/payouts/${ids[0]}`, { key: merchant.key })).body;
      expect(done.attempts.map((attempt: { attempt_number: number; state: string }) => [attempt.attempt_number, attempt.state])).toEqual([[1, 'not_sent'], [2, 'succeeded']]);
      for (const account of accounts) {
        expect((await t.call('GET', `/v1/sandbox/accounts/${account}`)).body.received).toHaveLength(1);
      }
      expect((await t.call('GET', '/v1/ledger/trial-balance')).body).toMatchObject({ total: 0, balanced: true });
    });
  });
}
