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
  /**
   * Posts one transaction only if, after it, `guarded` (an account of credits: what daikou owes)
   * is still ≤ 0 — a conditional update of that balance first (`… where balance + delta <= 0`),
   * which concurrent posters pass one after another (PostgreSQL re-checks the condition on the
   * row it waited for; SQLite has one writer). `insufficient_balance`: nothing was written. The
   * guarded account must be the lowest id the transaction moves (balances move in id order).
   */
  postGuardedLedgerTransaction(entry: LedgerEntry, guarded: string): Promise<'posted' | 'insufficient_balance'>;
  /**
   * Locks an account's row until the transaction ends (FOR UPDATE on PostgreSQL; SQLite has one
   * writer) and returns its balance, 0 for an account never posted to. A payout batch's chunk
   * reserves its rows against this balance in memory and posts them with postLedgerTransactions:
   * while it holds the lock, a concurrent guarded posting waits, then sees the balance it left.
   */
  lockLedgerBalance(accountId: string): Promise<number>;
  listLedgerAccounts(ownerType?: string, ownerId?: string): Promise<LedgerAccountRow[]>;
  /** Accounts whose cached balance differs from the sum of their postings. */
  findUnbalancedLedgerAccounts(): Promise<{ id: string; balance: number; postings: number }[]>;
}
