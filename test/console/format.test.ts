import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { yuan } from '../../console/src/format.js';

/** The reference: the same digits by BigInt arithmetic, where no float can creep in. */
function yuanByBigInt(fen: number): string {
  const value = BigInt(fen);
  const abs = value < 0n ? -value : value;
  return `${value < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

describe('the console shows integer fen as yuan without floating point', () => {
  it.each([
    [0, '0.00'],
    [7, '0.07'],
    [1230, '12.30'],
    [-5, '-0.05'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('%d fen → %s', (fen, text) => expect(yuan(fen)).toBe(text));

  it('matches BigInt arithmetic for every safe integer', () => {
    fc.assert(fc.property(fc.maxSafeInteger(), fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (a, b) => {
      expect(yuan(a)).toBe(yuanByBigInt(a));
      expect(yuan(b)).toBe(yuanByBigInt(b));
    }), { numRuns: 2_000 });
  });
});
