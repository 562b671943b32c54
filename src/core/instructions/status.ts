import { invariant } from '../kernel/invariant.js';

/** The kinds of instruction the hub carries to a channel. Refunds join here (as payouts of kind `refund`). */
export const INSTRUCTION_KINDS = ['debit', 'payout'] as const;
export type InstructionKind = (typeof INSTRUCTION_KINDS)[number];

export const INSTRUCTION_STATUSES = ['pending', 'submitted', 'succeeded', 'failed', 'rejected'] as const;
export type InstructionStatus = (typeof INSTRUCTION_STATUSES)[number];

/**
 * The status graph (SPEC §5), per kind. `initial` holds the statuses an instruction is created
 * in. `submitted → pending` happens only when the channel has confirmed it does not hold the
 * instruction (refused connection, explicit "unavailable", or a query answered "not found"),
 * which is what allows a new attempt.
 */
const STATUS_GRAPHS = {
  debit: {
    initial: ['pending', 'rejected'],
    pending: ['submitted', 'failed'],
    submitted: ['succeeded', 'failed', 'pending'],
    succeeded: [],
    failed: [],
    rejected: [],
  },
  /** A payout moves as a debit does (SPEC §14); only the money goes the other way. */
  payout: {
    initial: ['pending', 'rejected'],
    pending: ['submitted', 'failed'],
    submitted: ['succeeded', 'failed', 'pending'],
    succeeded: [],
    failed: [],
    rejected: [],
  },
} as const satisfies Record<InstructionKind, Record<InstructionStatus | 'initial', readonly InstructionStatus[]>>;

/** `from` null: the instruction is being created. */
export function canTransition(kind: InstructionKind, from: InstructionStatus | null, to: InstructionStatus): boolean {
  return (STATUS_GRAPHS[kind][from ?? 'initial'] as readonly InstructionStatus[]).includes(to);
}

export function assertTransition(kind: InstructionKind, from: InstructionStatus | null, to: InstructionStatus): void {
  invariant(canTransition(kind, from, to), `a ${kind} cannot go from ${from ?? '(new)'} to ${to}`);
}

export function isFinal(kind: InstructionKind, status: InstructionStatus): boolean {
  return STATUS_GRAPHS[kind][status].length === 0;
}

/**
 * A submission attempt (DESIGN-NOTES §1), the same for every kind. Written `sending` before the
 * request leaves; the channel's answer, or a query, moves it on.
 */
export const ATTEMPT_STATES = ['sending', 'accepted', 'unknown', 'not_sent', 'not_found', 'succeeded', 'failed'] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

/** Attempts whose outcome is not known yet: the channel may hold the instruction. */
export const OPEN_ATTEMPT_STATES = ['sending', 'accepted', 'unknown'] as const satisfies readonly AttemptState[];
export type OpenAttemptState = (typeof OPEN_ATTEMPT_STATES)[number];

/** An attempt is written in this state before its request leaves. */
export const ATTEMPT_INITIAL_STATE = 'sending' satisfies AttemptState;

/** Attempts whose channel confirmed it holds nothing: a new attempt may go elsewhere. */
export const ABSENT_ATTEMPT_STATES = ['not_sent', 'not_found'] as const satisfies readonly AttemptState[];

export function isOpenAttemptState(state: string): state is OpenAttemptState {
  return (OPEN_ATTEMPT_STATES as readonly string[]).includes(state);
}
