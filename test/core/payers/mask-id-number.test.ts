import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskIdNumber } from '../../../src/core/payers/index.js';

describe('maskIdNumber', () => {
  it.each([
    // ID number, mask
    ['11010519491231002X', '1****************X'],
    ['440305199001011248', '4****************8'],
    ['ab', '**'],
  ])('%j → %j', (input, expected) => {
    expect(maskIdNumber(input)).toBe(expected);
  });

  it('shows nothing but the first and last character', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}[\dX]$/), (id) => {
        const mask = maskIdNumber(id);
        expect(mask).toBe(`${id[0]}${'*'.repeat(16)}${id[17]}`);
      }),
    );
  });
});
