import { invariant } from '../kernel/invariant.js';

export const DEBIT_STATUSES = ['pending', 'submitted', 'succeeded', 'failed', 'rejected'] as const;
export type DebitStatus = (typeof DEBIT_STATUSES)[number];

/**
 * The debit state machine (SPEC §5). `submitted → pending` happens only when the channel has
 * confirmed it does not hold the debit (refused connection, explicit "unavailable", or a query
 * answered "not found"), which is what allows a new attempt.
 */
const TRANSITIONS = {
  pending: ['submitted', 'failed'],
  submitted: ['succeeded', 'failed', 'pending'],
  succeeded: [],
  failed: [],
  rejected: [],
} as const satisfies Record<DebitStatus, readonly DebitStatus[]>;

export function canTransition(from: DebitStatus, to: DebitStatus): boolean {
  return (TRANSITIONS[from] as readonly DebitStatus[]).includes(to);
}

export function assertTransition(from: DebitStatus, to: DebitStatus): void {
  invariant(canTransition(from, to), `a debit cannot go from ${from} to ${to}`);
}

export function isFinal(status: DebitStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/**
 * A submission attempt (DESIGN-NOTES §1). Written `sending` before the request leaves; the
 * channel's answer, or a query, moves it on.
 */
export const ATTEMPT_STATES = ['sending', 'accepted', 'unknown', 'not_sent', 'not_found', 'succeeded', 'failed'] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

/** Attempts whose outcome is not known yet: the channel may hold the debit. */
export const OPEN_ATTEMPT_STATES = ['sending', 'accepted', 'unknown'] as const satisfies readonly AttemptState[];
