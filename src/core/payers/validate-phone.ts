import { fieldFailure, fieldOk, type FieldResult } from './field-result.js';
import { plural, readDigits } from './read-digits.js';

const PHONE_DIGITS = 11;

/**
 * A mainland mobile number (SPEC §3): `1`, then `3`-`9`, then 9 digits. No country code and no
 * separators: the number is compared by its blind index, so it has exactly one spelling.
 * Fails with `empty`, `too_long`, `invalid_format`, `too_short` or `invalid_prefix`.
 */
export function validatePhone(text: string): FieldResult<string> {
  const read = readDigits(text, 'a mobile number', false);
  if (!read.ok) return read;
  const digits = read.value;
  if (digits.length < PHONE_DIGITS) {
    return fieldFailure('too_short', `A mobile number has ${PHONE_DIGITS} digits; this one has ${plural(digits.length, 'digit')}.`);
  }
  if (digits.length > PHONE_DIGITS) {
    return fieldFailure('too_long', `A mobile number has ${PHONE_DIGITS} digits; this one has ${plural(digits.length, 'digit')}. Leave out any country code.`);
  }
  if (!/^1[3-9]/.test(digits)) {
    return fieldFailure('invalid_prefix', 'A mainland mobile number starts with 13 to 19.');
  }
  return fieldOk(digits);
}
