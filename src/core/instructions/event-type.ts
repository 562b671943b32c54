import type { InstructionKind } from './status.js';

/** What can happen to an instruction; an event's type is its kind and one of these. */
export const EVENT_NAMES = ['created', 'rejected', 'submitted', 'rerouted', 'succeeded', 'failed', 'not_received'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

/** The closed list of event types (`debit.created`, …): a new one is added to EVENT_NAMES or a new kind. */
export type EventType = `${InstructionKind}.${EventName}`;

export function eventType(kind: InstructionKind, name: EventName): EventType {
  return `${kind}.${name}`;
}
