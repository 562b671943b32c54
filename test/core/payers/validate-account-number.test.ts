import { describe, expect, it } from 'vitest';
import { validateAccountNumber, type AccountMedium } from '../../../src/core/payers/index.js';
import { syntheticCardNumber } from './synthetic-numbers.js';

const card = syntheticCardNumber('621700', 19, '3');
const cardWithTypo = card.slice(0, -1) + String((Number(card.at(-1)) + 1) % 10);

describe('validateAccountNumber', () => {
  const cases: [AccountMedium, string, boolean, string][] = [
    // medium, input, ok, normalized value or reason code
    ['bank_card', card, true, card],
    ['bank_card', cardWithTypo, false, 'invalid_check_digit'],
    ['bank_card', '123456', false, 'too_short'],
    // no check digit rule outside cards: the same typo is an account number like any other
    ['bank_account', cardWithTypo, true, cardWithTypo],
    ['virtual_account', '123456', true, '123456'],
    ['virtual_account', '12345', false, 'too_short'],
    ['bank_account', '  123456  ', true, '123456'],
    ['bank_account', '1234 5678 9012', true, '123456789012'],
    ['bank_account', '9'.repeat(32), true, '9'.repeat(32)],
    ['bank_account', '9'.repeat(33), false, 'too_long'],
    ['bank_account', '12-34-56', false, 'invalid_format'],
    ['bank_account', '0012a34', false, 'invalid_format'],
    ['virtual_account', '', false, 'empty'],
  ];

  it.each(cases)('%s %s', (medium, input, ok, expected) => {
    const result = validateAccountNumber(input, medium);
    expect(result.ok).toBe(ok);
    expect(result.ok ? result.value : result.code).toBe(expected);
  });
});
