import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError, checkPlanSchedule, compilePlan, isCumulative, type PlanSchedule } from '../../../src/core/index.js';

/**
 * Fee plans (SPEC §7): a schedule with an optional per-month free `allowance` on the cumulative
 * amount, or marginal `tiers` by cumulative monthly amount; exact arithmetic, rounded half up to
 * the fen once per debit, then held between `min` and `max` whenever a fee is due.
 *
 * The reference computations here are written independently of src/core/fees/plan.ts: every rate
 * is scaled to a common denominator of 10^12 (rates have at most 12 decimals), the chargeable
 * length of each band is summed, and rounding is done by quotient and remainder.
 */

/** The seed's WeChat rule (payer plan `card-repayment-2017` of the cn-2017 scenario). */
const CARD_REPAYMENT: PlanSchedule = { allowance: 500_000, rate: '0.001', min: 10 };
/** The merchant plan `standard`. */
const STANDARD: PlanSchedule = { rate: '0.002', min: 10, max: 2_000 };

const SCALE = 12;
const ONE = 10n ** BigInt(SCALE);

/** A decimal rate string as an integer numerator over 10^12, by string work only. */
function scaledRate(text: string): bigint {
  const [integer, decimals = ''] = text.split('.');
  return BigInt(integer!) * ONE + BigInt(decimals.padEnd(SCALE, '0') || '0');
}

/** numerator / denominator rounded half up, for non-negative values, by quotient and remainder. */
function halfUp(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  return remainder * 2n >= denominator ? quotient + 1n : quotient;
}

/** Chargeable bands of a schedule as [from, to) of cumulative monthly amount with a rate over 10^12. */
function referenceBands(schedule: PlanSchedule): { from: bigint; to: bigint | null; rate: bigint }[] {
  const allowance = BigInt(schedule.allowance ?? 0);
  const raw: { from: bigint; to: bigint | null; rate: bigint }[] = [];
  if (schedule.tiers !== undefined) {
    let from = 0n;
    for (const tier of schedule.tiers) {
      const to = tier.up_to === undefined ? null : BigInt(tier.up_to);
      raw.push({ from, to, rate: scaledRate(tier.rate) });
      if (to !== null) from = to;
    }
  } else {
    raw.push({ from: 0n, to: null, rate: schedule.rate === undefined ? 0n : scaledRate(schedule.rate) });
  }
  // The allowance is free: cut it off the front of every band.
  return raw.map((band) => ({ ...band, from: band.from > allowance ? band.from : allowance })).filter((band) => band.to === null || band.to > band.from);
}

/** The exact fee before rounding, over 10^12, and the length of the amount that is chargeable. */
function referenceExact(schedule: PlanSchedule, amountFen: number, cumulativeFen: number): { exact: bigint; chargeable: bigint } {
  const start = BigInt(cumulativeFen);
  const end = start + BigInt(amountFen);
  let exact = BigInt(schedule.fixed ?? 0) * ONE;
  let chargeable = 0n;
  for (const band of referenceBands(schedule)) {
    const low = start > band.from ? start : band.from;
    const high = band.to === null || end < band.to ? end : band.to;
    if (high <= low) continue;
    exact += (high - low) * band.rate;
    if (band.rate > 0n) chargeable += high - low;
  }
  return { exact, chargeable };
}

/** The fee SPEC §7 asks for: nothing when nothing is due, else rounded once, then held in [min, max]. */
function referenceFee(schedule: PlanSchedule, amountFen: number, cumulativeFen: number): number {
  const { exact } = referenceExact(schedule, amountFen, cumulativeFen);
  if (exact === 0n) return 0;
  const rounded = halfUp(exact, ONE);
  const min = BigInt(schedule.min ?? 0);
  const max = schedule.max === undefined ? null : BigInt(schedule.max);
  const held = rounded < min ? min : max !== null && rounded > max ? max : rounded;
  return Number(held);
}

