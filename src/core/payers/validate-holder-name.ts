import { FIELD_INPUT_LENGTH_MAX, fieldFailure, fieldOk, type FieldResult } from './field-result.js';

const HOLDER_NAME_LENGTH_MAX = 64;

/**
 * Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional
 * embedding, override and isolate marks. The last ones are not controls in the Unicode sense,
 * but they reorder how a name is displayed in the console and in exported files, which makes
 * them a spoofing tool rather than part of anyone's name.
 */
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;
/** A lone surrogate cannot be encoded as UTF-8, so it would fail later, in the database. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * An account holder's name (SPEC §3): 1 to 64 characters after trimming, no control characters.
 * Length counts code points, not UTF-16 units, so that a name with a rare character outside the
 * Basic Multilingual Plane (many 生僻字 are) is not charged double. Returns the trimmed name.
 * Fails with `empty`, `too_long`, `invalid_format` (malformed UTF-16) or `control_character`.
 */
export function validateHolderName(text: string): FieldResult<string> {
  if (text.length > FIELD_INPUT_LENGTH_MAX) {
    return fieldFailure('too_long', `A holder name has at most ${HOLDER_NAME_LENGTH_MAX} characters.`);
  }
  const name = text.trim();
  if (name === '') return fieldFailure('empty', 'A holder name is required.');
  if (LONE_SURROGATE.test(name)) {
    return fieldFailure('invalid_format', 'The holder name is not well-formed Unicode text.');
  }
  const length = [...name].length;
  if (length > HOLDER_NAME_LENGTH_MAX) {
    return fieldFailure('too_long', `A holder name has at most ${HOLDER_NAME_LENGTH_MAX} characters; this one has ${length}.`);
  }
  const forbidden = FORBIDDEN.exec(name);
  if (forbidden) {
    const position = [...name.slice(0, forbidden.index)].length + 1;
    return fieldFailure('control_character', `The holder name contains a control character at position ${position}.`);
  }
  return fieldOk(name);
}
