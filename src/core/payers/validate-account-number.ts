import type { AccountMedium } from './account-medium.js';
import { fieldFailure, fieldOk, type FieldResult } from './field-result.js';
import { plural, readDigits } from './read-digits.js';
import { validateBankCard } from './validate-bank-card.js';

export const ACCOUNT_DIGITS_MIN = 6;
export const ACCOUNT_DIGITS_MAX = 32;

/**
 * A payer account number for its medium (SPEC §3). Cards follow the card rule; e-accounts and
 * bank accounts have 6 to 32 digits and no check digit we could verify, since each bank numbers
 * them its own way. Returns the digits.
 * Fails with `empty`, `too_long`, `invalid_format`, `too_short`, and for cards `invalid_check_digit`.
 */
export function validateAccountNumber(text: string, medium: AccountMedium): FieldResult<string> {
  if (medium === 'bank_card') return validateBankCard(text);
  const read = readDigits(text, 'an account number', true);
  if (!read.ok) return read;
  const digits = read.value;
  const range = `${ACCOUNT_DIGITS_MIN} to ${ACCOUNT_DIGITS_MAX} digits`;
  if (digits.length < ACCOUNT_DIGITS_MIN) {
    return fieldFailure('too_short', `An account number has ${range}; this one has ${plural(digits.length, 'digit')}.`);
  }
  if (digits.length > ACCOUNT_DIGITS_MAX) {
    return fieldFailure('too_long', `An account number has ${range}; this one has ${plural(digits.length, 'digit')}.`);
  }
  return fieldOk(digits);
}
