import { BANK_TABLE, type BankCode } from './bank-table.js';

/**
 * The bank that issued a card, from the longest listed prefix (6 to 8 digits) of its number,
 * or null when the number is not digits or its prefix is not in `data/banks/bins.json`.
 * Null means "unknown", never "wrong": the table is illustrative, not exhaustive.
 */
export function bankFromBin(cardNumber: string): BankCode | null {
  if (!/^\d+$/.test(cardNumber)) return null;
  return BANK_TABLE.bankFromBin(cardNumber);
}
