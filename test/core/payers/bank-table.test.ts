import { describe, expect, it } from 'vitest';
import banksJson from '../../../data/banks/banks.json' with { type: 'json' };
import binsJson from '../../../data/banks/bins.json' with { type: 'json' };
import { InvariantError } from '../../../src/core/kernel/index.js';
import { createBankTable, type BankRow } from '../../../src/core/payers/bank-table.js';
import { BANKS } from '../../../src/core/payers/index.js';

const row = (code: string, cnaps: string): BankRow => ({ code, cnaps_prefix: cnaps, name_zh: code, name_en: code });
const TWO_BANKS = [row('AAA', '901'), row('BBB', '902')];

describe('bank table data', () => {
  it.each([
    ['ICBC', '102'], ['ABC', '103'], ['BOC', '104'], ['CCB', '105'], ['BOCOM', '301'],
    ['CITIC', '302'], ['CEB', '303'], ['HXB', '304'], ['CMBC', '305'], ['GDB', '306'],
    ['PAB', '307'], ['CMB', '308'], ['CIB', '309'], ['SPDB', '310'], ['PSBC', '403'],
  ])('%s has CNAPS prefix %s', (code, prefix) => {
    expect(BANKS.find((bank) => bank.code === code)?.cnapsPrefix).toBe(prefix);
  });

  it('names every bank in both languages', () => {
    for (const bank of BANKS) {
      expect(bank.nameZh).toMatch(/银行/);
      expect(bank.nameEn).toMatch(/Bank|Banking/);
    }
  });

  it('says where both tables come from', () => {
    for (const table of [banksJson, binsJson]) {
      expect(table._source).toMatch(/daikou authors/);
      expect(table._source).toMatch(/not exhaustive/);
    }
  });
});

describe('createBankTable', () => {
  it('takes the longest listed prefix, from 8 digits down to 6', () => {
    const table = createBankTable(TWO_BANKS, { AAA: ['622202', '6222029'], BBB: ['62220288'] });
    const cases: [string, string | null][] = [
      // card number, bank
      ['6222020000000000', 'AAA'],
      ['6222029000000000', 'AAA'],
      ['6222028800000000', 'BBB'],
      ['6222028900000000', 'AAA'],
      ['622202', 'AAA'],
      ['62220', null],
      ['6222030000000000', null],
    ];
    for (const [card, bank] of cases) expect(table.bankFromBin(card), card).toBe(bank);
  });

  it.each([
    ['a prefix listed for two banks', TWO_BANKS, { AAA: ['622202'], BBB: ['622202'] }],
    ['a prefix listed twice for one bank', TWO_BANKS, { AAA: ['622202', '622202'] }],
    ['a prefix of 5 digits', TWO_BANKS, { AAA: ['62220'] }],
    ['a prefix of 9 digits', TWO_BANKS, { AAA: ['622202123'] }],
    ['a prefix that is not digits', TWO_BANKS, { AAA: ['62220x'] }],
    ['a BIN for an unknown bank', TWO_BANKS, { ZZZ: ['622202'] }],
    ['a bank code listed twice', [row('AAA', '901'), row('AAA', '902')], {}],
    ['a CNAPS prefix listed twice', [row('AAA', '901'), row('BBB', '901')], {}],
    ['a lower-case bank code', [row('aaa', '901')], {}],
    ['a 4-digit CNAPS prefix', [row('AAA', '9010')], {}],
  ])('refuses %s as a bug in the data', (_label, rows, bins) => {
    expect(() => createBankTable(rows, bins)).toThrow(InvariantError);
  });
});
