import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError, applyRate, checkFeeSchedule, compileFeeSchedule, parseRate, type ExactRate, type FeeSchedule } from '../../../src/core/index.js';

const MAX = Number.MAX_SAFE_INTEGER;

const rateOf = (text: string): ExactRate => {
  const rate = parseRate(text);
  if (rate === null) throw new Error(`test bug: ${text} is not a rate`);
  return rate;
};

/** A rate string built from an integer numerator and a number of decimals, without the code under test. */
const rateText = (numerator: bigint, scale: number): string => {
  if (scale === 0) return numerator.toString();
  const digits = numerator.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
};

/**
 * Any rate parseRate must accept: up to 6 integer digits and 12 decimals, as numerator and
 * scale. Integer parts of 0 and 1 are the usual ones, so they come up most often.
 */
const exactRate = fc
  .tuple(fc.oneof({ arbitrary: fc.bigInt({ min: 0n, max: 1n }), weight: 4 }, { arbitrary: fc.bigInt({ min: 0n, max: 999_999n }), weight: 1 }), fc.integer({ min: 0, max: 12 }))
  .chain(([integer, scale]) =>
    fc.bigInt({ min: 0n, max: 10n ** BigInt(scale) - 1n }).map((fraction) => ({ numerator: integer * 10n ** BigInt(scale) + fraction, scale })),
  );

/** amount × numerator / 10^scale rounded half up, by quotient and remainder. */
const halfUp = (amountFen: number, numerator: bigint, scale: number): bigint => {
  const product = BigInt(amountFen) * numerator;
  const denominator = 10n ** BigInt(scale);
  const quotient = product / denominator;
  const remainder = product % denominator;
  return remainder * 2n >= denominator ? quotient + 1n : quotient;
};

describe('parseRate', () => {
  it.each([
    // text, numerator, denominator
    ['0', 0n, 1n],
    ['1', 1n, 1n],
    ['0.0006', 6n, 10_000n],
    ['0.0008', 8n, 10_000n],
    ['0.001', 1n, 1_000n],
    ['0.10', 10n, 100n],
    ['1.5', 15n, 10n],
    ['0.000000000001', 1n, 1_000_000_000_000n],
    ['999999.999999999999', 999_999_999_999_999_999n, 1_000_000_000_000n],
  ])('accepts %j as %i / %i', (text, numerator, denominator) => {
    expect(parseRate(text)).toEqual({ numerator, denominator });
  });

  it.each([
    '',
    '.5',
    '5.',
    '-0.1',
    '+0.1',
    '00.1',
    '01',
    '1e-3',
    '6e-4',
    ' 0.1',
    '0.1 ',
    '0.1\n',
    '0,1',
    '0.0000000000001', // 13 decimals
    '1000000', // 7 integer digits
    'NaN',
    'Infinity',
    '0x10',
    '0.1.2',
    '１', // a full-width digit
  ])('refuses %j', (text) => {
    expect(parseRate(text)).toBeNull();
  });

  it('reads back every rate it could be given, exactly', () => {
    fc.assert(
      fc.property(exactRate, ({ numerator, scale }) => {
        const rate = parseRate(rateText(numerator, scale));
        expect(rate).not.toBeNull();
        // Compare as fractions: "0.10" and "0.1" are the same rate.
        expect(rate!.numerator * 10n ** BigInt(scale)).toBe(numerator * rate!.denominator);
      }),
    );
  });
});

describe('applyRate', () => {
  it.each([
    // amount fen, rate, fen
    [0, '0.0006', 0],
    [10_000, '0.0006', 6],
    [167_500, '0.0006', 101], // 100.5 → 101
    [167_499, '0.0006', 100], // 100.4994 → 100
    [1_500, '0.001', 2], // 1.5 → 2
    [2_500, '0.001', 3], // 2.5 → 3 (half up, not half even)
    [1_499, '0.001', 1],
    [4_999, '0.0001', 0], // 0.4999 → 0
    [5_000, '0.0001', 1], // 0.5 → 1
    [1, '0.5', 1], // 0.5 → 1
    [3, '1.5', 5], // 4.5 → 5
    [123_456_789, '0', 0],
    [123_456_789, '1', 123_456_789],
    [1, '0.000000000001', 0],
    [500_000_000_000, '0.000000000001', 1], // 0.5 → 1
    [MAX, '1', MAX],
    [MAX, '0.5', 4_503_599_627_370_496], // 4503599627370495.5 → up
    [MAX, '0.001', 9_007_199_254_741], // 9007199254740.991 → 9007199254741
  ] as const)('%i fen × %s → %i fen', (amountFen, rate, expected) => {
    expect(applyRate(amountFen, rateOf(rate))).toBe(expected);
  });

  it('rounds half up exactly, like an independent BigInt computation', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: MAX })), exactRate, (amountFen, { numerator, scale }) => {
        const expected = halfUp(amountFen, numerator, scale);
        // Only compare where the exact answer is a safe integer: beyond it there is no exact fen.
        fc.pre(expected <= BigInt(MAX));
        expect(applyRate(amountFen, rateOf(rateText(numerator, scale)))).toBe(Number(expected));
      }),
    );
  });

  it.each([-1, 0.5, Number.NaN, MAX + 1, Number.POSITIVE_INFINITY])('refuses the amount %d as a bug', (amountFen) => {
    expect(() => applyRate(amountFen, rateOf('0.001'))).toThrow(InvariantError);
  });
});

