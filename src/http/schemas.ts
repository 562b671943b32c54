import { z } from 'zod';
import { ACCOUNT_KINDS, CAPABILITIES, CHANNEL_TYPES, DEBIT_STATUSES, EXCEPTION_KINDS, EXCEPTION_STATUSES, isCalendarDate, MEDIA, MERCHANT_CATEGORIES, NOTICE_AUTHOR_LENGTH_MAX, NOTICE_BODY_LENGTH_MAX, NOTICE_SOURCE_LENGTH_MAX, NOTICE_TITLE_LENGTH_MAX, PAYOUT_KINDS, RECONCILIATION_STATUSES, RESOLUTION_ACTIONS, SETTLEMENT_STATUSES } from '../core/index.js';

/** An amount of fen: a positive safe integer (SPEC §2). Strings, fractions, 0 and negatives are refused. */
export const Amount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe('Integer fen (分), > 0');
const Text = (max: number) => z.string().min(1).max(max);

export const SettlementAccountInput = z.strictObject({
  account_number: z.string().describe('6–32 digits; stored encrypted, shown masked'),
  bank_code: z.string().describe('Short code (ICBC, CCB, …) or 12-digit CNAPS code'),
  region_code: z.string().describe('6-digit GB/T 2260 region code'),
  holder_name: z.string(),
});

export const AutoRepresentInput = z
  .strictObject({
    max: z.number().int().min(0).max(2).describe('Re-presentments made automatically of each failed original (0–2); 0 turns it off'),
    after_business_days: z.number().int().min(1).max(5).optional().describe('Business days after each failure before it is presented again (1–5, default 1)'),
  })
  .describe('Present failed debits with a retryable code again automatically (SPEC §14)');

export const CreateMerchantBody = z.strictObject({
  name: z.string(),
  category: z.enum(MERCHANT_CATEGORIES),
  settlement_account: SettlementAccountInput,
  fee_plan: Text(64).optional(),
  payer_fee_plan: Text(64).optional(),
  auto_represent: AutoRepresentInput.optional(),
});

export const PayerInput = z.strictObject({
  account_number: z.string().describe('Card: 15–19 digits with a Luhn check digit; other media: 6–32 digits'),
  account_kind: z.enum(ACCOUNT_KINDS),
  medium: z.enum(MEDIA),
  holder_name: z.string().optional(),
  id_number: z.string().optional().describe('18-character resident ID (GB 11643-1999)'),
  phone: z.string().optional(),
  bank_code: z.string().optional(),
  region_code: z.string().optional(),
});

export const CreateMandateBody = z.strictObject({
  payer: PayerInput,
  agreement_number: Text(64),
  signed_at: z.string().describe('RFC 3339 time, or a YYYY-MM-DD date'),
  valid_from: z.string().optional().describe('First valid business date, YYYY-MM-DD'),
  valid_until: z.string().optional().describe('Last valid business date, YYYY-MM-DD'),
  limits: z.strictObject({ per_debit_max: Amount.optional(), monthly_max: Amount.optional() }).optional(),
});

const Metadata = z
  .record(z.string().max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= 20, { message: 'At most 20 metadata pairs.' });

export const CreateDebitBody = z.strictObject({
  mandate_id: Text(64).optional(),
  payer: z
    .strictObject({
      account_number: z.string(),
      holder_name: z.string().optional(),
      id_number: z.string().optional(),
      phone: z.string().optional(),
    })
    .optional(),
  amount: Amount,
  currency: z.literal('CNY'),
  reference: Text(64),
  description: z.string().max(140).optional(),
  metadata: Metadata.optional(),
});

export const CreateRefundBody = z.strictObject({
  amount: Amount.optional().describe('Integer fen (分), > 0; what is left to refund of the debit when not given'),
  reason: z.string().max(140).optional().describe("Why; kept as the refund's description"),
});

export const ListRefundsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().optional(),
});

export const CreatePayoutBody = z.strictObject({
  payee: z.strictObject({
    account_number: z.string(),
    account_kind: z.enum(['personal', 'corporate']),
    medium: z.enum(MEDIA).optional().describe('bank_card when not given'),
    holder_name: z.string(),
    bank_code: z.string().optional().describe("The payee's bank; needed unless the card's BIN names it"),
  }),
  amount: Amount,
  currency: z.literal('CNY'),
  reference: Text(64),
  description: z.string().max(140).optional(),
  metadata: Metadata.optional(),
});

