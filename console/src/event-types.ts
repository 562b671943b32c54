import type { Schemas } from '../../src/client/index.js';

/** A public event type, as the API names them (SPEC §16). */
export type EventType = Schemas['Event']['type'];

/**
 * The public event types, in the API's order, for the pickers of the webhooks and events pages.
 * The console may not import the server's core list, so it is written here, and the check below
 * fails to compile when the API gains a type this list lacks.
 */
export const EVENT_TYPES = [
  'debit.created',
  'debit.submitted',
  'debit.succeeded',
  'debit.failed',
  'debit.rejected',
  'payout.created',
  'payout.submitted',
  'payout.succeeded',
  'payout.failed',
  'payout.rejected',
  'refund.created',
  'refund.submitted',
  'refund.succeeded',
  'refund.failed',
  'refund.rejected',
  'mandate.created',
  'mandate.revoked',
  'batch.completed',
  'settlement.completed',
  'reconciliation.completed',
] as const satisfies readonly EventType[];

type Missing = Exclude<EventType, (typeof EVENT_TYPES)[number]>;
/** `true` only while every type of the API is listed above. */
export const EVENT_TYPES_COMPLETE: [Missing] extends [never] ? true : Missing = true;

/** An endpoint's subscription to every type, present and future. */
export const ALL_EVENT_TYPES = '*';
