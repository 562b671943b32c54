import { createHmac } from 'node:crypto';
import { invariant } from '../../core/kernel/index.js';

/**
 * The sandbox keeps no account or ID number in plain text (SPEC §13, DESIGN-NOTES §5): rows are
 * keyed by an HMAC of the number and shown masked. This is the only file that sees both forms.
 *
 * Kept local on purpose: the hub's own payer module is a separate area and the sandbox is a
 * separate service that must not reach into it.
 */
export class AccountBlinder {
  readonly #key: Buffer;

  constructor(secret: string) {
    invariant(secret.length > 0, 'the sandbox needs a non-empty secret to key account numbers');
    this.#key = Buffer.from(secret, 'utf8');
  }

  /** HMAC-SHA-256(secret, account_number), hex: the key of an account and of its received log. */
  account(accountNumber: string): string {
    return createHmac('sha256', this.#key).update(accountNumber, 'utf8').digest('hex');
  }

  /** HMAC-SHA-256(secret, id_number) of the normalized ID number: enough to compare, never to show. */
  idNumber(idNumber: string): string {
    return createHmac('sha256', this.#key).update(normalizeIdNumber(idNumber), 'utf8').digest('hex');
  }
}

/** ID numbers compare without surrounding blanks and with an upper-case check character. */
export function normalizeIdNumber(idNumber: string): string {
  return idNumber.trim().toUpperCase();
}

/** Holder names compare without surrounding blanks and in one Unicode form. */
export function normalizeHolderName(name: string): string {
  return name.trim().normalize('NFC');
}

const MASK_CHAR = '*';

/**
 * The display form of an account number: the first 6 and last 4 digits (SPEC §4). Numbers too
 * short for that to hide anything (< 15 digits; cards are 15–19) keep only their last quarter,
 * at most 4 digits, so that a masked form never reveals most of a number.
 */
export function maskAccountNumber(accountNumber: string): string {
  const length = accountNumber.length;
  if (length >= 15) {
    return accountNumber.slice(0, 6) + MASK_CHAR.repeat(length - 10) + accountNumber.slice(-4);
  }
  const tail = Math.min(4, Math.floor(length / 4));
  return MASK_CHAR.repeat(length - tail) + accountNumber.slice(length - tail);
}

/** The display form of an ID number: its first and last character (SPEC §4). */
export function maskIdNumber(idNumber: string): string {
  const normalized = normalizeIdNumber(idNumber);
  if (normalized.length <= 2) return MASK_CHAR.repeat(normalized.length);
  return normalized[0] + MASK_CHAR.repeat(normalized.length - 2) + normalized[normalized.length - 1];
}
