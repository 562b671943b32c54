import type { AttemptChange, AttemptRecord, InstructionChange } from '../../core/index.js';
import type { DebitRow } from './debit-store.js';
import type { MandateRow } from './mandate-store.js';

export type AttemptRow = AttemptRecord;

/** What a claimed debit carries to the channel. */
export interface ClaimedDebit {
  debit: DebitRow;
  mandate: MandateRow;
}

/** The columns a debit update may set besides its status, which only an InstructionChange writes. */
export type DebitPatch = Partial<
  Pick<
    DebitRow,
    'failure_code' | 'failure_message' | 'failure_retryable' | 'next_action_at' | 'channel_id' | 'routing' | 'channel_cost'
  >
>;
/** The columns an attempt update may set besides its state, which only an AttemptChange writes. */
export type AttemptPatch = Partial<
  Pick<
    AttemptRow,
    'channel_reference' | 'failure_code' | 'failure_message' | 'next_query_at' | 'query_count' | 'lease_owner' | 'lease_until'
  >
>;

/**
 * What the submission worker needs to claim, send and apply (DESIGN-NOTES §1): every status
 * change of a debit or an attempt after its creation, each fenced by the transition table's
 * change. Conditional methods return whether they moved anything, so that two workers racing
 * for the same row can tell who won.
 */
export interface SubmissionStore {
  /**
   * Claims up to `limit` debits due by `now` in the single status of `claim.from` (the table's
   * `claimed` move): each is written in `claim.to` in this transaction, skipping rows another
   * process holds.
   */
  claimPendingDebits(claim: InstructionChange, now: string, limit: number): Promise<ClaimedDebit[]>;
  /**
   * Applies `change` (from the transition table: the statuses the debit may be in, and the one it
   * is written in) with the patch; false when the debit was in none of `change.from`. A change
   * the table did not issue is a bug (InvariantError).
   */
  updateDebit(id: string, change: InstructionChange, patch: DebitPatch, at: string): Promise<boolean>;
  /** updateDebit for many debits at once, in one statement; returns the debits that moved, as they are now. */
  updateDebits(updates: readonly { id: string; patch: DebitPatch }[], change: InstructionChange, at: string): Promise<DebitRow[]>;
  /** updateDebits for a caller that holds the debits as they were: returns only the ids of those that moved. */
  moveDebits(updates: readonly { id: string; patch: DebitPatch }[], change: InstructionChange, at: string): Promise<Set<string>>;

  insertAttempts(rows: readonly AttemptRow[]): Promise<void>;
  listAttempts(debitId: string): Promise<AttemptRow[]>;
  listAttemptsForDebits(debitIds: readonly string[]): Promise<AttemptRow[]>;
  /**
   * Leases up to `limit` open attempts due for a status query by `now` (including `sending`
   * ones whose sender's lease ran out).
   */
  claimOpenAttempts(now: string, limit: number, owner: string, leaseUntil: string): Promise<AttemptRow[]>;
  /**
   * Applies `change` (from the transition table) to an attempt still in one of `change.from` and
   * leased to `owner`; false otherwise (fencing). A change the table did not issue is a bug.
   */
  updateAttempt(id: string, change: AttemptChange, owner: string, patch: AttemptPatch, at: string): Promise<boolean>;
  /** updateAttempt for many attempts at once; returns the attempts that moved, as they are now. */
  updateAttempts(updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string, at: string): Promise<AttemptRow[]>;
  /** updateAttempts for a caller that holds the attempts as they were: returns only the ids of those changed. */
  moveAttempts(updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string, at: string): Promise<Set<string>>;
}
