import { describe, expect, it } from 'vitest';
import { resolvePayerBank, type AccountMedium } from '../../../src/core/payers/index.js';
import { syntheticCardNumber } from './synthetic-numbers.js';

const icbcCard = syntheticCardNumber('622202', 19);
const ccbCard = syntheticCardNumber('621700', 19);
const unlistedCard = '4111111111111111';

describe('resolvePayerBank', () => {
  const cases: [string, string, AccountMedium, string | null | undefined, boolean, string | null][] = [
    // label, account number, medium, bank code given, ok, bank or reason code
    ['card, bank from BIN', icbcCard, 'bank_card', undefined, true, 'ICBC'],
    ['card, null bank code means not given', ccbCard, 'bank_card', null, true, 'CCB'],
    ['card, matching short code', icbcCard, 'bank_card', 'icbc', true, 'ICBC'],
    ['card, matching CNAPS code', icbcCard, 'bank_card', '102100099996', true, 'ICBC'],
    ['card, contradicting short code', icbcCard, 'bank_card', 'CCB', false, 'bank_mismatch'],
    ['card, contradicting CNAPS code', ccbCard, 'bank_card', '102100099996', false, 'bank_mismatch'],
    ['card, unlisted BIN, bank given', unlistedCard, 'bank_card', 'CMB', true, 'CMB'],
    ['card, unlisted BIN, no bank', unlistedCard, 'bank_card', undefined, true, null],
    ['card, unknown bank code', icbcCard, 'bank_card', 'NOPE', false, 'unknown_bank'],
    ['card, empty bank code', icbcCard, 'bank_card', '', false, 'empty'],
    // other media carry no BIN, even when the digits look like one
    ['e-account, no bank', icbcCard, 'virtual_account', undefined, true, null],
    ['e-account, bank given', icbcCard, 'virtual_account', 'ccb', true, 'CCB'],
    ['bank account, CNAPS code', '1234567890', 'bank_account', '403100000004', true, 'PSBC'],
    ['bank account, bad bank code', '1234567890', 'bank_account', '4031', false, 'invalid_format'],
  ];

  it.each(cases)('%s', (_label, accountNumber, medium, bankCode, ok, expected) => {
    const result = resolvePayerBank({ accountNumber, medium, bankCode });
    expect(result.ok).toBe(ok);
    expect(result.ok ? result.value : result.code).toBe(expected);
  });

  it('names both banks in a mismatch, but not the card', () => {
    const result = resolvePayerBank({ accountNumber: icbcCard, medium: 'bank_card', bankCode: 'CCB' });
    expect(!result.ok && result.detail).toMatch(/CCB.*ICBC/);
    expect(!result.ok && result.detail).not.toContain(icbcCard.slice(0, 6));
  });
});
