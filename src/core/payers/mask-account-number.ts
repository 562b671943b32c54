import { maskMiddle } from './mask-middle.js';

/**
 * Up to this many digits, the short mask is used. The 6 + 4 rule needs at least 15 digits (the
 * shortest bank card) to keep 5 hidden; under it an 11-digit account would show 10 of its
 * 11 digits. So the cut is here, above the 10 digits at which 6 + 4 would show everything.
 */
const SHORT_ACCOUNT_DIGITS_MAX = 14;

/**
 * The display form of an account number (DESIGN-NOTES §5): first 6 and last 4 digits, the form
 * bank statements and card slips use, which names the issuer (the BIN) and lets the holder
 * recognise the account. Every bank card gets it. Shorter account numbers (14 digits or fewer)
 * keep only their first 2 and last 2 digits, so that at least as much is hidden as shown.
 */
export function maskAccountNumber(accountNumber: string): string {
  return [...accountNumber].length <= SHORT_ACCOUNT_DIGITS_MAX
    ? maskMiddle(accountNumber, 2, 2)
    : maskMiddle(accountNumber, 6, 4);
}