/** A rate string from an integer numerator and a number of decimals, without the code under test. */
function rateText(numerator: bigint, scale: number): string {
  if (scale === 0) return numerator.toString();
  const digits = numerator.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Rates with 0 to 6 decimals and an integer part of 0 to 2: fees stay safe integers for the amounts below. */
const rateArb = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.bigInt({ min: 0n, max: 2n }))
  .chain(([scale, integer]) => fc.bigInt({ min: 0n, max: 10n ** BigInt(scale) - 1n }).map((fraction) => ({ numerator: integer * 10n ** BigInt(scale) + fraction, scale })))
  .map(({ numerator, scale }) => ({ numerator, scale, text: rateText(numerator, scale) }));
const positiveRateArb = rateArb.filter((rate) => rate.numerator > 0n);

const amountArb = fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000_000_000 }));
const cumulativeArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 1_000_000_000_000 }));
const fenArb = fc.integer({ min: 0, max: 100_000 });

const tiersArb = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 1, max: 5_000_000 }), { maxLength: 4 }), fc.array(rateArb, { minLength: 5, maxLength: 5 }))
  .map(([bounds, rates]) => {
    const sorted = [...bounds].sort((a, b) => a - b);
    return [...sorted.map((up_to, index) => ({ up_to, rate: rates[index]!.text })), { rate: rates[sorted.length]!.text }];
  });

/** Any valid plan schedule: rate or tiers, with or without allowance, fixed, min and max. */
const scheduleArb: fc.Arbitrary<PlanSchedule> = fc
  .record({
    allowance: fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: undefined }),
    fixed: fc.option(fc.integer({ min: 0, max: 1_000 }), { nil: undefined }),
    pricing: fc.oneof(rateArb.map((rate) => ({ rate: rate.text })), tiersArb.map((tiers) => ({ tiers })), fc.constant({})),
    bounds: fc.tuple(fc.option(fenArb, { nil: undefined }), fc.option(fenArb, { nil: undefined })),
  })
  .map(({ allowance, fixed, pricing, bounds: [a, b] }) => {
    const [min, max] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
    const schedule: PlanSchedule = { ...pricing };
    if (allowance !== undefined) schedule.allowance = allowance;
    if (fixed !== undefined) schedule.fixed = fixed;
    if (min !== undefined) schedule.min = min;
    if (max !== undefined) schedule.max = max;
    return schedule;
  });

describe('compilePlan: the card-repayment-2017 example (SPEC §7)', () => {
  const plan = compilePlan(CARD_REPAYMENT);

  it.each([
    // cumulative before (fen), amount (fen), fee (fen), why
    [400_000, 200_000, 100, '4,000 yuan used, a 2,000 yuan debit: 1,000 yuan above the allowance × 0.1 % = 1.00 yuan'],
    [600_000, 1_000, 10, 'the next 10 yuan: 0.01 yuan, raised to the minimum 0.10 yuan'],
    [0, 500_000, 0, 'the whole allowance in one debit is free'],
    [0, 500_001, 10, '5,000.01 yuan: 1 fen above the allowance, 0.001 fen, raised to the minimum'],
    [499_999, 1, 0, 'the last fen of the allowance is free'],
    [500_000, 1, 10, 'the first fen above it is due: the minimum'],
    [250_000, 250_000, 0, 'a debit that ends exactly at the allowance is free'],
    [250_000, 250_001, 10, 'one that ends a fen past it pays the minimum'],
    [0, 1_000_000, 500, '10,000 yuan at once: 5,000 yuan chargeable'],
    [499_000, 12_000, 11, 'straddling the allowance: 11,000 fen chargeable'],
    [1_000_000, 100_000, 100, 'far above the allowance: all of it chargeable'],
    [1_000_000_000_000, 1, 10, 'an enormous month still charges the minimum, never more for one fen'],
    // Exact halves round up (half even would give 10, 12 and 14 here).
    [0, 510_500, 11, '10.5 fen → 11'],
    [0, 512_500, 13, '12.5 fen → 13'],
    [500_000, 14_500, 15, '14.5 fen → 15'],
    [0, 515_499, 15, '15.499 fen → 15'],
    [0, 515_500, 16, '15.5 fen → 16'],
    [0, 515_501, 16, '15.501 fen → 16'],
    [600_000, 10_499, 10, '10.499 fen → 10'],
    [600_000, 10_500, 11, '10.5 fen → 11'],
    [600_000, 9_999, 10, '9.999 fen → 10, also the minimum'],
  ])('%i fen used, %i fen → %i fen (%s)', (cumulative, amount, fee) => {
    expect(plan.quote(amount, cumulative)).toBe(fee);
    expect(referenceFee(CARD_REPAYMENT, amount, cumulative)).toBe(fee);
  });

  it('is cumulative: quoting it needs the month counter', () => {
    expect(plan.cumulative).toBe(true);
    expect(isCumulative(CARD_REPAYMENT)).toBe(true);
  });

  it('ten 1,000-yuan debits after 4,500 yuan: exactly one straddles the allowance, the rest pay 1.00 yuan each', () => {
    const fees: number[] = [];
    let used = 450_000;
    for (let i = 0; i < 10; i += 1) {
      fees.push(plan.quote(100_000, used));
      used += 100_000;
    }
    expect(fees).toEqual([50, 100, 100, 100, 100, 100, 100, 100, 100, 100]);
    // Each fee is above the minimum and each chargeable part × rate is a whole fen: the sum is the fee on the whole.
    expect(fees.reduce((a, b) => a + b, 0)).toBe(plan.quote(1_000_000, 450_000));
    expect(plan.quote(1_000_000, 450_000)).toBe(950);
  });
});

