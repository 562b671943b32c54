import type { RefundRefusal, RepresentRefusal } from '../core/index.js';

/**
 * Expected refusals of a request, translated into HTTP problems (src/http/problem.ts) and CLI
 * messages at the edges. Nothing here ever carries a full account or ID number.
 */
export interface FieldError {
  /** JSON pointer into the request body, e.g. `/payer/id_number`. */
  pointer: string;
  code: string;
  detail: string;
}

export type ProblemKind =
  | 'validation_failed'
  | 'unauthorized'
  | 'not_found'
  | 'idempotency_key_reused'
  | 'request_in_progress'
  | 'reference_already_used'
  | 'agreement_number_already_used'
  | 'conflict'
  | 'batch_bytes_held_limit'
  | 'calendar_year_not_covered'
  | 'calendar_not_covered'
  | RepresentRefusal
  | RefundRefusal;

const STATUS = {
  validation_failed: 400,
  unauthorized: 401,
  not_found: 404,
  idempotency_key_reused: 409,
  request_in_progress: 409,
  reference_already_used: 409,
  agreement_number_already_used: 409,
  conflict: 409,
  batch_bytes_held_limit: 413,
  calendar_year_not_covered: 404,
  // Today is past the business calendar's table: the table needs its next year (an operator's fix).
  calendar_not_covered: 503,
  debit_not_failed: 409,
  not_retryable: 409,
  represent_limit_reached: 409,
  represent_too_soon: 409,
  already_represented: 409,
  debit_not_refundable: 409,
  refund_exceeds_debit: 409,
} as const satisfies Record<ProblemKind, number>;

/**
 * A write met a unique index because a concurrent request wrote the same object first (a plan's
 * or a rule's next version): nothing was written, and retrying gives the proper answer.
 */
export function concurrentChange(): AppError {
  return new AppError('conflict', 'A concurrent request changed the same object; nothing was written. Retry the request.');
}

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  constructor(
    readonly kind: ProblemKind,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.status = STATUS[kind];
  }
}

export function validationFailed(errors: FieldError[], message = 'The request has invalid fields.'): AppError {
  return new AppError('validation_failed', message, errors);
}

export function notFound(what: string, id: string): AppError {
  // Ids are ours and opaque; echoing them leaks nothing personal.
  return new AppError('not_found', `No ${what} ${id} exists.`);
}
