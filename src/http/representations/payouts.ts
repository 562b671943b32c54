import { z } from 'zod';
import { INSTRUCTION_STATUSES, PAYOUT_KINDS } from '../../core/index.js';
import { BusinessDate, Currency, Fen, listOf, Timestamp } from './common.js';
import { RoutingDecision } from './debits.js';

export const Payout = z
  .strictObject({
    id: z.string().describe('pyt_…'),
    object: z.literal('payout'),
    kind: z.enum(PAYOUT_KINDS).describe('payout, or refund: a succeeded debit paid back to its payer (POST /v1/debits/{id}/refunds)'),
    debit_id: z.string().nullable().describe('The debit a refund pays back; null for a payout'),
    merchant_id: z.string(),
    reference: z.string(),
    amount: Fen,
    fee: Fen.describe("The merchant's fee (its plan's payout schedule), reserved with the amount and taken when the payout succeeds; 0 for a refund"),
    amount_reserved: Fen.describe('amount + fee: what accepting the payout moved from available (a refund: from pending, then available) to reserved'),
    amount_from_pending: Fen.describe("Of amount_reserved, what came out of the merchant's pending (a refund of a debit not yet settled); 0 for a payout"),
    currency: Currency,
    payee: z.strictObject({
      account_number_masked: z.string(),
      account_kind: z.enum(['personal', 'corporate']),
      medium: z.string(),
      bank_code: z.string().nullable(),
      holder_name: z.string(),
    }),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    status: z.enum(INSTRUCTION_STATUSES),
    failure: z.strictObject({ code: z.string(), message: z.string().nullable() }).nullable().describe('rejected: insufficient_balance, no_eligible_channel, invalid_payee; failed: a channel failure code (SPEC §9)'),
    channel: z.string().nullable(),
    channel_cost: Fen,
    routing: RoutingDecision.nullable(),
    business_date: BusinessDate,
    created_at: Timestamp,
    updated_at: Timestamp,
    events: z
      .array(z.strictObject({ id: z.string(), type: z.string().describe('payout.created, payout.submitted, payout.succeeded, …; refund.created, … for a refund'), status: z.string(), at: Timestamp, data: z.unknown().optional() }))
      .optional()
      .describe('Every transition with its time; on creation and GET /v1/payouts/{id}'),
    attempts: z
      .array(
        z.strictObject({
          attempt_number: z.number().int(),
          channel: z.string(),
          end_to_end_id: z.string(),
          state: z.string(),
          channel_reference: z.string().nullable(),
          created_at: Timestamp,
        }),
      )
      .optional()
      .describe('Each submission to a channel; on GET /v1/payouts/{id} only'),
  })
  .meta({ id: 'Payout' });

export const PayoutList = listOf(Payout, 'PayoutList');
