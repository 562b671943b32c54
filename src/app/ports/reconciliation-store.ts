import type { ExceptionKind, ExceptionStatus, ReconciliationExceptionRecord, ReconciliationRecord, ReconciliationStatus, ResolutionAction, StatementCounts, StatementDirection, StatementFormat, StatementLine, StatementTotals } from '../../core/index.js';
import type { Page } from './page.js';

export type ReconciliationRow = ReconciliationRecord;
export type ReconciliationExceptionRow = ReconciliationExceptionRecord;

export interface ReconciliationFilter {
  channelId?: string | undefined;
  businessDate?: string | undefined;
  status?: ReconciliationStatus | undefined;
  limit: number;
  startingAfter?: string | undefined;
}

export interface ReconciliationExceptionFilter {
  reconciliationId: string;
  kind?: ExceptionKind | undefined;
  status?: ExceptionStatus | undefined;
  limit: number;
  startingAfter?: string | undefined;
}

/** What a run matched: the counts of SPEC §15 and daikou's side of the totals. */
export interface MatchResult {
  counts: StatementCounts;
  daikou: StatementTotals;
}

export interface MatchInput {
  id: string;
  channelId: string;
  /** daikou's side of the date: attempts on the channel decided in [decidedFrom, decidedTo) (UTC text). */
  decidedFrom: string;
  decidedTo: string;
  /** The run whose lines cover the day before (its latest completed run), or null. */
  previousDayRunId: string | null;
  /** The statement's totals as counted from its lines (they agree with its stated totals). */
  statement: StatementTotals;
  /**
   * Per direction, the end_to_end_ids that may be repeated by a later line (`RepeatedKeys`: every
   * one that is, perhaps a few more): only their lines are checked for an earlier line of the
   * same key. Null: check every line.
   */
  mayRepeat: Record<StatementDirection, readonly string[]> | null;
  at: string;
}

/** Reconciliations (SPEC §15): runs, their statement lines, their exceptions. */
export interface ReconciliationStore {
  insertReconciliation(row: ReconciliationRow): Promise<void>;
  /** Appends a chunk of the statement's entries (set-based). Inside a transaction. */
  insertStatementLines(reconciliationId: string, lines: readonly StatementLine[]): Promise<void>;
  /**
   * Matches the run's lines against daikou's attempts with joins on (channel, end_to_end_id,
   * direction) and writes an exception per discrepancy with INSERT … SELECT (never a query per
   * line). An exception equal to one resolved in an earlier run of the same channel and date
   * takes over that resolution (nothing is posted twice). Inside a transaction.
   */
  matchReconciliation(input: MatchInput): Promise<MatchResult>;
  /** Brings the engine's statistics of the staging lines up to date after a load (PostgreSQL's planner needs them); outside a transaction. */
  analyzeStatementLines(): Promise<void>;
  /**
   * Completes a run: its counts and totals written, status `completed` — or `superseded` at once
   * when a later run of the same channel and date completed before it. Earlier completed runs
   * become `superseded`, their open exceptions too, and their lines are deleted. On PostgreSQL
   * the channel's row is locked first, so two runs of one channel complete one after the other.
   * The staging lines of the channel's runs of dates before `linesKeptFrom` are deleted (a run
   * reads only its own date's and the date before's). Inside a transaction, with matchReconciliation.
   */
  completeReconciliation(input: { id: string; format: StatementFormat; statement: StatementTotals; result: MatchResult; at: string; linesKeptFrom: string }): Promise<ReconciliationRow>;
  /** Fails a run still `processing`, with its reason; its lines are deleted. */
  failReconciliation(input: { id: string; format: StatementFormat | null; code: string; message: string; at: string }): Promise<void>;
  getReconciliation(id: string): Promise<ReconciliationRow | undefined>;
  listReconciliations(filter: ReconciliationFilter): Promise<Page<ReconciliationRow>>;
  /** The latest completed run of a channel and date, if any. */
  findCompletedReconciliation(channelId: string, businessDate: string): Promise<ReconciliationRow | undefined>;
  /** Whether any run of the channel and date completed, or is processing since `since` (a scheduled run waits for it). */
  hasReconciliation(channelId: string, businessDate: string, processingSince: string): Promise<boolean>;
  getReconciliationException(id: string): Promise<ReconciliationExceptionRow | undefined>;
  listReconciliationExceptions(filter: ReconciliationExceptionFilter): Promise<Page<ReconciliationExceptionRow>>;
  /**
   * Resolves an `open` exception (conditional on it still being open): `resolved` if this call
   * resolved it, `not_open` when it was resolved or superseded before (nothing written).
   */
  resolveReconciliationException(input: { id: string; action: ResolutionAction; reason: string; actor: string; at: string; ledgerTransactionId: string | null }): Promise<'resolved' | 'not_open'>;
}
