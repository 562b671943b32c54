import type { QueryOutcome, SubmitOutcome } from '../channels/index.js';

/**
 * What a channel said about one instruction, to a submission or to a status query, in the
 * words of the transition table:
 * - `accepted`: it holds the instruction; the outcome comes from a later query.
 * - `processing`: it holds it and has not settled it yet.
 * - `succeeded`, `failed`: the outcome.
 * - `unknown`: no usable answer (timeout, reset, a 5xx, an unreachable query): it may hold it.
 * - `not_received`: a query answered that it has no such instruction.
 * - `not_sent`: a submission was refused before the channel took it.
 */
export const CHANNEL_ANSWERS = ['accepted', 'processing', 'succeeded', 'failed', 'unknown', 'not_received', 'not_sent'] as const;
export type ChannelAnswer = (typeof CHANNEL_ANSWERS)[number];

const SUBMIT_ANSWERS = { accepted: 'accepted', not_sent: 'not_sent', unknown: 'unknown' } as const satisfies Record<SubmitOutcome['kind'], ChannelAnswer>;
const QUERY_ANSWERS = {
  processing: 'processing',
  succeeded: 'succeeded',
  failed: 'failed',
  not_found: 'not_received',
  unreachable: 'unknown',
} as const satisfies Record<QueryOutcome['kind'], ChannelAnswer>;

export function submitAnswer(outcome: SubmitOutcome): ChannelAnswer {
  return SUBMIT_ANSWERS[outcome.kind];
}

export function queryAnswer(outcome: QueryOutcome): ChannelAnswer {
  return QUERY_ANSWERS[outcome.kind];
}

/** Whether the answer shows the channel reachable and answering (for its circuit breaker). */
export const CHANNEL_ANSWERED = {
  accepted: true,
  processing: true,
  succeeded: true,
  failed: true,
  unknown: false,
  not_received: true,
  not_sent: false,
} as const satisfies Record<ChannelAnswer, boolean>;
