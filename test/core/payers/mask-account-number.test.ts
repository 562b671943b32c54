import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskAccountNumber } from '../../../src/core/payers/index.js';

describe('maskAccountNumber', () => {
  it.each([
    // number, mask
    ['6222020200112233445', '622202*********3445'],
    ['4111111111111111', '411111******1111'],
    ['378282246310005', '378282*****0005'],
    ['123456789012345', '123456*****2345'],
    ['12345678901234', '12**********34'],
    ['12345678901', '12*******01'],
    ['1234567890', '12******90'],
    ['123456', '12**56'],
    ['12345', '*****'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(maskAccountNumber(input)).toBe(expected);
  });

  it('never shows the middle digits, and keeps the length', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{6,32}$/), (number) => {
        const [keepStart, keepEnd] = number.length <= 14 ? [2, 2] : [6, 4];
        const mask = maskAccountNumber(number);
        expect(mask).toHaveLength(number.length);
        expect(mask.slice(keepStart, number.length - keepEnd)).toMatch(/^\*+$/);
        expect(mask.slice(0, keepStart)).toBe(number.slice(0, keepStart));
        expect(mask.slice(number.length - keepEnd)).toBe(number.slice(number.length - keepEnd));
      }),
    );
  });
});
