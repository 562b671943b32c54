/**
 * Why a statement cannot be reconciled, as a reconciliation's `failure_code`:
 * - `invalid_statement`: not the format it claims (a bad header, field, record order, XML);
 * - `totals_mismatch`: its totals disagree with its lines;
 * - `statement_mismatch`: its channel or date is not the one asked for, or varies within it.
 */
export type StatementErrorCode = 'invalid_statement' | 'totals_mismatch' | 'statement_mismatch';

export class StatementError extends Error {
  override name = 'StatementError';
  constructor(
    readonly code: StatementErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a statement says of itself, filled in as it is read. */
export interface StatementHead {
  channel: string | null;
  businessDate: string | null;
}
