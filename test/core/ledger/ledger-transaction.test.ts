import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvariantError,
  accounts,
  debitSucceededTransaction,
  ledgerTransaction,
  type Posting,
} from '../../../src/core/index.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** Postings on distinct, arbitrary accounts, one per amount. */
function postings(amounts: readonly number[]): Posting[] {
  return amounts.map((amountFen, index) => ({ account: accounts.merchantPending(`mer_${index}`), amountFen }));
}

/** The exact sum, where a float sum would round. */
function exactSum(amounts: readonly number[]): bigint {
  return amounts.reduce((sum, amount) => sum + BigInt(amount), 0n);
}

/** Large enough to cover real amounts, small enough that no sum of a few of them rounds. */
const amount = fc.integer({ min: 0, max: 2 ** 48 });

describe('debitSucceededTransaction', () => {
  const settlement = fc.record({ a: amount, p: amount, f: amount, c: amount }).filter(({ a, p, f, c }) => a + p + f + c > 0);

  it('balances, leaves out zero lines, and moves what DESIGN-NOTES §3 says', () => {
    fc.assert(
      fc.property(settlement, ({ a, p, f, c }) => {
        const transaction = debitSucceededTransaction({
          debitId: 'dbt_1',
          merchantId: 'mer_1',
          channelId: 'chn_1',
          amountFen: a,
          payerFeeFen: p,
          merchantFeeFen: f,
          channelCostFen: c,
        });
        expect([transaction.kind, transaction.refType, transaction.refId]).toEqual(['debit_succeeded', 'debit', 'dbt_1']);
        const amounts = transaction.postings.map((posting) => posting.amountFen);
        expect(exactSum(amounts)).toBe(0n);
        expect(amounts.every((value) => Number.isSafeInteger(value) && value !== 0)).toBe(true);
        expect(transaction.postings.length).toBeGreaterThanOrEqual(2);

        const byAccount = new Map<string, number>();
        for (const posting of transaction.postings) {
          byAccount.set(posting.account.id, (byAccount.get(posting.account.id) ?? 0) + posting.amountFen);
        }
        const expected = new Map(
          (
            [
              ['channel:chn_1:clearing', a + p],
              ['merchant:mer_1:pending', f - a],
              ['platform:payer_fee_revenue', -p],
              ['platform:fee_revenue', -f],
              ['platform:channel_cost', c],
              ['channel:chn_1:payable', -c],
            ] as const
          ).filter(([, change]) => change !== 0),
        );
        expect(byAccount).toEqual(expected);
      }),
    );
  });

  it.each([
    // A, P, F, C, postings (account, fen)
    [10_000, 0, 0, 0, [['channel:chn_1:clearing', 10_000], ['merchant:mer_1:pending', -10_000]]],
    [10_000, 100, 60, 25, [
      ['channel:chn_1:clearing', 10_100],
      ['merchant:mer_1:pending', -9_940],
      ['platform:payer_fee_revenue', -100],
      ['platform:fee_revenue', -60],
      ['platform:channel_cost', 25],
      ['channel:chn_1:payable', -25],
    ]],
    // A fee equal to the amount leaves the merchant nothing: its line disappears.
    [500, 0, 500, 0, [['channel:chn_1:clearing', 500], ['platform:fee_revenue', -500]]],
  ] as const)('A=%i P=%i F=%i C=%i', (a, p, f, c, expected) => {
    const transaction = debitSucceededTransaction({
      debitId: 'dbt_1',
      merchantId: 'mer_1',
      channelId: 'chn_1',
      amountFen: a,
      payerFeeFen: p,
      merchantFeeFen: f,
      channelCostFen: c,
    });
    expect(transaction.postings.map((posting) => [posting.account.id, posting.amountFen])).toEqual(expected);
  });

  it('refuses a debit that moves nothing', () => {
    const nothing = { debitId: 'dbt_1', merchantId: 'mer_1', channelId: 'chn_1', amountFen: 0, payerFeeFen: 0, merchantFeeFen: 0, channelCostFen: 0 };
    expect(() => debitSucceededTransaction(nothing)).toThrow(InvariantError);
  });
});

describe('ledgerTransaction', () => {
  const signed = fc.integer({ min: -(2 ** 48), max: 2 ** 48 });

  it('throws InvariantError for any postings that do not sum to zero', () => {
    fc.assert(
      fc.property(fc.array(signed, { maxLength: 8 }), (amounts) => {
        fc.pre(exactSum(amounts) !== 0n);
        expect(() => ledgerTransaction('test', 'debit', 'dbt_1', postings(amounts))).toThrow(InvariantError);
      }),
    );
  });

  it('keeps the non-zero postings of a balanced transaction, in order', () => {
    fc.assert(
      fc.property(fc.array(signed, { minLength: 1, maxLength: 8 }), (amounts) => {
        const balanced = [...amounts, -amounts.reduce((sum, value) => sum + value, 0)];
        const kept = postings(balanced).filter((posting) => posting.amountFen !== 0);
        fc.pre(kept.length >= 2);
        expect(ledgerTransaction('test', 'debit', 'dbt_1', postings(balanced))).toEqual({
          kind: 'test',
          refType: 'debit',
          refId: 'dbt_1',
          postings: kept,
        });
      }),
    );
  });

  it.each([
    // name, amounts, accepted
    ['a plain transfer', [100, -100], true],
    ['zero lines dropped', [0, 100, 0, -100, 0], true],
    ['the largest safe amounts', [MAX, -MAX], true],
    ['no postings', [], false],
    ['only zero lines', [0, 0], false],
    ['one fen short', [100, -99], false],
    ['fractions that balance', [0.5, -0.5], false],
    ['fractions that balance with integers', [100.5, -100, -0.5], false],
    ['not a number', [Number.NaN, 0], false],
    ['infinities', [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], false],
    ['an unsafe amount', [2 ** 53, -(2 ** 53)], false],
    // Each amount is safe, but a float running sum rounds 2^53 + 1 down and comes back to 0.
    ['one fen off, hidden by float rounding', [MAX, 2, -MAX, -1], false],
  ] as const)('%s: %j accepted %s', (_name, amounts, accepted) => {
    const build = () => ledgerTransaction('test', 'debit', 'dbt_1', postings(amounts));
    if (accepted) {
      expect(build().postings.map((posting) => posting.amountFen)).toEqual(amounts.filter((value) => value !== 0));
    } else {
      expect(build).toThrow(InvariantError);
    }
  });
});
