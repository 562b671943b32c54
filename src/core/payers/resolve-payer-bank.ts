import type { AccountMedium } from './account-medium.js';
import { bankFromBin } from './bank-from-bin.js';
import type { BankCode } from './bank-table.js';
import { fieldFailure, fieldOk, type FieldResult } from './field-result.js';
import { normalizeBankCode } from './normalize-bank-code.js';

export interface PayerBankInput {
  /** Already validated and normalized for its medium (digits only). */
  readonly accountNumber: string;
  readonly medium: AccountMedium;
  /** As the client gave it; undefined or null when not given. */
  readonly bankCode?: string | null | undefined;
}

/**
 * The payer's bank (SPEC §3). For cards the BIN decides: a given bank must agree with it, and a
 * card whose BIN is not listed takes the given bank on trust. Other media carry no issuer in
 * their numbers, so only the given bank counts. A null bank is not an error here: whether a
 * mandate may go ahead without one is for routing to decide.
 * Fails with what `normalizeBankCode` fails with, or `bank_mismatch`.
 */
export function resolvePayerBank(input: PayerBankInput): FieldResult<BankCode | null> {
  let given: BankCode | null = null;
  if (input.bankCode !== undefined && input.bankCode !== null) {
    const normalized = normalizeBankCode(input.bankCode);
    if (!normalized.ok) return normalized;
    given = normalized.value;
  }
  if (input.medium !== 'bank_card') return fieldOk(given);

  const fromBin = bankFromBin(input.accountNumber);
  if (given !== null && fromBin !== null && given !== fromBin) {
    return fieldFailure('bank_mismatch', `The bank code says ${given}, but the card number belongs to ${fromBin}.`);
  }
  return fieldOk(given ?? fromBin);
}
