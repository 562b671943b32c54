import type { BatchKind, BatchRecord, BatchRowRecord, BatchStatus, InstructionStatus } from '../../core/index.js';
import type { Page, PageRequest } from './page.js';

export type BatchRow = BatchRecord;
/** A batch as recorded at upload: no one holds its lease yet. */
export type NewBatchRow = Omit<BatchRow, 'lease_owner' | 'lease_until'>;
/** Who holds a batch, and until when (renewed with each chunk it commits). */
export interface BatchLease {
  owner: string;
  until: string;
}
export type BatchRowResult = BatchRowRecord;
/**
 * A batch row's result with its instruction's current status, for the report: the debit's, or for
 * a payout batch the payout's (`payout_id`, found by the payout's batch and row; null otherwise).
 */
export type BatchReportLine = BatchRowResult & { payout_id: string | null; debit_status: InstructionStatus | null; failure_code: string | null; failure_message: string | null };

/** What the batch use cases and the batch worker need: batches, their row results and report. */
export interface BatchStore {
  /** Records the batch unless its merchant has a batch of the same file already (often a concurrent upload's). */
  insertBatch(row: NewBatchRow): Promise<'inserted' | 'file_taken'>;
  getBatch(id: string): Promise<BatchRow | null>;
  findBatchByFile(merchantId: string, sha256: string): Promise<BatchRow | null>;
  listBatches(filter: PageRequest & { merchantId?: string | undefined; status?: BatchStatus | undefined }): Promise<Page<BatchRow>>;
  /** Batches still being processed whose next attempt is due at `now`, oldest first, at most `limit` (leased or not). */
  listDueBatches(now: string, limit: number): Promise<BatchRow[]>;
  /**
   * Leases to `owner` until `leaseUntil` the oldest batch still processing that is due at `now`
   * and that no one holds (its lease is null or ran out before `now`); null when there is none.
   * Of several workers claiming at once, each batch goes to one.
   */
  claimDueBatch(now: string, owner: string, leaseUntil: string): Promise<BatchRow | null>;
  /**
   * Records an unexpected error: the batch is not taken again before `nextAttemptAt`, and its
   * lease is released. False when `owner` no longer holds the batch (another worker took it over).
   */
  scheduleBatchRetry(id: string, owner: string, attempts: number, nextAttemptAt: string): Promise<boolean>;
  /** Bytes of the files of a merchant's unfinished batches. */
  sumBatchBytesHeld(merchantId: string): Promise<number>;
  /**
   * Advances a batch's cursor and counts, and renews the lease to `lease.until`; false when the
   * batch was not at `fromCursor` or `lease.owner` no longer holds it (fencing).
   */
  advanceBatch(id: string, lease: BatchLease, fromCursor: number, patch: Pick<BatchRow, 'cursor' | 'rows' | 'accepted' | 'rejected'>): Promise<boolean>;
  /** Ends a batch still processing that `owner` holds; `error` is a BatchError's JSON. False when it had ended or `owner` lost it. */
  finishBatch(id: string, owner: string, status: 'completed' | 'failed', at: string, error: string | null): Promise<boolean>;
  insertBatchRows(rows: BatchRowResult[]): Promise<void>;
  /** The report's lines after `afterRow`, joined with the batch's debits or, for `kind` payout, its payouts. */
  listBatchReport(batchId: string, afterRow: number, limit: number, kind?: BatchKind): Promise<BatchReportLine[]>;
  /** Debits of a batch by status. */
  countBatchDebits(batchId: string): Promise<Record<string, number>>;
  /** Payouts of a payout batch by status. */
  countBatchPayouts(batchId: string): Promise<Record<string, number>>;
}
