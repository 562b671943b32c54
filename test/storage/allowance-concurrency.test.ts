import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/ports.js';
import { compilePlan } from '../../src/core/index.js';
import { idCheckCharacter } from '../../src/core/payers/index.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * DESIGN-NOTES §4: two concurrent debits of one payer never both use the same allowance. The
 * counter row of (plan, subject, month) is locked, read and advanced inside the transaction that
 * accepts a debit, so that concurrent transactions on one row run one after the other.
 *
 * The order in which transactions get the lock is their serial order: a transaction gets the
 * row only after the one holding it has committed or rolled back. Each transaction notes what it
 * read in that order, and the test replays the serial execution to check every reading.
 */

const PLAN = 'card-repayment-2017';
const SUBJECT = 'id:subject-under-test';
const MONTH = '2017-12';
const CARD_REPAYMENT = compilePlan({ allowance: 500_000, rate: '0.001', min: 10 });

/** Long enough for the other transactions to reach the row while this one holds it. */
function pause(ms = 15): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

for (const engine of ENGINES) {
  describe(`allowance counters under concurrency on ${engine}: the store`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeEach(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(
        engine === 'sqlite'
          ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') }
          : // More connections than transactions, so that all of them really run at once.
            { engine: 'postgres', url: database.databaseUrl!, poolSize: 16 },
      );
      store = opened.store;
      await migrateToLatest(opened.db);
    });

    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    for (const existing of [false, true]) {
      it(`10 transactions adding 100 each to ${existing ? 'an existing' : 'a new'} row read 0, 100, …, 900 in turn and leave 1,000`, async () => {
        if (existing) await store.addAllowanceUsage(PLAN, SUBJECT, MONTH, 0);
        const order: number[] = [];
        const readings = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.transaction(async (tx) => {
              const used = await tx.lockAllowanceUsage(PLAN, SUBJECT, MONTH);
              order.push(used);
              await pause();
              await tx.addAllowanceUsage(PLAN, SUBJECT, MONTH, 100);
              return used;
            }),
          ),
        );
        expect([...readings].sort((a, b) => a - b)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
        // In lock order, each saw exactly what the ones before it had added.
        expect(order).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
        expect(await store.lockAllowanceUsage(PLAN, SUBJECT, MONTH)).toBe(1_000);
      });
    }

    it('ten 1,000-yuan quotes after 4,500 yuan: one straddles the allowance, nine pay 1.00 yuan, none shares free room', async () => {
      await store.addAllowanceUsage(PLAN, SUBJECT, MONTH, 450_000);
      const fees = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.transaction(async (tx) => {
            const used = await tx.lockAllowanceUsage(PLAN, SUBJECT, MONTH);
            await pause();
            const fee = CARD_REPAYMENT.quote(100_000, used);
            await tx.addAllowanceUsage(PLAN, SUBJECT, MONTH, 100_000);
            return fee;
          }),
        ),
      );
      expect([...fees].sort((a, b) => a - b)).toEqual([50, 100, 100, 100, 100, 100, 100, 100, 100, 100]);
      expect(fees.reduce((a, b) => a + b, 0)).toBe(CARD_REPAYMENT.quote(1_000_000, 450_000));
      expect(await store.lockAllowanceUsage(PLAN, SUBJECT, MONTH)).toBe(1_450_000);
    });

    it('a transaction that rolls back adds nothing, and the others go on after it', async () => {
      const order: { index: number; used: number }[] = [];
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, index) =>
          store.transaction(async (tx) => {
            const used = await tx.lockAllowanceUsage(PLAN, SUBJECT, MONTH);
            order.push({ index, used });
            await pause();
            await tx.addAllowanceUsage(PLAN, SUBJECT, MONTH, 100);
            if (index % 2 === 1) throw new Error(`transaction ${index} gives up`);
            return used;
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(5);
      expect(order).toHaveLength(10);
      // Replay in lock order: only the committed ones move the counter.
      let value = 0;
      for (const { index, used } of order) {
        expect({ index, used }).toEqual({ index, used: value });
        if (index % 2 === 0) value += 100;
      }
      expect(await store.lockAllowanceUsage(PLAN, SUBJECT, MONTH)).toBe(500);
    });

    it('giving back a failed debit’s share concurrently with new debits loses nothing', async () => {
      // 3,000 fen from a debit that is about to fail, then five debits of 100 and the release race.
      await store.addAllowanceUsage(PLAN, SUBJECT, MONTH, 3_000);
      const deltas = [100, 100, -3_000, 100, 100, 100];
      const order: { index: number; used: number }[] = [];
      await Promise.all(
        deltas.map((delta, index) =>
          store.transaction(async (tx) => {
            const used = await tx.lockAllowanceUsage(PLAN, SUBJECT, MONTH);
            order.push({ index, used });
            await pause();
            await tx.addAllowanceUsage(PLAN, SUBJECT, MONTH, delta);
          }),
        ),
      );
      let value = 3_000;
      for (const { index, used } of order) {
        expect({ index, used }).toEqual({ index, used: value });
        value += deltas[index]!;
      }
      expect(order).toHaveLength(deltas.length);
      expect(await store.lockAllowanceUsage(PLAN, SUBJECT, MONTH)).toBe(500);
    });

    it('keeps plans, subjects and months apart, even when they race', async () => {
      const keys = [
        { plan: PLAN, subject: SUBJECT, month: MONTH },
        { plan: PLAN, subject: 'id:someone-else', month: MONTH },
        { plan: PLAN, subject: SUBJECT, month: '2018-01' },
        { plan: 'another-plan', subject: SUBJECT, month: MONTH },
      ];
      const seen = new Map<number, number[]>(keys.map((_, k) => [k, []]));
      await Promise.all(
        Array.from({ length: 12 }, (_, index) => {
          const k = index % keys.length;
          const key = keys[k]!;
          return store.transaction(async (tx) => {
            const used = await tx.lockAllowanceUsage(key.plan, key.subject, key.month);
            seen.get(k)!.push(used);
            await pause();
            await tx.addAllowanceUsage(key.plan, key.subject, key.month, 100 * (k + 1));
          });
        }),
      );
      for (const [k, key] of keys.entries()) {
        const step = 100 * (k + 1);
        expect({ k, seen: seen.get(k) }).toEqual({ k, seen: [0, step, 2 * step] });
        expect(await store.lockAllowanceUsage(key.plan, key.subject, key.month)).toBe(3 * step);
      }
    });
  });
}