export const ListPayoutsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().optional(),
  kind: z.enum(PAYOUT_KINDS).optional().describe('payout or refund'),
  status: z.enum(DEBIT_STATUSES).optional(),
  reference: z.string().optional(),
  merchant_id: z.string().optional().describe('Operator only: whose payouts'),
  channel: z.string().optional(),
  created_gte: z.iso.datetime({ offset: true }).optional(),
  created_lt: z.iso.datetime({ offset: true }).optional(),
});

/** Documents the header; its length is checked by the route, which names it in the problem. */
export const IdempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .optional()
    .meta({ minLength: 1, maxLength: 255, description: 'Any unique string, e.g. a UUID: the same key and body within 24 h replays the first response' }),
});

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().optional(),
};

export const ListDebitsQuery = z.strictObject({
  ...PageQuery,
  status: z.enum(DEBIT_STATUSES).optional(),
  reference: z.string().optional(),
  mandate_id: z.string().optional(),
  merchant_id: z.string().optional(),
  channel: z.string().optional(),
  batch_id: z.string().optional(),
  created_gte: z.iso.datetime({ offset: true }).optional(),
  created_lt: z.iso.datetime({ offset: true }).optional(),
});

export const ListMandatesQuery = z.strictObject({
  ...PageQuery,
  status: z.enum(['active', 'revoked']).optional(),
  agreement_number: z.string().optional().describe("The merchant's own number for the agreement"),
  merchant_id: z.string().optional().describe('Operator only: whose mandates'),
});

export const ListMerchantsQuery = z.strictObject({ ...PageQuery });

export const IdParams = z.strictObject({ id: z.string() });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string(),
    code: z.string().describe('The kind of problem, the last segment of type: not_found, validation_failed, …'),
    errors: z.array(z.object({ pointer: z.string(), code: z.string(), detail: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details');

export const SandboxAccountBody = z.strictObject({
  balance: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  status: z.enum(['open', 'frozen', 'closed']).optional(),
  holder_name: z.string().optional(),
  id_number: z.string().optional(),
  account_class: z.enum(['I', 'II', 'III']).optional(),
});

export const SandboxFaultBody = z.strictObject({
  channel: z.string(),
  mode: z.enum(['unavailable', 'timeout', 'drop', 'delay_ms', 'statement', 'none']),
  discrepancy: z
    .enum(['missing', 'duplicate', 'amount', 'status', 'unknown'])
    .optional()
    .describe("Only with mode statement: what the channel's statements get wrong on the lines the fault hits (docs/statements.md)"),
  rate: z.number().min(0).max(1).optional(),
  count: z.number().int().positive().optional(),
  delay_ms: z.number().int().min(0).max(600_000).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional().describe('Pins which requests (or statement lines) the fault hits; by default derived from the channel and mode'),
});

export const SandboxClockBody = z.union([
  z.strictObject({ now: z.iso.datetime({ offset: true }) }),
  z.strictObject({ advance: z.string().describe('ISO 8601 duration, e.g. P1D or PT2H') }),
]);

export const FeeScheduleInput = z
  .strictObject({
    fixed: z.number().int().min(0).optional(),
    rate: z.string().optional().describe('A decimal string, e.g. "0.0006" for 0.06 %'),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
  })
  .describe('fixed + rate × amount, rounded half up to the fen, held between min and max');

const ChannelId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'a channel id is lowercase letters, digits and dashes');

export const ChannelBody = z.strictObject({
  id: ChannelId,
  type: z.enum(CHANNEL_TYPES),
  name: Text(128),
  region_code: z.string().regex(/^\d{2,6}$/).optional(),
  bank_code: z.string().min(2).max(12).optional(),
  capabilities: z.array(z.enum(CAPABILITIES)).min(1),
  cost_schedule: FeeScheduleInput,
  priority: z.number().int(),
  enabled: z.boolean().optional(),
  endpoint: z.string().optional().describe('Base URL of the channel; "sandbox" (the default) means the sandbox clearing network'),
});

export const ChannelPatchBody = ChannelBody.omit({ id: true }).partial();

const Values = z.array(z.string().min(1)).min(1);
export const RuleConditionsInput = z
  .strictObject({
    'merchant.category': Values.optional(),
    'merchant.settlement_region': Values.optional().describe('region code prefixes'),
    'payer.account_kind': Values.optional(),
    'payer.medium': Values.optional(),
    'payer.bank': z.union([Values, z.literal('channel.bank')]).optional().describe('bank codes, or "channel.bank": the payer banks with the channel'),
    'payer.region': Values.optional().describe('region code prefixes'),
    'instruction.kind': z.array(z.enum(CAPABILITIES)).min(1).optional(),
    amount: z.strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).optional(),
  })
  .describe('Every condition given must hold; within one, any listed value will do');

export const RuleBody = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a rule id is lowercase letters, digits and dashes'),
  title: Text(200),
  source: Text(300).describe('The regulation or notice the rule comes from'),
  effective_from: z.string().nullable().optional(),
  effective_until: z.string().nullable().optional(),
  applies_to: z.strictObject({ channels: z.array(ChannelId).optional(), types: z.array(z.enum(CHANNEL_TYPES)).optional() }),
  allow_only: RuleConditionsInput.optional(),
  deny: RuleConditionsInput.optional(),
  notice_id: z.string().max(64).nullable().optional().describe('The notice (公告) the rule comes from: ntc_…, published first with POST /v1/notices. A new version (PUT) without it names none.'),
});