describe('compilePlan: the standard merchant plan (0.20 %, min 10, max 2,000 fen)', () => {
  const plan = compilePlan(STANDARD);

  it.each([
    // amount fen, fee fen
    [1, 10], // 0.002 → 0 → min
    [2_250, 10], // 4.5 → 5 → min
    [4_999, 10], // 9.998 → 10
    [5_000, 10],
    [5_249, 10], // 10.498 → 10
    [5_250, 11], // 10.5 → 11 (half up)
    [5_251, 11],
    [7_749, 15], // 15.498
    [7_750, 16], // 15.5 → 16
    [200_000, 400],
    [400_000, 800],
    [999_749, 1_999], // 1999.498 → 1999
    [999_750, 2_000], // 1999.5 → 2000
    [1_000_000, 2_000],
    [1_000_001, 2_000], // 2000.002 → max
    [100_000_000, 2_000], // 200,000 → max
  ])('%i fen → %i fen, whatever the month so far', (amount, fee) => {
    for (const cumulative of [0, 499_999, 10_000_000_000]) expect(plan.quote(amount, cumulative)).toBe(fee);
    expect(referenceFee(STANDARD, amount, 0)).toBe(fee);
  });

  it('is not cumulative', () => {
    expect(plan.cumulative).toBe(false);
    expect(isCumulative(STANDARD)).toBe(false);
  });
});

