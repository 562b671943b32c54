import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskPhone } from '../../../src/core/payers/index.js';

describe('maskPhone', () => {
  it.each([
    // phone, mask
    ['13812345678', '138****5678'],
    ['1381234', '*******'],
  ])('%j → %j', (input, expected) => {
    expect(maskPhone(input)).toBe(expected);
  });

  it('never shows digits 4 to 7', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^1[3-9]\d{9}$/), (phone) => {
        expect(maskPhone(phone)).toBe(`${phone.slice(0, 3)}****${phone.slice(7)}`);
      }),
    );
  });
});
