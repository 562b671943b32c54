import type { DebitEventRecord, DebitRecord, InstructionStatus } from '../../core/index.js';
import type { Page, PageRequest } from './page.js';

export type DebitRow = DebitRecord;
export type DebitEventRow = DebitEventRecord;

export interface DebitFilter extends PageRequest {
  merchantId?: string | undefined;
  status?: InstructionStatus | undefined;
  reference?: string | undefined;
  mandateId?: string | undefined;
  channelId?: string | undefined;
  batchId?: string | undefined;
  /** Stored instants (`toISOString`), compared as text. */
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
}

/**
 * What taking debits in (one by one or by batch) and reading them need: debits as created and
 * their events. Status changes after creation go through SubmissionStore.
 */
export interface DebitStore {
  /**
   * Writes the debit unless the merchant has a debit with its reference and presentment number
   * (SPEC §14: a chain of re-presentments shares one reference) that was not rejected
   * (often a concurrent request's): then nothing is written and the transaction stays usable.
   */
  insertDebit(row: DebitRow): Promise<'inserted' | 'reference_taken'>;
  /** Multi-row inserts, for batches. */
  insertDebits(rows: readonly DebitRow[]): Promise<void>;
  insertDebitEvent(row: DebitEventRow): Promise<void>;
  insertDebitEvents(rows: readonly DebitEventRow[]): Promise<void>;
  /** Which of these references the merchant already has on a debit that was not rejected. */
  findLiveReferences(merchantId: string, references: readonly string[]): Promise<Set<string>>;
  /** A debit of the merchant with this reference that was not rejected. */
  findLiveDebitByReference(merchantId: string, reference: string): Promise<DebitRow | null>;
  getDebit(id: string): Promise<DebitRow | null>;
  /** The debits of `ids` that exist, in no order; one query (callers pass a worker round or a chunk, not a whole table). */
  getDebits(ids: readonly string[]): Promise<DebitRow[]>;
  listDebits(filter: DebitFilter): Promise<Page<DebitRow>>;
  listDebitEvents(debitId: string): Promise<DebitEventRow[]>;
  countDebitsByStatus(): Promise<Record<string, number>>;
}