describe('compilePlan: tiers (marginal bands of the monthly amount)', () => {
  const tiered: PlanSchedule = { tiers: [{ up_to: 100_000, rate: '0.01' }, { up_to: 1_000_000, rate: '0.005' }, { rate: '0.001' }] };

  it.each([
    // schedule, cumulative, amount, fee
    [tiered, 0, 10_000, 100],
    [tiered, 0, 100_000, 1_000],
    [tiered, 50_000, 100_000, 750], // 50,000 × 1 % + 50,000 × 0.5 %
    [tiered, 900_000, 200_000, 600], // 100,000 × 0.5 % + 100,000 × 0.1 %
    [tiered, 0, 2_000_000, 6_500], // 1,000 + 4,500 + 1,000
    [tiered, 5_000_000, 1_000, 1],
    // Rounded once over the bands, not per band: 0.4 + 0.4 = 0.8 → 1 (per band: 0 + 0).
    [tiered, 99_960, 120, 1],
    [tiered, 99_950, 100, 1], // 0.5 + 0.25 = 0.75 → 1
    [tiered, 99_990, 20, 0], // 0.1 + 0.05 = 0.15 → 0, with no minimum nothing is charged
    // With an allowance: its part of every band is free.
    [{ allowance: 50_000, tiers: [{ up_to: 100_000, rate: '0.01' }, { rate: '0.001' }] }, 0, 150_000, 550],
    [{ allowance: 50_000, tiers: [{ up_to: 100_000, rate: '0.01' }, { rate: '0.001' }] }, 0, 50_000, 0],
    [{ allowance: 50_000, tiers: [{ up_to: 100_000, rate: '0.01' }, { rate: '0.001' }] }, 40_000, 20_000, 100],
    // An allowance beyond the first band swallows it.
    [{ allowance: 200_000, tiers: [{ up_to: 100_000, rate: '0.01' }, { rate: '0.001' }] }, 0, 300_000, 100],
    // min and max hold on the tiered sum.
    [{ tiers: [{ up_to: 100_000, rate: '0.01' }, { rate: '0.001' }], min: 50, max: 600 }, 0, 1_000, 50],
    [{ tiers: [{ up_to: 100_000, rate: '0.01' }, { rate: '0.001' }], min: 50, max: 600 }, 0, 10_000_000, 600],
    [{ tiers: [{ up_to: 100_000, rate: '0.01' }, { rate: '0.001' }], min: 50, max: 600 }, 0, 200_000, 600], // 1,000 + 100 → max
    [{ tiers: [{ up_to: 100_000, rate: '0.01' }, { rate: '0.001' }], min: 50, max: 2_000 }, 0, 200_000, 1_100],
  ] as [PlanSchedule, number, number, number][])('%j: %i used, %i fen → %i fen', (schedule, cumulative, amount, fee) => {
    expect(compilePlan(schedule).quote(amount, cumulative)).toBe(fee);
    expect(referenceFee(schedule, amount, cumulative)).toBe(fee);
  });

  it('is cumulative', () => {
    expect(compilePlan(tiered).cumulative).toBe(true);
  });
});

describe('compilePlan: other schedules', () => {
  it.each([
    // schedule, cumulative, amount, fee
    [{}, 0, 1_000_000, 0],
    [{ min: 10 }, 0, 1_000_000, 0], // nothing is ever due under a plan with neither rate nor fixed part
    [{ fixed: 5, rate: '0.001' }, 0, 1_000, 6],
    [{ fixed: 5, rate: '0.001' }, 0, 2_500, 8], // 5 + 2.5 → 8
    [{ fixed: 30 }, 0, 1, 30],
    [{ rate: '0.001', max: 7 }, 0, 1_000_000, 7],
    [{ allowance: 0, rate: '0.001', min: 10 }, 0, 1, 10],
    [{ allowance: 1_000, rate: '0.5' }, 999, 2, 1], // 1 fen chargeable × 0.5 → 1 (half up)
    [{ allowance: 1_000, rate: '0.5' }, 0, 1_000, 0],
  ] as [PlanSchedule, number, number, number][])('%j: %i used, %i fen → %i fen', (schedule, cumulative, amount, fee) => {
    expect(compilePlan(schedule).quote(amount, cumulative)).toBe(fee);
  });

  it.each([
    [0, 0],
    [-1, 0],
    [1.5, 0],
    [Number.NaN, 0],
    [Number.MAX_SAFE_INTEGER + 1, 0],
    [1_000, -1],
    [1_000, 0.5],
  ])('refuses amount %d with cumulative %d as a bug', (amount, cumulative) => {
    expect(() => compilePlan(CARD_REPAYMENT).quote(amount, cumulative)).toThrow(InvariantError);
  });

  it('refuses to compile an invalid schedule', () => {
    expect(() => compilePlan({ allowance: -1, rate: '0.001' })).toThrow(InvariantError);
    expect(() => compilePlan({ rate: '0.1%' })).toThrow(InvariantError);
    expect(() => compilePlan({ tiers: [] })).toThrow(InvariantError);
  });
});

