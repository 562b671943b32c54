import { z } from 'zod';
import { PUBLIC_EVENT_TYPES } from '../../core/index.js';
import { Batch } from './batches.js';
import { listOf, Timestamp } from './common.js';
import { Debit } from './debits.js';
import { Mandate } from './mandates.js';
import { Payout } from './payouts.js';
import { Reconciliation } from './reconciliations.js';
import { Settlement } from './settlements.js';

export const EventType = z.enum(PUBLIC_EVENT_TYPES).describe('What happened: `<object>.<change>`');

/** What an event carries: the object as `GET` showed it at that moment, told apart by its `object`. */
export const EventObject = z.discriminatedUnion('object', [Debit, Payout, Mandate, Batch, Settlement, Reconciliation]);

export const Event = z
  .strictObject({
    id: z.string().describe('evt_…; for a debit or payout, the id of the same change in its `events`'),
    object: z.literal('event'),
    type: EventType,
    api_version: z.string().describe('The shape of data.object; a new shape gets a new version'),
    created_at: Timestamp,
    data: z.strictObject({ object: EventObject.describe('The object as the API showed it when the change happened (personal data masked)') }),
  })
  .meta({ id: 'Event', description: 'A change a merchant cares about (SPEC §16), as GET /v1/events lists it and webhooks deliver it' });

export const EventList = listOf(Event, 'EventList');
