import type { AttemptChange, InstructionChange, InstructionStatus, PayoutKind, PayoutAttemptRecord, PayoutEventRecord, PayoutRecord } from '../../core/index.js';
import type { Page, PageRequest } from './page.js';
import type { AttemptPatch } from './submission-store.js';

export type PayoutRow = PayoutRecord;
export type PayoutEventRow = PayoutEventRecord;
export type PayoutAttemptRow = PayoutAttemptRecord;

export interface PayoutFilter extends PageRequest {
  merchantId?: string | undefined;
  kind?: PayoutKind | undefined;
  status?: InstructionStatus | undefined;
  reference?: string | undefined;
  channelId?: string | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
}

/** The columns a payout update may set besides its status, which only an InstructionChange writes. */
export type PayoutPatch = Partial<Pick<PayoutRow, 'failure_code' | 'failure_message' | 'next_action_at' | 'channel_id' | 'routing' | 'channel_cost'>>;

/**
 * Payouts (SPEC §14): taking them in, reading them, and the submission worker's moves, each
 * fenced by the transition table as for debits (SubmissionStore). Payouts have their own events
 * and attempts tables (migration 013).
 */
export interface PayoutStore {
  /** Writes the payout unless the merchant has a live payout with its reference: then nothing is written. */
  insertPayout(row: PayoutRow): Promise<'inserted' | 'reference_taken'>;
  /**
   * Writes many payouts in one statement per table (a payout batch's part). The caller has looked
   * their references up (findLivePayoutReferences) in the same transaction: a reference taken by a
   * concurrent request meanwhile is a unique violation that rolls the whole chunk back, to be
   * decided again.
   */
  insertPayouts(rows: readonly PayoutRow[]): Promise<void>;
  insertPayoutEvents(rows: readonly PayoutEventRow[]): Promise<void>;
  /** Of `references`, those the merchant's live (not rejected) payouts hold. */
  findLivePayoutReferences(merchantId: string, references: readonly string[]): Promise<Set<string>>;
  findLivePayoutByReference(merchantId: string, reference: string): Promise<PayoutRow | null>;
  getPayout(id: string): Promise<PayoutRow | null>;
  /** The payouts (refunds included) of `ids` that exist, in no order; one query. */
  getPayouts(ids: readonly string[]): Promise<PayoutRow[]>;
  listPayouts(filter: PayoutFilter): Promise<Page<PayoutRow>>;
  listPayoutEvents(payoutId: string): Promise<PayoutEventRow[]>;
  listPayoutAttempts(payoutIds: readonly string[]): Promise<PayoutAttemptRow[]>;

  /** As SubmissionStore.claimPendingDebits, for payouts. */
  claimPendingPayouts(claim: InstructionChange, now: string, limit: number): Promise<PayoutRow[]>;
  /** As SubmissionStore.updateDebits, for payouts. */
  updatePayouts(updates: readonly { id: string; patch: PayoutPatch }[], change: InstructionChange, at: string): Promise<PayoutRow[]>;
  insertPayoutAttempts(rows: readonly PayoutAttemptRow[]): Promise<void>;
  /** As SubmissionStore.claimOpenAttempts, for payout attempts. */
  claimOpenPayoutAttempts(now: string, limit: number, owner: string, leaseUntil: string): Promise<PayoutAttemptRow[]>;
  /** As SubmissionStore.updateAttempts, for payout attempts. */
  updatePayoutAttempts(updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string, at: string): Promise<PayoutAttemptRow[]>;
}
