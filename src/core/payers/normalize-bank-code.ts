import { BANK_TABLE, type BankCode } from './bank-table.js';
import { fieldFailure, fieldOk, type FieldResult } from './field-result.js';

const BANK_CODE_LENGTH_MAX = 32;

/**
 * A `bank_code` as clients may write it (SPEC §3): one of our short codes in any letter case,
 * or a 12-digit CNAPS bank number, whose first 3 digits name the bank. Returns the short code.
 * Bank codes are not personal data, so details may quote them.
 * Fails with `empty`, `too_long`, `invalid_format` or `unknown_bank`.
 */
export function normalizeBankCode(text: string): FieldResult<BankCode> {
  const trimmed = text.trim();
  if (trimmed === '') return fieldFailure('empty', 'A bank code is required.');
  if (trimmed.length > BANK_CODE_LENGTH_MAX) {
    return fieldFailure('too_long', 'A bank code is a short code such as ICBC or a 12-digit CNAPS bank number.');
  }
  if (/^\d+$/.test(trimmed)) {
    if (trimmed.length !== 12) {
      return fieldFailure('invalid_format', `A CNAPS bank number has 12 digits; this one has ${trimmed.length}.`);
    }
    const bank = BANK_TABLE.byCnapsPrefix(trimmed.slice(0, 3));
    if (bank === undefined) {
      return fieldFailure('unknown_bank', `No bank is known for CNAPS bank numbers starting ${trimmed.slice(0, 3)}.`);
    }
    return fieldOk(bank.code);
  }
  if (!/^[A-Za-z]+$/.test(trimmed)) {
    return fieldFailure('invalid_format', 'A bank code is a short code of letters such as ICBC, or a 12-digit CNAPS bank number.');
  }
  const bank = BANK_TABLE.byCode(trimmed.toUpperCase());
  if (bank === undefined) return fieldFailure('unknown_bank', `Bank code ${trimmed.toUpperCase()} is not known.`);
  return fieldOk(bank.code);
}
