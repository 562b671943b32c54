import type { FieldError } from '../app/errors.js';
import { escapePointerPart, ID_PREFIXES } from '../core/index.js';
import { findPersonalDataInText } from '../core/payers/index.js';

/**
 * Fields whose value *is* personal data: validated, encrypted at rest and shown masked. Every
 * other string in a request body (descriptions, metadata, references, names, titles, and the
 * keys of objects) is free text, where a card or ID number must not be stored (SPEC §13).
 */
const PERSONAL_DATA_FIELDS: ReadonlySet<string> = new Set(['account_number', 'id_number']);
/**
 * One of daikou's own ids, exactly: a type prefix and a UUIDv7 in 32 hex digits. Its hex holds a
 * Luhn-valid, issuer-prefixed run of 15+ digits about once in 7,000 ids; such an id is ours, not a card.
 */
const DAIKOU_ID = new RegExp(`^(?:${Object.values(ID_PREFIXES).join('|')})_[0-9a-f]{32}$`);
/** Enough to show a client what to fix, without an answer as large as a hostile body. */
const FINDINGS_MAX = 20;

/**
 * Walks a parsed JSON body, at any depth and without recursion (a body may nest deeply), and
 * returns a pointer to every free-text string or object key that holds a card or ID number.
 * Values that are not parsed JSON (a streamed batch file) are left to their own reader.
 */
export function personalDataInFreeText(body: unknown): FieldError[] {
  const findings: FieldError[] = [];
  const pending: Array<{ value: unknown; pointer: string; personal: boolean }> = [{ value: body, pointer: '', personal: false }];
  while (pending.length > 0 && findings.length < FINDINGS_MAX) {
    const { value, pointer, personal } = pending.pop()!;
    if (typeof value === 'string') {
      if (!personal) check(findings, value, pointer, 'value');
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, pointer: `${pointer}/${index}`, personal }));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        const at = `${pointer}/${escapePointerPart(key)}`;
        check(findings, key, at, 'name');
        pending.push({ value: item, pointer: at, personal: PERSONAL_DATA_FIELDS.has(key) });
      }
    }
  }
  return findings.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

function check(findings: FieldError[], text: string, pointer: string, what: 'value' | 'name'): void {
  if (DAIKOU_ID.test(text)) return;
  const found = findPersonalDataInText(text);
  if (found === null) return;
  const kind = found.kind === 'card_number' ? 'a card number' : 'an ID number';
  findings.push({
    pointer: pointer === '' ? '/' : pointer,
    code: 'personal_data_in_free_text',
    detail: `This field ${what} holds what looks like ${kind}; personal data belongs only in account_number and id_number fields.`,
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
