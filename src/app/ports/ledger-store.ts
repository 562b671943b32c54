import type { LedgerAccountRecord, LedgerTransaction } from '../../core/index.js';

export type LedgerAccountRow = LedgerAccountRecord;

export interface LedgerEntry {
  id: string;
  transaction: LedgerTransaction;
  at: string;
  businessDate: string;
}

/** What posting a debit's outcome and reading the ledger need. */
export interface LedgerStore {
  /**
   * Posts ledger transactions, each balance moved once by the sum of its postings; returns the
   * ids of the entries posted (an object already posted for its kind is skipped: once per kind and
   * object, DESIGN-NOTES §3).
   */
  postLedgerTransactions(entries: readonly LedgerEntry[]): Promise<Set<string>>;
  listLedgerAccounts(ownerType?: string, ownerId?: string): Promise<LedgerAccountRow[]>;
  /** Accounts whose cached balance differs from the sum of their postings. */
  findUnbalancedLedgerAccounts(): Promise<{ id: string; balance: number; postings: number }[]>;
}
