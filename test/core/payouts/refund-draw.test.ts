import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refundDraw } from '../../../src/core/index.js';

/** refundDraw (SPEC §14): a refund draws on the debit's net in `pending` while it is unsettled, then on `available`. */
describe('refundDraw', () => {
  it.each([
    // amount, merchant fee, refunded from pending, settled, refund → pending, available
    [10_000, 20, 0, false, 4_000, 4_000, 0],
    [10_000, 20, 0, false, 10_000, 9_980, 20],
    [10_000, 20, 9_000, false, 1_000, 980, 20],
    [10_000, 20, 9_980, false, 20, 0, 20],
    [10_000, 20, 0, true, 4_000, 0, 4_000],
    // Fees above the amount: the net in pending is not positive, nothing of it can be drawn.
    [100, 150, 0, false, 100, 0, 100],
  ])('a debit of %i (fee %i, %i drawn before, settled: %s) refunded %i: %i from pending, %i from available', (amountFen, merchantFeeFen, refundedFromPendingFen, settled, refund, pending, available) => {
    expect(refundDraw({ amountFen, merchantFeeFen, refundedFromPendingFen, settled }, refund)).toEqual({ pendingFen: pending, availableFen: available });
  });

  it('refunds of a debit in any order never draw more than its net from pending, and always the whole refund', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 2_000 }), fc.array(fc.integer({ min: 1, max: 300_000 }), { maxLength: 20 }), fc.integer({ min: -1, max: 20 }), (amountFen, merchantFeeFen, refunds, settleAfter) => {
        let refunded = 0;
        let fromPending = 0;
        refunds.forEach((refund, index) => {
          if (refunded + refund > amountFen) return; // refused by the conditional update
          const draw = refundDraw({ amountFen, merchantFeeFen, refundedFromPendingFen: fromPending, settled: index > settleAfter && settleAfter >= 0 }, refund);
          expect(draw.pendingFen + draw.availableFen).toBe(refund);
          expect(draw.pendingFen).toBeGreaterThanOrEqual(0);
          expect(draw.availableFen).toBeGreaterThanOrEqual(0);
          refunded += refund;
          fromPending += draw.pendingFen;
        });
        expect(fromPending).toBeLessThanOrEqual(Math.max(0, amountFen - merchantFeeFen));
        expect(fromPending).toBeLessThanOrEqual(refunded);
      }),
    );
  });
});
