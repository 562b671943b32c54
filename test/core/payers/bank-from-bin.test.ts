import { describe, expect, it } from 'vitest';
import { bankFromBin } from '../../../src/core/payers/index.js';
import { syntheticCardNumber } from './synthetic-numbers.js';

describe('bankFromBin', () => {
  const cases: [string, string | null][] = [
    // BIN, bank (each is turned into a full 19-digit card number)
    ['622202', 'ICBC'], ['622208', 'ICBC'], ['621226', 'ICBC'], ['620200', 'ICBC'],
    ['621700', 'CCB'], ['622700', 'CCB'], ['436742', 'CCB'],
    ['622848', 'ABC'], ['622845', 'ABC'],
    ['621661', 'BOC'], ['621790', 'BOC'], ['456351', 'BOC'],
    ['622588', 'CMB'], ['621483', 'CMB'], ['622575', 'CMB'],
    ['622262', 'BOCOM'], ['622260', 'BOCOM'],
    ['621799', 'PSBC'], ['622188', 'PSBC'],
    ['411111', null],
    ['999999', null],
  ];

  it.each(cases)('%s belongs to %s', (bin, bank) => {
    expect(bankFromBin(syntheticCardNumber(bin, 19))).toBe(bank);
  });

  it.each(['', '62220', '6222-0200-0000', 'abcdefgh'])('finds no bank for %j', (input) => {
    expect(bankFromBin(input)).toBeNull();
  });
});
