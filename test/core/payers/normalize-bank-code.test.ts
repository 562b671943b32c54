import { describe, expect, it } from 'vitest';
import { normalizeBankCode } from '../../../src/core/payers/index.js';

describe('normalizeBankCode', () => {
  const cases: [string, boolean, string][] = [
    // input, ok, short code or reason code
    ['ICBC', true, 'ICBC'],
    ['icbc', true, 'ICBC'],
    [' Bocom ', true, 'BOCOM'],
    ['PSBC', true, 'PSBC'],
    ['102100099996', true, 'ICBC'], // ICBC Beijing head office
    ['308584000013', true, 'CMB'],
    ['403100000004', true, 'PSBC'],
    ['105100000017', true, 'CCB'],
    ['313100000013', false, 'unknown_bank'], // 313 is all city commercial banks, not one bank
    ['999100000000', false, 'unknown_bank'],
    ['HSBCX', false, 'unknown_bank'],
    ['10210009999', false, 'invalid_format'],
    ['1021000999961', false, 'invalid_format'],
    ['IC-BC', false, 'invalid_format'],
    ['中国银行', false, 'invalid_format'],
    ['', false, 'empty'],
    ['A'.repeat(40), false, 'too_long'],
  ];

  it.each(cases)('%j', (input, ok, expected) => {
    const result = normalizeBankCode(input);
    expect(result.ok).toBe(ok);
    expect(result.ok ? result.value : result.code).toBe(expected);
  });
});
