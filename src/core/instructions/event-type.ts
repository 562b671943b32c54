import { invariant } from '../kernel/invariant.js';
import type { InstructionKind } from './status.js';

/** What can happen to an instruction; an event's type is its kind and one of these. */
export const EVENT_NAMES = ['created', 'rejected', 'submitted', 'rerouted', 'succeeded', 'failed', 'not_received'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/**
 * Whom an event is about: an instruction kind, or a refund (SPEC §16 `refund.*`). Refunds are
 * payouts of kind `refund`, moved by the payout kind's table, whose events say `payout.*`: the
 * payout adapter names a refund's events with `asRefundEvent` when it writes them.
 */
export type EventSubject = InstructionKind | 'refund';

/** The closed list of event types (`debit.created`, …): a new one is added to EVENT_NAMES or a new subject. */
export type EventType = `${EventSubject}.${EventName}`;

export function eventType(kind: InstructionKind, name: EventName): EventType {
  return `${kind}.${name}`;
}

/** `payout.<name>` as the refund's `refund.<name>`. */
export function asRefundEvent(type: EventType): EventType {
  invariant(type.startsWith('payout.'), `${type} is not a payout event`);
  return `refund.${type.slice('payout.'.length) as EventName}`;
}