export const RuleUpdateBody = RuleBody.omit({ id: true });

const BusinessDateInput = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a business date is YYYY-MM-DD');
export const SimulateBody = z.strictObject({
  at: BusinessDateInput.describe('Route as if on this business date'),
  window: z.strictObject({ from: BusinessDateInput, to: BusinessDateInput }).describe('Debits created on these business dates'),
  add_rules: z.array(RuleBody).max(100).optional(),
  remove_rules: z.array(z.string()).max(100).optional(),
});

export const PlanScheduleInput = z
  .strictObject({
    fixed: z.number().int().min(0).optional(),
    rate: z.string().optional().describe('A decimal string, e.g. "0.001" for 0.1 %'),
    min: z.number().int().min(0).optional().describe('Charged at least this whenever a fee is due'),
    max: z.number().int().min(0).optional(),
    allowance: z.number().int().min(0).optional().describe('Free cumulative amount per calendar month (Asia/Shanghai), in fen'),
    tiers: z.array(z.strictObject({ up_to: z.number().int().positive().optional(), rate: z.string() })).optional().describe('Marginal bands of cumulative monthly amount'),
    payout: FeeScheduleInput.optional().describe('Merchant plans: the fee per payout, on its amount; without it a payout costs 100 fen (1.00 yuan)'),
  })
  .describe('A fee schedule; every amount in fen, rates exact decimals, rounded half up to the fen');

export const FeePlanBody = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a plan id is lowercase letters, digits and dashes'),
  side: z.enum(['merchant', 'payer']).describe('merchant: deducted from proceeds per succeeded debit; payer: on top of the amount'),
  title: Text(200),
  effective_from: z.string().nullable().optional(),
  effective_until: z.string().nullable().optional(),
  schedule: PlanScheduleInput,
});

export const FeePlanUpdateBody = FeePlanBody.omit({ id: true, side: true });

export const MerchantPatchBody = z.strictObject({
  fee_plan: Text(64).optional(),
  payer_fee_plan: Text(64).nullable().optional().describe('null removes the payer plan'),
  auto_represent: AutoRepresentInput.optional(),
});

const CalendarDate = z.string().refine(isCalendarDate, 'a business date is a real date, YYYY-MM-DD');
export const MarginQuery = z.strictObject({
  from: CalendarDate.optional().describe('First business date; by default the first of the current month'),
  to: CalendarDate.optional().describe('Last business date, on or after from; by default the last of the current month'),
  merchant_id: z.string().optional(),
});

export const ListSettlementsQuery = z.strictObject({
  ...PageQuery,
  merchant_id: z.string().optional().describe('Operator only: whose settlements'),
  business_date: CalendarDate.optional().describe('The business date of the debits settled'),
  settles_on_gte: CalendarDate.optional().describe('settles_on on or after this date'),
  settles_on_lte: CalendarDate.optional().describe('settles_on on or before this date'),
  status: z.enum(SETTLEMENT_STATUSES).optional(),
});

export const RunSettlementBody = z.strictObject({
  business_date: CalendarDate.optional().describe('Settle only the debits of this business date (if due); without it, every date due'),
});

export const CreateWebhookEndpointBody = z.strictObject({
  url: z.string().max(2048).describe('A public http(s) URL; loopback, private and link-local addresses are refused unless DAIKOU_WEBHOOK_ALLOW_PRIVATE=1'),
  event_types: z.array(z.string().max(64)).min(1).max(32).describe('Public event types (debit.succeeded, payout.failed, …), or "*" for all'),
  description: z.string().max(500).nullable().optional(),
  ordered: z.boolean().optional().describe("Deliver each object's events one at a time, in the order they happened: a later one waits while an earlier one is retried (default false)"),
  merchant_id: z.string().optional().describe('Operator keys only: the merchant whose events it receives (a merchant key always means its own)'),
});

