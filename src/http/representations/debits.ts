import { z } from 'zod';
import { DEBIT_STATUSES } from '../../core/index.js';
import { BusinessDate, Currency, Fen, listOf, Timestamp } from './common.js';

const RuleRef = z.strictObject({ id: z.string(), version: z.number().int() });

export const RoutingDecision = z
  .strictObject({
    at: BusinessDate.describe('The business date the rules were read at'),
    channel: z.string().nullable(),
    cost: Fen.nullable(),
    considered: z.array(
      z.strictObject({
        channel: z.string(),
        eligible: z.boolean(),
        reasons: z.array(z.string()).describe('capability_missing, channel_disabled, channel_unavailable, not_received, rule'),
        excluded_by: z.array(RuleRef).describe('The rules in force that excluded the channel'),
        cost: Fen,
      }),
    ),
    rules: z.array(RuleRef).describe('Every rule version in force that applied to a channel considered'),
  })
  .meta({ id: 'RoutingDecision', description: 'Every channel considered, whether it was eligible, the rules that excluded it, and its cost' });

export const Debit = z
  .strictObject({
    id: z.string().describe('dbt_…'),
    object: z.literal('debit'),
    merchant_id: z.string(),
    mandate_id: z.string().nullable(),
    reference: z.string(),
    amount: Fen,
    currency: Currency,
    payer_fee: Fen,
    amount_debited: Fen.describe('amount + payer_fee: what leaves the payer\'s account'),
    fees: z.strictObject({ merchant: Fen, channel: Fen, payer: Fen }),
    fee_plans: z.strictObject({ merchant: z.string().nullable(), payer: z.string().nullable() }),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    status: z.enum(DEBIT_STATUSES),
    failure: z
      .strictObject({ code: z.string(), message: z.string().nullable(), retryable: z.boolean().optional().describe('Only on failed debits') })
      .nullable(),
    channel: z.string().nullable(),
    routing: RoutingDecision.nullable(),
    business_date: BusinessDate,
    represents: z.string().nullable().describe('The failed debit this one presents again (same mandate, amount and reference); null for an original'),
    presentment: z.number().int().min(0).max(2).describe('0 for an original, then 1 and 2 for its re-presentments'),
    refunded_amount: Fen.describe('What live refunds of this debit hold (pending, submitted or succeeded); never above amount'),
    represented_by: z
      .string()
      .nullable()
      .optional()
      .describe('The debit that presents this one again (not a rejected one), or null; on GET /v1/debits/{id} only'),
    created_at: Timestamp,
    updated_at: Timestamp,
    events: z
      .array(
        z.strictObject({
          id: z.string(),
          type: z.string().describe('debit.created, debit.submitted, debit.succeeded, …'),
          status: z.string(),
          at: Timestamp,
          data: z.unknown().optional(),
        }),
      )
      .optional()
      .describe('Every transition with its time; on GET /v1/debits/{id} only'),
    attempts: z
      .array(
        z.strictObject({
          attempt_number: z.number().int(),
          channel: z.string(),
          end_to_end_id: z.string(),
          state: z.string().describe('sending, accepted, not_sent, unknown, succeeded, failed, not_found'),
          channel_reference: z.string().nullable(),
          created_at: Timestamp,
        }),
      )
      .optional()
      .describe('Each submission to a channel; on GET /v1/debits/{id} only'),
  })
  .meta({ id: 'Debit' });

export const DebitList = listOf(Debit, 'DebitList');
