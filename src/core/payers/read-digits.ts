import { FIELD_INPUT_LENGTH_MAX, fieldFailure, fieldOk, type FieldResult } from './field-result.js';

/**
 * The shared first step of the number validators: trim, then insist on ASCII digits.
 * `label` names the kind of number in details ("a bank card number").
 * With `allowSpaces`, single spaces between digit groups are dropped, because card and account
 * numbers are printed in groups of four and get copied that way; the value returned is the
 * digits alone, which is what the blind index is computed over.
 */
export function readDigits(text: string, label: string, allowSpaces: boolean): FieldResult<string> {
  if (text.length > FIELD_INPUT_LENGTH_MAX) {
    return fieldFailure('too_long', `${capitalize(label)} cannot be longer than ${FIELD_INPUT_LENGTH_MAX} characters.`);
  }
  const trimmed = text.trim();
  if (trimmed === '') return fieldFailure('empty', `${capitalize(label)} is required.`);
  const compact = allowSpaces && /^\d+(?: \d+)*$/.test(trimmed) ? trimmed.replaceAll(' ', '') : trimmed;
  const badIndex = compact.search(/\D/);
  if (badIndex !== -1) {
    // The position, not the character: the character could be a mistyped digit of the number.
    const spacing = allowSpaces ? ' (single spaces between groups are allowed)' : '';
    return fieldFailure('invalid_format', `${capitalize(label)} must contain digits only${spacing}; character ${badIndex + 1} is not a digit.`);
  }
  return fieldOk(compact);
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
