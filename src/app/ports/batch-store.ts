import type { BatchRecord, BatchRowRecord, BatchStatus, InstructionStatus } from '../../core/index.js';
import type { Page, PageRequest } from './page.js';

export type BatchRow = BatchRecord;
export type BatchRowResult = BatchRowRecord;
/** A batch row's result with its debit's current status, for the report. */
export type BatchReportLine = BatchRowResult & { debit_status: InstructionStatus | null; failure_code: string | null; failure_message: string | null };

/** What the batch use cases and the batch worker need: batches, their row results and report. */
export interface BatchStore {
  insertBatch(row: BatchRow): Promise<void>;
  getBatch(id: string): Promise<BatchRow | null>;
  findBatchByFile(merchantId: string, sha256: string): Promise<BatchRow | null>;
  listBatches(filter: PageRequest & { merchantId?: string | undefined; status?: BatchStatus | undefined }): Promise<Page<BatchRow>>;
  /** Batches still being processed, oldest first. */
  listProcessingBatches(): Promise<BatchRow[]>;
  /** Batches still being processed whose next attempt is due at `now`, oldest first, at most `limit`. */
  listDueBatches(now: string, limit: number): Promise<BatchRow[]>;
  /** Records an unexpected error: the batch is not taken again before `nextAttemptAt`. */
  scheduleBatchRetry(id: string, attempts: number, nextAttemptAt: string): Promise<void>;
  /** Bytes of the files of a merchant's unfinished batches. */
  sumBatchBytesHeld(merchantId: string): Promise<number>;
  /** Advances a batch's cursor and counts; false when the batch was not at `fromCursor` (another worker moved it). */
  advanceBatch(id: string, fromCursor: number, patch: Pick<BatchRow, 'cursor' | 'rows' | 'accepted' | 'rejected'>): Promise<boolean>;
  /** Ends a batch still processing; `error` is a BatchError's JSON. False when it had already ended. */
  finishBatch(id: string, status: 'completed' | 'failed', at: string, error: string | null): Promise<boolean>;
  insertBatchRows(rows: BatchRowResult[]): Promise<void>;
  listBatchReport(batchId: string, afterRow: number, limit: number): Promise<BatchReportLine[]>;
  /** Debits of a batch by status. */
  countBatchDebits(batchId: string): Promise<Record<string, number>>;
}
