/*
 * The events a merchant may subscribe to (SPEC §16): the public names, as webhook endpoints list
 * them in `event_types`. Instructions publish their five public transitions (the engine's
 * internal `rerouted` and `not_received` are history, not news); the rest are one event each.
 */

const INSTRUCTION_EVENTS = ['created', 'submitted', 'succeeded', 'failed', 'rejected'] as const;
type InstructionEvent = (typeof INSTRUCTION_EVENTS)[number];

export const PUBLIC_EVENT_TYPES = [
  ...INSTRUCTION_EVENTS.map((name) => `debit.${name}` as const),
  ...INSTRUCTION_EVENTS.map((name) => `payout.${name}` as const),
  ...INSTRUCTION_EVENTS.map((name) => `refund.${name}` as const),
  'mandate.created',
  'mandate.revoked',
  'batch.completed',
  'settlement.completed',
  'reconciliation.completed',
] as const satisfies readonly string[];

export type PublicEventType = `${'debit' | 'payout' | 'refund'}.${InstructionEvent}` | 'mandate.created' | 'mandate.revoked' | 'batch.completed' | 'settlement.completed' | 'reconciliation.completed';

/** An endpoint's subscription: `*` for every type, present and future. */
export const ALL_EVENT_TYPES = '*';

export function isPublicEventType(value: string): value is PublicEventType {
  return (PUBLIC_EVENT_TYPES as readonly string[]).includes(value);
}

/** Whether an endpoint subscribed to `subscribed` receives events of `type`. */
export function subscribes(subscribed: readonly string[], type: PublicEventType): boolean {
  return subscribed.includes(ALL_EVENT_TYPES) || subscribed.includes(type);
}

export * from './delivery-retry.js';