describe('compileFeeSchedule', () => {
  it.each([
    // schedule, amount fen, fen
    [{}, 10_000, 0],
    [{ fixed: 30 }, 0, 30],
    [{ fixed: 30 }, 5_000_000, 30],
    [{ rate: '0.0006', min: 60, max: 2_000 }, 10_000, 60], // 6 → min
    [{ rate: '0.0006', min: 60, max: 2_000 }, 100_000, 60],
    [{ rate: '0.0006', min: 60, max: 2_000 }, 100_001, 60], // 60.0006 → 60
    [{ rate: '0.0006', min: 60, max: 2_000 }, 167_500, 101],
    [{ rate: '0.0006', min: 60, max: 2_000 }, 3_333_333, 2_000], // 1999.9998 → 2000
    [{ rate: '0.0006', min: 60, max: 2_000 }, 5_000_000, 2_000], // 3000 → max
    [{ rate: '0.0008', min: 80, max: 3_000 }, 0, 80],
    [{ rate: '0.0008', min: 80, max: 3_000 }, 1_000_000, 800],
    [{ rate: '0.0008', min: 80, max: 3_000 }, 5_000_000, 3_000],
    [{ rate: '0.002', min: 10, max: 2_000 }, 2_250, 10], // the `standard` merchant plan: 4.5 → 5 → min 10
    [{ fixed: 5, rate: '0.001' }, 2_500, 8], // 5 + 2.5 → 5 + 3
    [{ fixed: 5, rate: '0.001', max: 7 }, 2_500, 7],
    [{ min: 10 }, 0, 10],
    [{ max: 0, fixed: 100 }, 10_000, 0],
  ] as const)('%j on %i fen → %i fen', (schedule, amountFen, expected) => {
    expect(compileFeeSchedule(schedule)(amountFen)).toBe(expected);
  });

  it('refuses to compile a rate it cannot parse, as a bug', () => {
    expect(() => compileFeeSchedule({ rate: '0.06%' })).toThrow(InvariantError);
  });

  const amount = fc.integer({ min: 0, max: 1_000_000_000_000 });
  const rate = exactRate.filter(({ numerator, scale }) => numerator <= 10n ** BigInt(scale)).map(({ numerator, scale }) => rateText(numerator, scale));
  const fen = fc.integer({ min: 0, max: 1_000_000_000 });

  it('stays within [min, max] whenever min ≤ max, and is fixed + rate × amount clamped', () => {
    fc.assert(
      fc.property(amount, fc.option(fen, { nil: undefined }), fc.option(rate, { nil: undefined }), fen, fen, (amountFen, fixed, rateText_, a, b) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const cost = compileFeeSchedule({ fixed, rate: rateText_, min, max })(amountFen);
        expect(Number.isSafeInteger(cost)).toBe(true);
        expect(cost).toBeGreaterThanOrEqual(min);
        expect(cost).toBeLessThanOrEqual(max);
        const raw = BigInt(fixed ?? 0) + (rateText_ === undefined ? 0n : halfUp(amountFen, rateOf(rateText_).numerator, rateText_.split('.')[1]?.length ?? 0));
        const clamped = raw < BigInt(min) ? min : raw > BigInt(max) ? max : Number(raw);
        expect(cost).toBe(clamped);
      }),
    );
  });

  it('is never negative, with or without bounds', () => {
    const bound = fc.option(fen, { nil: undefined });
    fc.assert(
      fc.property(amount, fc.option(fen, { nil: undefined }), fc.option(rate, { nil: undefined }), bound, bound, (amountFen, fixed, rateText_, min, max) => {
        const schedule: FeeSchedule = { fixed, rate: rateText_, min, max };
        fc.pre(checkFeeSchedule(schedule).length === 0);
        expect(compileFeeSchedule(schedule)(amountFen)).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('checkFeeSchedule', () => {
  it.each([
    // schedule, errors as pointer and code
    [{}, []],
    [{ fixed: 30 }, []],
    [{ rate: '0.0006', min: 60, max: 2_000 }, []],
    [{ min: 60, max: 60 }, []],
    [{ fixed: 0, min: 0, max: 0, rate: '0' }, []],
    [{ fixed: -1 }, [['/fixed', 'invalid_amount']]],
    [{ fixed: 1.5 }, [['/fixed', 'invalid_amount']]],
    [{ min: Number.NaN }, [['/min', 'invalid_amount']]],
    [{ max: Number.POSITIVE_INFINITY }, [['/max', 'invalid_amount']]],
    [{ max: MAX + 1 }, [['/max', 'invalid_amount']]],
    [{ rate: '0.06%' }, [['/rate', 'invalid_rate']]],
    [{ rate: '' }, [['/rate', 'invalid_rate']]],
    [{ rate: '-0.001' }, [['/rate', 'invalid_rate']]],
    [{ rate: '0.0000000000001' }, [['/rate', 'invalid_rate']]],
    [{ min: 61, max: 60 }, [['/max', 'below_min']]],
    [
      { fixed: -1, rate: 'x', min: 100, max: 10 },
      [
        ['/fixed', 'invalid_amount'],
        ['/rate', 'invalid_rate'],
        ['/max', 'below_min'],
      ],
    ],
  ] as const)('%j → %j', (schedule, expected) => {
    const errors = checkFeeSchedule(schedule);
    expect(errors.map((error) => [error.pointer, error.code])).toEqual(expected);
    for (const error of errors) expect(error.detail.length).toBeGreaterThan(0);
  });

  it('accepts exactly the schedules that compile without a bug', () => {
    fc.assert(
      fc.property(fc.option(fc.oneof(fc.stringMatching(/^\d{1,3}(\.\d{0,13})?$/), fc.string()), { nil: undefined }), (rate) => {
        const ok = checkFeeSchedule({ rate }).length === 0;
        if (ok) expect(() => compileFeeSchedule({ rate })).not.toThrow();
        else expect(() => compileFeeSchedule({ rate })).toThrow(InvariantError);
      }),
    );
  });
});
