import { invariant } from '../kernel/index.js';
import banksJson from '../../../data/banks/banks.json' with { type: 'json' };
import binsJson from '../../../data/banks/bins.json' with { type: 'json' };

/** daikou's short code for a bank (`ICBC`, `CCB`, …), only ever made from a table row. */
export type BankCode = string & { readonly __brand: 'BankCode' };

export interface Bank {
  readonly code: BankCode;
  /** First 3 digits of the bank's 12-digit CNAPS bank numbers (联行号). */
  readonly cnapsPrefix: string;
  readonly nameZh: string;
  readonly nameEn: string;
}

/** A row of `data/banks/banks.json`, as written there. */
export interface BankRow {
  readonly code: string;
  readonly cnaps_prefix: string;
  readonly name_zh: string;
  readonly name_en: string;
}

export const BIN_PREFIX_DIGITS_MIN = 6;
export const BIN_PREFIX_DIGITS_MAX = 8;
const BIN_PREFIX_PATTERN = new RegExp(`^\\d{${BIN_PREFIX_DIGITS_MIN},${BIN_PREFIX_DIGITS_MAX}}$`);

export interface BankTable {
  readonly banks: readonly Bank[];
  /** Exact, upper-case short code. */
  byCode(code: string): Bank | undefined;
  byCnapsPrefix(prefix: string): Bank | undefined;
  /** The bank owning the longest listed prefix of `digits`, or null when none is listed. */
  bankFromBin(digits: string): BankCode | null;
}

/**
 * Builds the lookups over the bank and BIN tables. The tables are our own data, so a malformed
 * one is a bug in the repository, not bad input: it fails an invariant as the module loads,
 * before any request is served.
 */
export function createBankTable(rows: readonly BankRow[], binsByBank: Readonly<Record<string, readonly string[]>>): BankTable {
  const byCode = new Map<string, Bank>();
  const byCnaps = new Map<string, Bank>();
  for (const row of rows) {
    invariant(/^[A-Z]{2,10}$/.test(row.code), `bank code ${row.code} must be 2 to 10 upper-case letters`);
    invariant(/^\d{3}$/.test(row.cnaps_prefix), `bank ${row.code}: CNAPS prefix must be 3 digits`);
    invariant(row.name_zh !== '' && row.name_en !== '', `bank ${row.code} needs both names`);
    invariant(!byCode.has(row.code), `bank code ${row.code} is listed twice`);
    invariant(!byCnaps.has(row.cnaps_prefix), `CNAPS prefix ${row.cnaps_prefix} is listed twice`);
    const bank: Bank = Object.freeze({
      code: row.code as BankCode,
      cnapsPrefix: row.cnaps_prefix,
      nameZh: row.name_zh,
      nameEn: row.name_en,
    });
    byCode.set(bank.code, bank);
    byCnaps.set(bank.cnapsPrefix, bank);
  }

  const binOwner = new Map<string, BankCode>();
  for (const [code, prefixes] of Object.entries(binsByBank)) {
    const bank = byCode.get(code);
    invariant(bank !== undefined, `BIN table names unknown bank ${code}`);
    for (const prefix of prefixes) {
      invariant(BIN_PREFIX_PATTERN.test(prefix), `BIN ${prefix} of ${code} must have ${BIN_PREFIX_DIGITS_MIN} to ${BIN_PREFIX_DIGITS_MAX} digits`);
      const owner = binOwner.get(prefix);
      invariant(owner === undefined, `BIN ${prefix} is listed for both ${owner} and ${code}`);
      binOwner.set(prefix, bank.code);
    }
  }

  const banks = Object.freeze([...byCode.values()]);
  return {
    banks,
    byCode: (code) => byCode.get(code),
    byCnapsPrefix: (prefix) => byCnaps.get(prefix),
    bankFromBin(digits) {
      // At most three map probes, one per prefix length, longest first.
      for (let length = Math.min(BIN_PREFIX_DIGITS_MAX, digits.length); length >= BIN_PREFIX_DIGITS_MIN; length -= 1) {
        const owner = binOwner.get(digits.slice(0, length));
        if (owner !== undefined) return owner;
      }
      return null;
    },
  };
}

/** The tables shipped in `data/banks/`. */
export const BANK_TABLE: BankTable = createBankTable(banksJson.banks, binsJson.bins);

/** Every bank daikou knows by name, in table order. */
export const BANKS: readonly Bank[] = BANK_TABLE.banks;
