import { describe, expect, it } from 'vitest';
import { isProvinceCode, validateRegionCode } from '../../../src/core/payers/index.js';

describe('validateRegionCode', () => {
  const cases: [string, boolean, string][] = [
    // input, ok, normalized value or reason code
    ['440305', true, '440305'],
    ['110000', true, '110000'],
    ['650102', true, '650102'],
    ['810000', true, '810000'],
    [' 440305 ', true, '440305'],
    ['990000', false, 'unknown_region'],
    ['000000', false, 'unknown_region'],
    ['390000', false, 'unknown_region'],
    ['4403', false, 'too_short'],
    ['4403051', false, 'too_long'],
    ['44030a', false, 'invalid_format'],
    ['', false, 'empty'],
  ];

  it.each(cases)('%j', (input, ok, expected) => {
    const result = validateRegionCode(input);
    expect(result.ok).toBe(ok);
    expect(result.ok ? result.value : result.code).toBe(expected);
  });

  it('knows exactly the 34 province-level codes', () => {
    const known = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0')).filter(isProvinceCode);
    expect(known).toEqual([
      '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
      '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
      '71', '81', '82',
    ]);
  });
});
