/**
 * Why a payer field was refused, most fundamental first: a validator reports the first reason
 * in this order that applies, so an input is never blamed for its check digit when it is not
 * even the right length. The codes are external (they reach clients as `errors[].code`).
 */
export const FIELD_REASONS = [
  'empty',
  'too_long',
  'too_short',
  'invalid_format',
  'control_character',
  'legacy_15_digit',
  'invalid_prefix',
  'unknown_region',
  'invalid_birth_date',
  'birth_date_in_future',
  'invalid_check_digit',
  'unknown_bank',
  'bank_mismatch',
] as const;

export type FieldReason = (typeof FIELD_REASONS)[number];

/**
 * `detail` is a sentence for a person. It never quotes a personal value (account, ID or phone
 * number, name), in full or in part, because error messages end up in logs and support tickets.
 */
export interface FieldFailure {
  readonly ok: false;
  readonly code: FieldReason;
  readonly detail: string;
}

export interface FieldSuccess<T> {
  readonly ok: true;
  readonly value: T;
}

/** The outcome of checking one field: the normalized value, or why it was refused. */
export type FieldResult<T> = FieldSuccess<T> | FieldFailure;

export function fieldOk<T>(value: T): FieldSuccess<T> {
  return { ok: true, value };
}

export function fieldFailure(code: FieldReason, detail: string): FieldFailure {
  return { ok: false, code, detail };
}

/**
 * Longest raw input any validator looks at. The longest valid field is 64 characters of name
 * plus surrounding blanks; anything far beyond that is refused before a regex runs over it.
 */
export const FIELD_INPUT_LENGTH_MAX = 256;