describe('compilePlan: properties', () => {
  it('is never negative, and always a safe integer', () => {
    fc.assert(
      fc.property(scheduleArb, amountArb, cumulativeArb, (schedule, amount, cumulative) => {
        const fee = compilePlan(schedule).quote(amount, cumulative);
        expect(Number.isSafeInteger(fee)).toBe(true);
        expect(fee).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('respects min and max whenever a fee is due, and charges nothing when none is', () => {
    fc.assert(
      fc.property(scheduleArb, amountArb, cumulativeArb, (schedule, amount, cumulative) => {
        const fee = compilePlan(schedule).quote(amount, cumulative);
        const { exact } = referenceExact(schedule, amount, cumulative);
        if (exact > 0n) {
          expect(fee).toBeGreaterThanOrEqual(schedule.min ?? 0);
          if (schedule.max !== undefined) expect(fee).toBeLessThanOrEqual(schedule.max);
        } else {
          expect(fee).toBe(0);
        }
      }),
    );
  });

  it('rounds half up once, like an independent BigInt computation over 10^12', () => {
    fc.assert(
      fc.property(scheduleArb, amountArb, cumulativeArb, (schedule, amount, cumulative) => {
        expect(compilePlan(schedule).quote(amount, cumulative)).toBe(referenceFee(schedule, amount, cumulative));
      }),
    );
  });

  it('with a plain rate: amount × rate half up by quotient and remainder, the month irrelevant', () => {
    fc.assert(
      fc.property(positiveRateArb, amountArb, cumulativeArb, ({ numerator, scale, text }, amount, cumulative) => {
        const product = BigInt(amount) * numerator;
        const denominator = 10n ** BigInt(scale);
        const expected = product % denominator >= (denominator + 1n) / 2n ? product / denominator + 1n : product / denominator;
        expect(compilePlan({ rate: text }).quote(amount, cumulative)).toBe(Number(expected));
      }),
    );
  });

  it('an allowance plan charges nothing inside the allowance and the rate on exactly the part above it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), positiveRateArb, amountArb, cumulativeArb, (allowance, rate, amount, cumulative) => {
        const fee = compilePlan({ allowance, rate: rate.text }).quote(amount, cumulative);
        const chargeable = Math.max(0, cumulative + amount - Math.max(cumulative, allowance));
        if (chargeable === 0) expect(fee).toBe(0);
        else expect(fee).toBe(Number(halfUp(BigInt(chargeable) * rate.numerator, 10n ** BigInt(rate.scale))));
      }),
    );
  });

  /**
   * What holds when a month's total T is split into pieces a_1..a_k charged in turn (each piece
   * quoted with the earlier pieces as its cumulative amount), for a plan whose fee is
   * round_half_up(chargeable × rate) with no min, max or fixed part:
   * - the chargeable parts of the pieces add up to the chargeable part of T, because the bands are
   *   positions in the month's cumulative amount, not properties of a debit;
   * - so the only difference is rounding: each piece's rounding error lies in (−½, ½], so
   *   |Σ fee(a_i) − fee(T)| < (m + 1)/2, i.e. at most ⌊m/2⌋ fen, where m ≤ k is the number of
   *   pieces with a chargeable part (and so at most k − 1 fen);
   * - when every piece's chargeable part × rate is a whole number of fen, the sum is exactly the fee
   *   on the whole.
   * With a `min`, splitting can only cost more (each piece with a chargeable part pays at least the
   * min): Σ fee(a_i) ≥ fee(T) − ⌊m/2⌋.
   */
  const piecesArb = fc.array(fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 2_000_000 })), { minLength: 1, maxLength: 20 });

  function splitFees(schedule: PlanSchedule, start: number, pieces: number[]): { fees: number[]; chargeable: number[] } {
    const plan = compilePlan(schedule);
    const fees: number[] = [];
    const chargeable: number[] = [];
    let used = start;
    for (const piece of pieces) {
      fees.push(plan.quote(piece, used));
      chargeable.push(Number(referenceExact(schedule, piece, used).chargeable));
      used += piece;
    }
    return { fees, chargeable };
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

  it('without min: the sum over a split month is the fee on the whole, up to ⌊m/2⌋ fen of rounding', () => {
    const planArb = fc.oneof(
      fc.record({ allowance: fc.integer({ min: 0, max: 5_000_000 }), rate: positiveRateArb.map((rate) => rate.text) }),
      fc.constant<PlanSchedule>({ allowance: 500_000, rate: '0.001' }),
      tiersArb.chain((tiers) => fc.option(fc.integer({ min: 0, max: 5_000_000 }), { nil: undefined }).map((allowance) => (allowance === undefined ? { tiers } : { allowance, tiers }))),
    );
    fc.assert(
      fc.property(planArb, fc.integer({ min: 0, max: 3_000_000 }), piecesArb, (schedule, start, pieces) => {
        const { fees, chargeable } = splitFees(schedule, start, pieces);
        const whole = compilePlan(schedule).quote(sum(pieces), start);
        const m = chargeable.filter((c) => c > 0).length;
        expect(sum(chargeable)).toBe(Number(referenceExact(schedule, sum(pieces), start).chargeable));
        expect(Math.abs(sum(fees) - whole)).toBeLessThanOrEqual(Math.floor(m / 2));
        expect(Math.abs(sum(fees) - whole)).toBeLessThanOrEqual(pieces.length - 1);
      }),
    );
  });

  it('without min: exactly the fee on the whole when every chargeable part × rate is whole fen', () => {
    // With rate p / 10^s, a length is a whole number of fen at that rate when it is a multiple of
    // q = 10^s / gcd(p, 10^s). With the allowance, the month's start and every piece multiples of
    // q, every chargeable part is too.
    fc.assert(
      fc.property(positiveRateArb, fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 20 }), (rate, allowanceUnits, startUnits, pieceUnits) => {
        const denominator = 10n ** BigInt(rate.scale);
        const q = Number(denominator / gcd(rate.numerator, denominator));
        const schedule: PlanSchedule = { allowance: allowanceUnits * q, rate: rate.text };
        const pieces = pieceUnits.map((units) => units * q);
        const { fees } = splitFees(schedule, startUnits * q, pieces);
        expect(sum(fees)).toBe(compilePlan(schedule).quote(sum(pieces), startUnits * q));
      }),
    );
  });

  it('without min: card-repayment amounts in whole 10-yuan steps sum exactly to the fee on the whole', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000 }), fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 30 }), (startUnits, units) => {
        const schedule: PlanSchedule = { allowance: 500_000, rate: '0.001' };
        const pieces = units.map((u) => u * 1_000);
        const { fees } = splitFees(schedule, startUnits * 1_000, pieces);
        expect(sum(fees)).toBe(compilePlan(schedule).quote(sum(pieces), startUnits * 1_000));
      }),
    );
  });

  it('without min, rounding does make a difference when the parts are not whole fen', () => {
    const schedule: PlanSchedule = { allowance: 500_000, rate: '0.001' };
    // Two 0.5-fen parts: each rounds up to 1, the whole is 1.
    const { fees } = splitFees(schedule, 500_000, [500, 500]);
    expect(fees).toEqual([1, 1]);
    expect(compilePlan(schedule).quote(1_000, 500_000)).toBe(1);
    // Three 0.4-fen parts: each rounds down to 0, the whole (1.2) to 1.
    expect(splitFees(schedule, 500_000, [400, 400, 400]).fees).toEqual([0, 0, 0]);
    expect(compilePlan(schedule).quote(1_200, 500_000)).toBe(1);
  });

  it('with min (the real card-repayment plan): splitting never pays less than the whole minus rounding, and can pay more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3_000_000 }), piecesArb, (start, pieces) => {
        const { fees, chargeable } = splitFees(CARD_REPAYMENT, start, pieces);
        const whole = compilePlan(CARD_REPAYMENT).quote(sum(pieces), start);
        const m = chargeable.filter((c) => c > 0).length;
        expect(sum(fees)).toBeGreaterThanOrEqual(whole - Math.floor(m / 2));
        // Each due piece pays at most its rounded part plus the minimum.
        expect(sum(fees)).toBeLessThanOrEqual(whole + Math.floor(m / 2) + m * (CARD_REPAYMENT.min ?? 0));
      }),
    );
    // Ten 10-yuan debits above the allowance pay the minimum each: 1.00 yuan, against 0.10 yuan at once.
    expect(sum(splitFees(CARD_REPAYMENT, 500_000, Array.from({ length: 10 }, () => 1_000)).fees)).toBe(100);
    expect(compilePlan(CARD_REPAYMENT).quote(10_000, 500_000)).toBe(10);
  });
});