export const UpdateWebhookEndpointBody = z.strictObject({
  url: z.string().max(2048).optional(),
  event_types: z.array(z.string().max(64)).min(1).max(32).optional(),
  description: z.string().max(500).nullable().optional(),
  enabled: z.boolean().optional().describe('false stops deliveries; true starts them again (and clears a 410 disable)'),
  ordered: z.boolean().optional().describe("Deliver each object's events one at a time, in order"),
});

export const RotateWebhookSecretBody = z.strictObject({
  previous_secret_hours: z.number().int().min(0).max(168).optional().describe('Hours the current secret keeps signing beside the new one (default 24; 0 ends it at once)'),
});

export const ListWebhookEndpointsQuery = z.strictObject({
  ...PageQuery,
  merchant_id: z.string().optional().describe('Operator only: whose endpoints'),
});

export const ListWebhookDeliveriesQuery = z.strictObject({
  ...PageQuery,
  status: z.enum(['pending', 'succeeded', 'failed', 'cancelled']).optional(),
});

export const RedeliverEventBody = z.strictObject({
  endpoint_id: z.string().max(64).optional().describe('Only to this endpoint of the event\'s merchant (a delivery is made if there was none); without it, to every endpoint the event was delivered to'),
});

export const CreateReconciliationQuery = z.strictObject({
  channel: ChannelId.optional().describe('With a statement file in the body: the channel it is of'),
  business_date: CalendarDate.optional().describe('With a statement file in the body: the date it is of'),
});

export const CreateReconciliationBody = z.strictObject({
  channel: ChannelId,
  business_date: CalendarDate.describe('The date the channel decided the instructions on'),
});

export const ListReconciliationsQuery = z.strictObject({
  ...PageQuery,
  channel: ChannelId.optional(),
  business_date: CalendarDate.optional(),
  status: z.enum(RECONCILIATION_STATUSES).optional(),
});

export const ListReconciliationExceptionsQuery = z.strictObject({
  ...PageQuery,
  kind: z.enum(EXCEPTION_KINDS).optional(),
  status: z.enum(EXCEPTION_STATUSES).optional(),
});

export const ResolveExceptionBody = z.strictObject({
  action: z.enum(RESOLUTION_ACTIONS).describe('accept: nothing posted; adjust: the merchant\'s books follow the channel\'s; write_off: the platform takes the difference'),
  reason: z.string().min(1).max(500),
});

export const NoticeBody = z.strictObject({
  title: Text(NOTICE_TITLE_LENGTH_MAX),
  source: Text(NOTICE_SOURCE_LENGTH_MAX).describe('Where the notice can be found: an http(s) URL, or its document number (发文字号) such as 国办发明电〔2025〕7号 or 银办发[2017]110号'),
  author: Text(NOTICE_AUTHOR_LENGTH_MAX).describe('Who issued it, e.g. 中国人民银行办公厅'),
  published_at: z.iso.datetime({ offset: true }).describe('When the issuer published it: RFC 3339 with an offset (not in the future)'),
  body: Text(NOTICE_BODY_LENGTH_MAX).describe('The text of the notice, or the part of it the rules follow'),
});

export const ListNoticesQuery = z.strictObject({
  ...PageQuery,
  q: z.string().min(1).max(100).optional().describe('Only notices whose title or body contains this text (Latin letters in any case)'),
  published_gte: z.iso.datetime({ offset: true }).optional().describe('Published at or after this time'),
  published_lt: z.iso.datetime({ offset: true }).optional().describe('Published before this time'),
});

export const ListEventsQuery = z.strictObject({
  ...PageQuery,
  ending_before: z.string().optional().describe('Events newer than this id: the page just above it, newest first (poll forward with the newest id seen); not with starting_after'),
  type: z.string().max(2000).optional().describe('One event type, or several separated by commas'),
  object_id: z.string().optional().describe('Only the events of this object (dbt_…, pyt_…, …)'),
  merchant_id: z.string().optional().describe('Operator only: whose events'),
  created_gte: z.iso.datetime({ offset: true }).optional(),
  created_lt: z.iso.datetime({ offset: true }).optional(),
});
