import { fieldFailure, fieldOk, type FieldResult } from './field-result.js';
import { hasValidLuhn } from './luhn.js';
import { plural, readDigits } from './read-digits.js';

export const BANK_CARD_DIGITS_MIN = 15;
export const BANK_CARD_DIGITS_MAX = 19;

/**
 * A bank card number (SPEC §3): 15 to 19 digits ending in a Luhn check digit. Returns the digits.
 * Fails with `empty`, `too_long`, `invalid_format`, `too_short` or `invalid_check_digit`.
 */
export function validateBankCard(text: string): FieldResult<string> {
  const read = readDigits(text, 'a bank card number', true);
  if (!read.ok) return read;
  const digits = read.value;
  const range = `${BANK_CARD_DIGITS_MIN} to ${BANK_CARD_DIGITS_MAX} digits`;
  if (digits.length < BANK_CARD_DIGITS_MIN) {
    return fieldFailure('too_short', `A bank card number has ${range}; this one has ${plural(digits.length, 'digit')}.`);
  }
  if (digits.length > BANK_CARD_DIGITS_MAX) {
    return fieldFailure('too_long', `A bank card number has ${range}; this one has ${plural(digits.length, 'digit')}.`);
  }
  if (!hasValidLuhn(digits)) {
    return fieldFailure('invalid_check_digit', 'The bank card number fails its check digit (Luhn); a digit is probably mistyped.');
  }
  return fieldOk(digits);
}