const idNumber = (body: string) => `${body}${idCheckCharacter(body)}`;

/** Through the API, one engine loop: concurrent debits of one payer identity under card-repayment-2017. */
for (const engine of ENGINES) {
  describe(`allowance counters under concurrency on ${engine}: the API`, () => {
    let t: TestHub;
    let lender: { id: string; key: string };
    let insurer: { id: string; key: string };
    let serial = 0;

    beforeAll(async () => {
      t = await startTestHub(engine, { scenario: 'cn-2017' });
      const settlement = (n: string) => ({ account_number: `44030100${n}`, bank_code: 'ICBC', region_code: '440300', holder_name: '收款单位' });
      lender = await createMerchant(t, { name: '信用卡中心', category: 'loan_repayment', settlement_account: settlement('11112222'), payer_fee_plan: 'card-repayment-2017' });
      insurer = await createMerchant(t, { name: '保险公司', category: 'insurance', settlement_account: settlement('33334444'), payer_fee_plan: 'card-repayment-2017' });
      expect((await t.call('POST', '/v1/sandbox/clock', { body: { now: '2017-12-15T10:00:00+08:00' } })).status).toBe(200);
    });
    afterAll(async () => t?.close());

    /** A payer with one ID number and a card (and mandate) at each merchant. */
    async function payer(idBody: string, serialBase: number): Promise<{ mandate: string; merchant: { key: string } }[]> {
      const id = idNumber(idBody);
      const result: { mandate: string; merchant: { key: string } }[] = [];
      for (const [offset, merchant] of [lender, insurer].entries()) {
        const card = cardNumber('622202', serialBase + offset);
        const mandate = await createMandate(t, merchant.key, card, {
          payer: { account_number: card, account_kind: 'personal', medium: 'bank_card', holder_name: '李四', id_number: id },
          signed_at: '2017-01-01',
        });
        result.push({ mandate, merchant });
      }
      return result;
    }

    async function post(merchant: { key: string }, mandate: string, amount: number) {
      serial += 1;
      return t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandate, amount, currency: 'CNY', reference: `RACE-${serial}` } });
    }

    async function allFinal(debits: { id: string; key: string }[]) {
      return Promise.all(
        debits.map((d) =>
          eventually(async () => {
            const { body } = await t.call('GET', `/v1/debits/${d.id}`, { key: d.key });
            return body.status === 'succeeded' || body.status === 'failed' ? body : null;
          }, 20_000, `debit ${d.id} to finish`),
        ),
      );
    }

    it('ten concurrent 1,000-yuan debits after 4,500 yuan used: exactly the serial fees, [0.50, 1.00 × 9]', async () => {
      const mandates = await payer('44030119880808123', 8_100_000);
      const first = await post(mandates[0]!.merchant, mandates[0]!.mandate, 450_000);
      expect(first.body).toMatchObject({ status: 'pending', payer_fee: 0 });
      await allFinal([{ id: first.body.id, key: lender.key }]);

      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => post(mandates[i % 2]!.merchant, mandates[i % 2]!.mandate, 100_000)));
      for (const response of responses) expect(response.status).toBe(201);
      const fees = responses.map((r) => r.body.payer_fee as number);
      expect([...fees].sort((a, b) => a - b)).toEqual([50, 100, 100, 100, 100, 100, 100, 100, 100, 100]);
      expect(fees.reduce((a, b) => a + b, 0)).toBe(CARD_REPAYMENT.quote(1_000_000, 450_000));

      const finals = await allFinal(responses.map((r, i) => ({ id: r.body.id, key: mandates[i % 2]!.merchant.key })));
      for (const [i, debit] of finals.entries()) {
        expect(debit).toMatchObject({ status: 'succeeded', payer_fee: fees[i], amount_debited: 100_000 + fees[i]! });
      }
    });

    it('ten concurrent 600-yuan debits of a fresh payer: eight fit the allowance, then 0.40 and 0.60 yuan — never two on the same free room', async () => {
      const mandates = await payer('11010519770707456', 8_200_000);
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => post(mandates[i % 2]!.merchant, mandates[i % 2]!.mandate, 60_000)));
      for (const response of responses) expect(response.status).toBe(201);
      const fees = responses.map((r) => r.body.payer_fee as number);
      // Serial: cumulative 0, 600, …, 5,400 yuan; the 9th straddles 5,000 (400 yuan due), the 10th is all due.
      const serialFees = Array.from({ length: 10 }, (_, i) => CARD_REPAYMENT.quote(60_000, i * 60_000));
      expect(serialFees).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 40, 60]);
      expect([...fees].sort((a, b) => a - b)).toEqual(serialFees);
      expect(fees.filter((fee) => fee === 0)).toHaveLength(8);
      expect(fees.reduce((a, b) => a + b, 0)).toBe(CARD_REPAYMENT.quote(600_000, 0));
      await allFinal(responses.map((r, i) => ({ id: r.body.id, key: mandates[i % 2]!.merchant.key })));
      // The counter holds all ten: one more yuan is due at once.
      const after = await post(lender, mandates[0]!.mandate, 100);
      expect(after.body.payer_fee).toBe(10);
      await allFinal([{ id: after.body.id, key: lender.key }]);
    });

    it('the ledger still balances and payer fee revenue is the sum of the succeeded debits’ payer fees', async () => {
      const trial = await t.call('GET', '/v1/ledger/trial-balance');
      expect(trial.body.total).toBe(0);
      const list = async (key: string) => (await t.call('GET', '/v1/debits?limit=100', { key })).body.data as { status: string; payer_fee: number }[];
      const all = [...(await list(lender.key)), ...(await list(insurer.key))];
      const succeededFees = all.filter((d) => d.status === 'succeeded').reduce((sum, d) => sum + d.payer_fee, 0);
      const revenue = trial.body.accounts.find((a: { account: string }) => a.account === 'platform:payer_fee_revenue')?.balance ?? 0;
      expect(revenue).toBe(-succeededFees);
      expect(succeededFees).toBeGreaterThanOrEqual(950 + 100);
    });
  });
}
