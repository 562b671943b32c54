import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findPersonalDataInText, maskPersonalDataInText } from '../../../src/core/payers/index.js';
import { idCheckCharacterByDefinition, syntheticCardNumber } from './synthetic-numbers.js';

const CARD = syntheticCardNumber('622202', 19);
const ID_FIRST17 = '44030119900307123';
const ID = `${ID_FIRST17}${idCheckCharacterByDefinition(ID_FIRST17)}`;

describe('findPersonalDataInText', () => {
  it.each([
    [`pay ${CARD} now`, 'card_number'],
    [`card:${CARD}`, 'card_number'],
    [CARD.replace(/(\d{4})/g, '$1 ').trim(), 'card_number'],
    [CARD.replace(/(\d{4})/g, '$1-').replace(/-$/, ''), 'card_number'],
    [`order 12345 ${CARD}`, 'card_number'],
    [`身份证${ID}`, 'id_number'],
    [`卡号${[...CARD].map((digit) => String.fromCharCode(digit.charCodeAt(0) + 0xfee0)).join('')}`, 'card_number'],
    [`id ${ID.toLowerCase()}`, 'id_number'],
    [syntheticCardNumber('4', 16), 'card_number'],
    [syntheticCardNumber('2221', 16), 'card_number'],
    ['water December', null],
    // An 18-digit order number that happens to pass Luhn: 2026… is no issuer's prefix.
    [syntheticCardNumber('202612', 18), null],
    [syntheticCardNumber('622202', 14), null],
    [syntheticCardNumber('622202', 20), null],
    // A wrong check character, and an impossible birth date, are not ID numbers.
    [`${ID_FIRST17}${idCheckCharacterByDefinition(ID_FIRST17) === '0' ? '1' : '0'}`, null],
    ['440301199002301234', null],
  ])('%s → %s', (text, kind) => {
    expect(findPersonalDataInText(text)?.kind ?? null).toBe(kind);
  });

  it('finds any issuer-prefixed Luhn-valid card wherever it sits in text', () => {
    fc.assert(
      fc.property(fc.constantFrom('62', '4', '51', '9558', '35'), fc.integer({ min: 15, max: 19 }), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), fc.stringMatching(/^\d{1,20}$/), (prefix, length, before, after, fill) => {
        const card = syntheticCardNumber(prefix, length, fill);
        const text = `${before.replace(/[\dXx -]+$/, '')}_${card}_${after.replace(/^[\dXx -]+/, '')}`;
        const found = findPersonalDataInText(text);
        expect(found?.kind).toBe('card_number');
      }),
    );
  });
});

describe('maskPersonalDataInText', () => {
  it('masks every run of 15 or more digits, keeping the first 6 and last 4', () => {
    expect(maskPersonalDataInText(`a ${CARD} b`)).toBe(`a ${CARD.slice(0, 6)}${'*'.repeat(9)}${CARD.slice(-4)} b`);
    expect(maskPersonalDataInText(`id=${ID}`)).toBe(`id=${ID.slice(0, 6)}********${ID.slice(-4)}`);
    expect(maskPersonalDataInText('6222 0212 3456 7890 128')).toBe('6222 02** **** ***0 128');
    expect(maskPersonalDataInText('time 1764612345678, ok')).toBe('time 1764612345678, ok');
    expect(maskPersonalDataInText('６２２２０２１２３４５６７８９０１２８')).toBe('６２２２０２*********０１２８');
  });

  it("leaves daikou's own ids whole, even when their hex holds a long run of digits, and masks the card beside them", () => {
    const id = `bat_a${CARD}${'b'.repeat(12)}`;
    expect(maskPersonalDataInText(`batch ${id} failed for ${CARD}`)).toBe(`batch ${id} failed for ${CARD.slice(0, 6)}${'*'.repeat(9)}${CARD.slice(-4)}`);
  });

  it('leaves no 15-digit run in any text', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.stringMatching(/^\d{1,25}$/), fc.constantFrom(' ', '-', 'x', 'X', ',', '"', '号')), { maxLength: 30 }), (parts) => {
        const masked = maskPersonalDataInText(parts.join(''));
        expect(masked).not.toMatch(/\d(?:[ -]?\d){14}/);
        expect(masked.length).toBe(parts.join('').length);
      }),
    );
  });
});
