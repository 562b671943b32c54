import type { DebitRow } from './debit-store.js';

/** Which failed debits the automatic re-presentment takes in one round (SPEC §14). */
export interface DueFailuresQuery {
  /**
   * Per merchant setting `auto_represent_after_business_days` (1–5): a failure is due when it
   * failed before this instant (the start of a Shanghai business date, as stored text).
   */
  failedBefore: Readonly<Record<1 | 2 | 3 | 4 | 5, string>>;
  /** Failures older than this are not taken: turning the setting on does not reach back for ever. */
  failedFrom: string;
  limit: number;
}

/** What presenting failed debits again needs beyond taking a debit in (DebitIntakeStore). */
export interface RepresentmentStore {
  /**
   * Reads a debit and holds it for the rest of the transaction (FOR UPDATE on PostgreSQL; SQLite
   * has one writer), so that concurrent presentments of one failure are decided one after another.
   */
  lockDebit(id: string): Promise<DebitRow | null>;
  /** Every debit that presents this one again, rejected ones included, oldest first. */
  listPresentmentsOf(debitId: string): Promise<DebitRow[]>;
  /**
   * In one query: the failed debits, with a retryable code, of merchants whose `auto_represent`
   * wants them presented again now — fewer presentments than the merchant's max, due by its
   * business days, never presented again before (a rejected presentment counts: tried once),
   * oldest failure first.
   */
  findDueFailures(query: DueFailuresQuery): Promise<DebitRow[]>;
  /** Sets a merchant's `auto_represent`; false when no merchant has the id. */
  updateMerchantAutoRepresent(merchantId: string, max: number, afterBusinessDays: number): Promise<boolean>;
}
