import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DELIVERY_RETRY_DELAY_MS_BASE, DELIVERY_RETRY_DELAY_MS_MAX, DELIVERY_RETRY_WINDOW_MS, deliveryRetryDelayMs, nextDeliveryAttemptAtMs } from '../../../src/core/index.js';

const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** Every attempt of a delivery that never succeeds, from its first at `startMs`, with the draws given. */
function schedule(startMs: number, draws: readonly number[]): number[] {
  const attempts = [startMs];
  let index = 0;
  for (;;) {
    const next = nextDeliveryAttemptAtMs(startMs, attempts.length, attempts.at(-1)!, () => draws[index++ % draws.length]!);
    if (next === null) return attempts;
    attempts.push(next);
  }
}

describe('webhook delivery retries', () => {
  it.each([
    [1, 0, 60_000],
    [1, 0.5, 75_000],
    [2, 0, 120_000],
    [3, 0.999, 359_880],
    [10, 0, 30_720_000],
    [11, 0, DELIVERY_RETRY_DELAY_MS_MAX],
    [60, 0.3, DELIVERY_RETRY_DELAY_MS_MAX],
  ])('after attempt %i with draw %d the wait is %i ms', (attempt, random, expected) => {
    expect(deliveryRetryDelayMs(attempt, () => random)).toBe(expected);
  });

  it('waits never shrink, whatever the draws, and stay within [base·2^(n−1), cap]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), draw, draw, (attempt, first, second) => {
        const now = deliveryRetryDelayMs(attempt, () => first);
        const after = deliveryRetryDelayMs(attempt + 1, () => second);
        expect(after).toBeGreaterThanOrEqual(now);
        expect(now).toBeLessThanOrEqual(DELIVERY_RETRY_DELAY_MS_MAX);
        expect(now).toBeGreaterThanOrEqual(Math.min(DELIVERY_RETRY_DELAY_MS_BASE * 2 ** (attempt - 1), DELIVERY_RETRY_DELAY_MS_MAX));
      }),
    );
  });

  it('a delivery that never succeeds is tried until exactly 3 days after its first attempt, then given up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.array(draw, { minLength: 1, maxLength: 30 }), (startMs, draws) => {
        const attempts = schedule(startMs, draws);
        expect(attempts.at(-1)).toBe(startMs + DELIVERY_RETRY_WINDOW_MS);
        for (let i = 1; i < attempts.length; i += 1) expect(attempts[i]!).toBeGreaterThan(attempts[i - 1]!);
        // A minute doubling to 12 hours: some 15 attempts fill the window, never hundreds.
        expect(attempts.length).toBeGreaterThanOrEqual(10);
        expect(attempts.length).toBeLessThanOrEqual(20);
      }),
    );
  });

  it('refuses a draw outside [0, 1)', () => {
    expect(() => deliveryRetryDelayMs(1, () => 1)).toThrow(/\[0, 1\)/);
  });
});
