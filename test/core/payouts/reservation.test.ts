import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accounts,
  payoutReleasedTransaction,
  payoutReservedTransaction,
  payoutSucceededTransaction,
  reserveFromAvailable,
  type LedgerTransaction,
} from '../../../src/core/index.js';

const MERCHANT = 'mer_1';
const AVAILABLE = accounts.merchantAvailable(MERCHANT).id;
const RESERVED = accounts.merchantReserved(MERCHANT).id;

/** One payout's life in the model: accepted (reserved), then maybe succeeded or failed. */
type Step = { op: 'reserve'; amountFen: number; feeFen: number } | { op: 'succeed' | 'fail'; pick: number };

const steps = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('reserve' as const), amountFen: fc.integer({ min: 1, max: 50_000 }), feeFen: fc.integer({ min: 0, max: 500 }) }),
    fc.record({ op: fc.constantFrom('succeed' as const, 'fail' as const), pick: fc.nat() }),
  ),
  { maxLength: 60 },
);

function post(balances: Map<string, number>, transaction: LedgerTransaction): void {
  for (const posting of transaction.postings) balances.set(posting.account.id, (balances.get(posting.account.id) ?? 0) + posting.amountFen);
}

describe('payout reservation arithmetic', () => {
  it.each([
    // available balance (a credit: ≤ 0), reservation, balance after or null (refused)
    [-1000, 1000, 0],
    [-1000, 999, -1],
    [-1000, 1001, null],
    [0, 1, null],
  ])('available %i, reserving %i → %s', (available, reservation, after) => {
    expect(reserveFromAvailable(available, reservation)).toBe(after);
  });

  it('never takes available below zero, and every payout ends with its reservation used or given back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), steps, (fundedFen, script) => {
        const balances = new Map<string, number>([[AVAILABLE, 0 - fundedFen]]);
        const open: { payoutId: string; amountFen: number; feeFen: number }[] = [];
        let paidOutFen = 0;
        script.forEach((step: Step, index) => {
          if (step.op === 'reserve') {
            const payout = { payoutId: `pyt_${index}`, merchantId: MERCHANT, channelId: 'c', amountFen: step.amountFen, feeFen: step.feeFen, channelCostFen: 30 };
            const after = reserveFromAvailable(balances.get(AVAILABLE) ?? 0, step.amountFen + step.feeFen);
            if (after === null) {
              // Refused exactly when the balance shown would go negative.
              expect(-(balances.get(AVAILABLE) ?? 0)).toBeLessThan(step.amountFen + step.feeFen);
              return;
            }
            post(balances, payoutReservedTransaction(payout));
            expect(balances.get(AVAILABLE)).toBe(after);
            open.push(payout);
          } else if (open.length > 0) {
            const [payout] = open.splice(step.pick % open.length, 1);
            const full = { ...payout!, merchantId: MERCHANT, channelId: 'c', channelCostFen: 30 };
            if (step.op === 'succeed') {
              post(balances, payoutSucceededTransaction(full));
              paidOutFen += payout!.amountFen + payout!.feeFen;
            } else post(balances, payoutReleasedTransaction(full));
          }
          expect(balances.get(AVAILABLE) ?? 0).toBeLessThanOrEqual(0);
        });
        const reservedShown = 0 - (balances.get(RESERVED) ?? 0);
        expect(reservedShown).toBe(open.reduce((sum, p) => sum + p.amountFen + p.feeFen, 0));
        // What the merchant had is still there: available + reserved + paid out (amount and fee).
        expect(reservedShown + paidOutFen - (balances.get(AVAILABLE) ?? 0)).toBe(fundedFen);
        // Every transaction balanced, so the whole ledger sums to zero with the funding's other side.
        expect([...balances.values()].reduce((a, b) => a + b, 0) + fundedFen).toBe(0);
      }),
    );
  });
});
