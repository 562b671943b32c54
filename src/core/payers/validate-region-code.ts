import { fieldFailure, fieldOk, type FieldResult } from './field-result.js';
import { isProvinceCode } from './province-codes.js';
import { plural, readDigits } from './read-digits.js';

/**
 * A GB/T 2260 region code (SPEC §3): 6 digits whose first two name a known province. Only the
 * province is checked; the city and county parts change with every administrative reshuffle,
 * and rules match on prefixes anyway.
 * Fails with `empty`, `too_long`, `invalid_format`, `too_short` or `unknown_region`.
 */
export function validateRegionCode(text: string): FieldResult<string> {
  const read = readDigits(text, 'a region code', false);
  if (!read.ok) return read;
  const digits = read.value;
  if (digits.length < 6) return fieldFailure('too_short', `A region code has 6 digits; this one has ${plural(digits.length, 'digit')}.`);
  if (digits.length > 6) return fieldFailure('too_long', `A region code has 6 digits; this one has ${plural(digits.length, 'digit')}.`);
  if (!isProvinceCode(digits.slice(0, 2))) {
    return fieldFailure('unknown_region', 'The region code does not start with a known province code.');
  }
  return fieldOk(digits);
}