describe('checkPlanSchedule', () => {
  it.each([
    // schedule, errors as [pointer, code]
    [CARD_REPAYMENT, []],
    [STANDARD, []],
    [{}, []],
    [{ allowance: 0, rate: '0' }, []],
    [{ tiers: [{ rate: '0.01' }] }, []],
    [{ allowance: 100, tiers: [{ up_to: 10, rate: '0.01' }, { up_to: 20, rate: '0.02' }, { rate: '0' }], min: 1, max: 5 }, []],
    [{ allowance: -1, rate: '0.001' }, [['/allowance', 'invalid_amount']]],
    [{ allowance: 1.5 }, [['/allowance', 'invalid_amount']]],
    [{ allowance: Number.MAX_SAFE_INTEGER + 1 }, [['/allowance', 'invalid_amount']]],
    [{ rate: '0.1', tiers: [{ rate: '0.1' }] }, [['/rate', 'rate_and_tiers']]],
    [{ tiers: [] }, [['/tiers', 'empty']]],
    [{ tiers: [{ rate: 'abc' }] }, [['/tiers/0/rate', 'invalid_rate']]],
    [{ tiers: [{ up_to: 100, rate: '0.1' }, { rate: '1e-3' }] }, [['/tiers/1/rate', 'invalid_rate']]],
    [{ tiers: [{ up_to: 100, rate: '0.1' }] }, [['/tiers/0/up_to', 'last_band_open']]],
    [{ tiers: [{ rate: '0.1' }, { rate: '0.2' }] }, [['/tiers/0/up_to', 'required']]],
    [{ tiers: [{ up_to: 100, rate: '0.1' }, { up_to: 100, rate: '0.2' }, { rate: '0.3' }] }, [['/tiers/1/up_to', 'not_increasing']]],
    [{ tiers: [{ up_to: 200, rate: '0.1' }, { up_to: 100, rate: '0.2' }, { rate: '0.3' }] }, [['/tiers/1/up_to', 'not_increasing']]],
    [{ tiers: [{ up_to: 0, rate: '0.1' }, { rate: '0.3' }] }, [['/tiers/0/up_to', 'not_increasing']]],
    [{ tiers: [{ up_to: 1.5, rate: '0.1' }, { rate: '0.3' }] }, [['/tiers/0/up_to', 'not_increasing']]],
    [{ min: 20, max: 10 }, [['/max', 'below_min']]],
    [{ rate: '0.1%' }, [['/rate', 'invalid_rate']]],
    [{ fixed: -1 }, [['/fixed', 'invalid_amount']]],
    [{ min: 0.5 }, [['/min', 'invalid_amount']]],
    [
      { allowance: -5, rate: '0.1', tiers: [{ rate: 'x', up_to: 3 }] },
      [['/allowance', 'invalid_amount'], ['/rate', 'rate_and_tiers'], ['/tiers/0/rate', 'invalid_rate'], ['/tiers/0/up_to', 'last_band_open']],
    ],
  ] as [PlanSchedule, [string, string][]][])('%j → %j', (schedule, expected) => {
    const errors = checkPlanSchedule(schedule);
    expect(errors.map((error) => [error.pointer, error.code]).sort()).toEqual([...expected].sort());
    for (const error of errors) expect(error.detail.length).toBeGreaterThan(0);
  });

  it('accepts every schedule the generator builds, so the properties above test valid plans only', () => {
    fc.assert(
      fc.property(scheduleArb, (schedule) => {
        expect(checkPlanSchedule(schedule)).toEqual([]);
      }),
    );
  });
});
