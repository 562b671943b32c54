import { invariant, isCalendarDate } from '../kernel/index.js';
import { FIELD_INPUT_LENGTH_MAX, fieldFailure, fieldOk, type FieldResult } from './field-result.js';
import { isProvinceCode } from './province-codes.js';

/** GB 11643-1999 weights: 2^(17-i) mod 11 for the i-th of the first 17 characters. */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
/** ISO 7064 MOD 11-2 check character, indexed by the weighted sum mod 11. */
const ID_CHECK_CHARACTERS = '10X98765432';

/** No resident ID was issued to anyone born before 1900; an earlier year is a typo. */
const ID_BIRTH_YEAR_MIN = 1900;

/** The check character (`0`-`9` or `X`) of the first 17 digits of a resident ID number. */
export function idCheckCharacter(first17: string): string {
  invariant(/^\d{17}$/.test(first17), 'idCheckCharacter needs exactly 17 digits');
  let sum = 0;
  for (let index = 0; index < 17; index += 1) sum += (first17.charCodeAt(index) - 48) * ID_WEIGHTS[index]!;
  return ID_CHECK_CHARACTERS[sum % 11]!;
}

/**
 * An 18-character resident ID number (GB 11643-1999, SPEC §3), checked in reading order:
 * province, birth date, then the check character. `today` is the Asia/Shanghai business date
 * (`YYYY-MM-DD`), passed in so that the result never depends on the machine's clock.
 * Returns the number with a lower-case `x` upper-cased, the form the blind index is built on.
 * Fails with `empty`, `legacy_15_digit`, `too_short`, `too_long`, `invalid_format`, `unknown_region`,
 * `invalid_birth_date`, `birth_date_in_future` or `invalid_check_digit`; a malformed `today` is a bug.
 */
export function validateIdNumber(text: string, today: string): FieldResult<string> {
  invariant(isCalendarDate(today), `today must be a YYYY-MM-DD date, got ${JSON.stringify(today)}`);
  if (text.length > FIELD_INPUT_LENGTH_MAX) {
    return fieldFailure('too_long', 'A resident ID number has 18 characters.');
  }
  const trimmed = text.trim();
  if (trimmed === '') return fieldFailure('empty', 'A resident ID number is required.');
  if (/^\d{15}$/.test(trimmed)) {
    return fieldFailure(
      'legacy_15_digit',
      '15-digit resident ID numbers are no longer accepted; give the 18-character number from the current ID card.',
    );
  }
  if (trimmed.length < 18) {
    return fieldFailure('too_short', `A resident ID number has 18 characters; this one has ${trimmed.length}.`);
  }
  if (trimmed.length > 18) {
    return fieldFailure('too_long', `A resident ID number has 18 characters; this one has ${trimmed.length}.`);
  }
  if (!/^\d{17}[\dXx]$/.test(trimmed)) {
    return fieldFailure('invalid_format', 'A resident ID number is 17 digits followed by a digit or X.');
  }
  const id = trimmed.toUpperCase();

  if (!isProvinceCode(id.slice(0, 2))) {
    return fieldFailure('unknown_region', 'The resident ID number does not start with a known province code.');
  }

  // Birth dates are compared as YYYYMMDD strings, which sort like the dates they spell.
  const birth = id.slice(6, 14);
  const birthDate = `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`;
  if (!isCalendarDate(birthDate)) {
    return fieldFailure('invalid_birth_date', 'The birth date in the resident ID number (characters 7 to 14) is not a real date.');
  }
  if (Number(birth.slice(0, 4)) < ID_BIRTH_YEAR_MIN) {
    return fieldFailure('invalid_birth_date', `The birth date in the resident ID number is before ${ID_BIRTH_YEAR_MIN}.`);
  }
  if (birth > today.replaceAll('-', '')) {
    return fieldFailure('birth_date_in_future', 'The birth date in the resident ID number is in the future.');
  }

  if (idCheckCharacter(id.slice(0, 17)) !== id.charAt(17)) {
    return fieldFailure('invalid_check_digit', 'The resident ID number fails its check character (ISO 7064 MOD 11-2); a character is probably mistyped.');
  }
  return fieldOk(id);
}
