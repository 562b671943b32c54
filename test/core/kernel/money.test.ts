import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError, addFen, fen, formatYuan, isFen, isPositiveFen, parseYuan, type Fen } from '../../../src/core/index.js';

const MAX = Number.MAX_SAFE_INTEGER;
const safeFen = fc.integer({ min: 0, max: MAX }).map((value) => value as Fen);

describe('parseYuan and formatYuan', () => {
  it('parse what they format, for every non-negative safe amount', () => {
    fc.assert(
      fc.property(safeFen, (amount) => {
        expect(parseYuan(formatYuan(amount))).toBe(amount);
      }),
    );
  });

  it('format what they parse, with two decimals', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^(0|[1-9]\d{0,12})\.\d\d$/), (text) => {
        expect(formatYuan(parseYuan(text)!)).toBe(text);
      }),
    );
  });
});

describe('parseYuan', () => {
  it.each([
    // text, fen
    ['0', 0],
    ['0.07', 7],
    ['0.7', 70],
    ['5', 500],
    ['12.3', 1_230],
    ['12.30', 1_230],
    ['1234567.89', 123_456_789],
    ['0.00', 0],
    ['90071992547409.91', MAX],
  ])('%j → %i fen', (text, expected) => {
    expect(parseYuan(text)).toBe(expected);
  });

  it.each([
    // text, why it is refused
    ['1.234', 'three decimals'],
    ['-1', 'a sign'],
    ['+1', 'a sign'],
    ['1e3', 'an exponent'],
    [' 1', 'a leading space'],
    ['1 ', 'a trailing space'],
    ['01', 'a leading zero'],
    ['00.50', 'a leading zero'],
    ['1.', 'a point without decimals'],
    ['.5', 'no whole part'],
    ['', 'nothing'],
    ['1,000', 'a thousands separator'],
    ['1.2.3', 'two points'],
    ['0x10', 'hexadecimal'],
    ['１', 'a full-width digit'],
    ['NaN', 'not a number'],
    ['Infinity', 'not a number'],
    ['100000000000000', 'fifteen digits of yuan'],
    ['90071992547409.92', 'one fen above the largest safe amount'],
  ])('%j is refused (%s)', (text) => {
    expect(parseYuan(text)).toBeNull();
  });
});

describe('formatYuan', () => {
  it.each([
    // fen, text
    [0, '0.00'],
    [7, '0.07'],
    [70, '0.70'],
    [1_230, '12.30'],
    [-1_230, '-12.30'],
    [-5, '-0.05'],
    [MAX, '90071992547409.91'],
  ])('%i fen → %j', (amount, expected) => {
    expect(formatYuan(amount as Fen)).toBe(expected);
  });
});

describe('fen', () => {
  it.each([
    // value, is fen, is positive fen
    [0, true, false],
    [1, true, true],
    [-1, true, false],
    [MAX, true, true],
    [MAX + 1, false, false],
    [1.5, false, false],
    [Number.NaN, false, false],
    [Number.POSITIVE_INFINITY, false, false],
    ['100', false, false],
    [null, false, false],
  ] as const)('%j: fen %s, positive %s', (value, expectedFen, expectedPositive) => {
    expect(isFen(value)).toBe(expectedFen);
    expect(isPositiveFen(value)).toBe(expectedPositive);
    if (typeof value === 'number') {
      if (expectedFen) expect(fen(value)).toBe(value);
      else expect(() => fen(value)).toThrow(InvariantError);
    }
  });

  it('adds exactly, and refuses a sum beyond the safe range', () => {
    expect(addFen(fen(1_230), fen(7))).toBe(1_237);
    expect(() => addFen(fen(MAX), fen(1))).toThrow(InvariantError);
  });
});
