import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasValidLuhn, luhnCheckDigit, validateBankCard } from '../../../src/core/payers/index.js';
import { luhnDigitByBruteForce } from './synthetic-numbers.js';

const payload = fc.stringMatching(/^\d{14,18}$/);

describe('luhn', () => {
  it.each([
    // payload, check digit
    ['7992739871', 3], // the worked example from ISO/IEC 7812-1 and most textbooks
    ['411111111111111', 1],
    ['37828224631000', 5],
    ['0', 0],
  ])('check digit of %s is %i', (input, expected) => {
    expect(luhnCheckDigit(input)).toBe(expected);
    expect(hasValidLuhn(`${input}${expected}`)).toBe(true);
  });

  it('agrees with an independent implementation', () => {
    fc.assert(
      fc.property(payload, (digits) => {
        expect(String(luhnCheckDigit(digits))).toBe(luhnDigitByBruteForce(digits));
      }),
    );
  });

  it('accepts any 15-19 digit number completed with its Luhn digit', () => {
    fc.assert(
      fc.property(payload, (digits) => {
        const card = digits + luhnDigitByBruteForce(digits);
        expect(validateBankCard(card)).toEqual({ ok: true, value: card });
      }),
    );
  });

  it('refuses the number once any single digit is changed', () => {
    const changed = payload.chain((digits) => {
      const card = digits + luhnDigitByBruteForce(digits);
      return fc.record({
        card: fc.constant(card),
        position: fc.integer({ min: 0, max: card.length - 1 }),
        shift: fc.integer({ min: 1, max: 9 }),
      });
    });
    fc.assert(
      fc.property(changed, ({ card, position, shift }) => {
        const digit = (Number(card[position]) + shift) % 10;
        const typo = card.slice(0, position) + digit + card.slice(position + 1);
        const result = validateBankCard(typo);
        expect(result.ok).toBe(false);
        expect(!result.ok && result.code).toBe('invalid_check_digit');
      }),
    );
  });
});
