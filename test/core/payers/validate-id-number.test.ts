import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../src/core/kernel/index.js';
import { idCheckCharacter, PROVINCE_CODES, validateIdNumber } from '../../../src/core/payers/index.js';
import { idCheckCharacterByDefinition, syntheticIdNumber, withWrongCheckCharacter } from './synthetic-numbers.js';

const today = '2024-06-15';
const id = syntheticIdNumber;

describe('validateIdNumber', () => {
  const cases: [string, string, boolean, string][] = [
    // label, input, ok, normalized value or reason code
    ['GB 11643-1999 example, check X', '11010519491231002X', true, '11010519491231002X'],
    ['lower-case x is normalised', '11010519491231002x', true, '11010519491231002X'],
    ['surrounding blanks', ' 11010519491231002X\n', true, '11010519491231002X'],
    ['born today', id('440305', '20240615', '123'), true, id('440305', '20240615', '123')],
    ['leap day', id('310104', '20000229', '001'), true, id('310104', '20000229', '001')],
    ['Taiwan province code', id('710000', '19900101', '001'), true, id('710000', '19900101', '001')],
    ['Macao province code', id('820000', '19900101', '002'), true, id('820000', '19900101', '002')],
    ['born tomorrow', id('440305', '20240616', '123'), false, 'birth_date_in_future'],
    ['born next year', id('440305', '20250101', '123'), false, 'birth_date_in_future'],
    // the standard's own example is a valid number, but we refuse births before 1900
    ['GB 11643-1999 example born 1880', '440524188001010014', false, 'invalid_birth_date'],
    ['1900 was not a leap year', id('310104', '19000229', '001'), false, 'invalid_birth_date'],
    ['30 February', id('310104', '19990230', '001'), false, 'invalid_birth_date'],
    ['month 13', id('310104', '19991301', '001'), false, 'invalid_birth_date'],
    ['day 00', id('310104', '19991200', '001'), false, 'invalid_birth_date'],
    ['province 99', id('990104', '19900101', '001'), false, 'unknown_region'],
    ['province 00', id('000000', '19900101', '001'), false, 'unknown_region'],
    ['province 10', id('100000', '19900101', '001'), false, 'unknown_region'],
    ['wrong check character', withWrongCheckCharacter('11010519491231002X'), false, 'invalid_check_digit'],
    // 44030519900101124 has check character 8
    ['X where a digit belongs', id('440305', '19900101', '124').slice(0, 17) + 'X', false, 'invalid_check_digit'],
    ['15-digit legacy number', '110105491231002', false, 'legacy_15_digit'],
    ['17 characters', '11010519491231002', false, 'too_short'],
    ['19 characters', '11010519491231002X1', false, 'too_long'],
    ['X inside', '1101051949123100X2', false, 'invalid_format'],
    ['Y at the end', '11010519491231002Y', false, 'invalid_format'],
    ['space inside', '110105 1949123102X', false, 'invalid_format'],
    ['empty', '', false, 'empty'],
    ['huge', '1'.repeat(1000), false, 'too_long'],
  ];

  it.each(cases)('%s', (_label, input, ok, expected) => {
    const result = validateIdNumber(input, today);
    expect(result.ok).toBe(ok);
    expect(result.ok ? result.value : result.code).toBe(expected);
  });

  it('tells a 15-digit number to give the 18-character one', () => {
    const result = validateIdNumber('110105491231002', today);
    expect(!result.ok && result.detail).toMatch(/15-digit .* no longer accepted.*18-character/);
  });

  it('reads "today" only from its argument', () => {
    const born = id('440305', '20240616', '123');
    expect(validateIdNumber(born, '2024-06-15').ok).toBe(false);
    expect(validateIdNumber(born, '2024-06-16').ok).toBe(true);
  });

  it.each(['2024-6-15', '2024-02-30', 'today', ''])('treats a malformed today (%j) as a bug', (bad) => {
    expect(() => validateIdNumber('11010519491231002X', bad)).toThrow(InvariantError);
  });

  const validParts = fc.record({
    province: fc.constantFrom(...PROVINCE_CODES),
    rest: fc.stringMatching(/^\d{4}$/),
    birth: fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date(`${today}T00:00:00Z`), noInvalidDate: true }),
    sequence: fc.stringMatching(/^\d{3}$/),
  });
  const validId = validParts.map(({ province, rest, birth, sequence }) =>
    id(province + rest, birth.toISOString().slice(0, 10).replaceAll('-', ''), sequence),
  );

  it('accepts every well-formed number and agrees with the definition of MOD 11-2', () => {
    fc.assert(
      fc.property(validId, (number) => {
        expect(validateIdNumber(number, today)).toEqual({ ok: true, value: number });
        expect(idCheckCharacter(number.slice(0, 17))).toBe(idCheckCharacterByDefinition(number.slice(0, 17)));
      }),
    );
  });

  it('refuses every other check character', () => {
    const other = fc.constantFrom(...'0123456789X');
    fc.assert(
      fc.property(validId, other, (number, check) => {
        fc.pre(check !== number.at(-1));
        const result = validateIdNumber(number.slice(0, 17) + check, today);
        expect(!result.ok && result.code).toBe('invalid_check_digit');
      }),
    );
  });
});
