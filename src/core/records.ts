import type { EventType } from './instructions/event-type.js';
import type { AttemptState, InstructionStatus } from './instructions/status.js';
import type { AccountKind, Medium, StoredMandateStatus } from './mandates/index.js';
import type { MerchantCategory } from './merchants/index.js';
import type { PayoutKind } from './payouts/index.js';
import type { ExceptionKind, ExceptionStatus, ReconciliationSource, ReconciliationStatus, ResolutionAction, StatementDirection, StatementFormat } from './reconciliation/index.js';
import type { ChannelType, RoutingRule } from './routing/rules.js';

// What the hub keeps, one record per stored row, column names as the store has them (snake_case)
// so that an adapter maps them 1:1. Statuses are closed unions: a value outside them is refused by
// the database itself (CHECK constraints, migration 009) or never written (inputs are validated at
// the edge). Times are RFC 3339 UTC text, which sorts correctly; business dates are `YYYY-MM-DD`
// (Asia/Shanghai); money is integer fen. Personal data lives only in `*_ciphertext` columns;
// `*_index` is its blind index (HMAC) and `*_masked` its display form.

export const BATCH_STATUSES = ['processing', 'completed', 'failed'] as const;
/** `failed`: the file could not be read to the end. */
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const BATCH_ROW_STATUSES = ['accepted', 'rejected'] as const;
export type BatchRowStatus = (typeof BATCH_ROW_STATUSES)[number];
export const BATCH_FORMATS = ['csv', 'pain.008', 'pain.001'] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];
/** What a batch's rows become: debits (a CSV or pain.008) or payouts (a CSV asked as `kind=payout`, or a pain.001). */
export const BATCH_KINDS = ['debit', 'payout'] as const;
export type BatchKind = (typeof BATCH_KINDS)[number];
export const IDEMPOTENCY_STATES = ['in_progress', 'done'] as const;
export type IdempotencyState = (typeof IDEMPOTENCY_STATES)[number];
export const PLAN_SIDES = ['merchant', 'payer'] as const;
/** `merchant`: charged to the merchant per succeeded debit; `payer`: on top of the amount. */
export type PlanSide = (typeof PLAN_SIDES)[number];

export interface ApiKeyRecord {
  id: string;
  key_hash: string;
  /** null for operator keys. */
  merchant_id: string | null;
  /** The key's first 12 characters, shown in lists. */
  prefix: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export interface MerchantRecord {
  id: string;
  name: string;
  category: MerchantCategory;
  settlement_account_ciphertext: string;
  settlement_account_index: string;
  settlement_account_masked: string;
  settlement_bank_code: string;
  settlement_region_code: string;
  settlement_holder_name: string;
  fee_plan: string;
  payer_fee_plan: string | null;
  created_at: string;
  /** Re-presentments made automatically of each failed original (0–2, SPEC §14); 0: none. */
  auto_represent_max: number;
  /** Business days after a failure before it is presented again automatically (1–5). */
  auto_represent_after_business_days: number;
}

export interface MandateRecord {
  id: string;
  merchant_id: string;
  agreement_number: string;
  /** `expired` is not stored: it is derived from `valid_until` and the clock. */
  status: StoredMandateStatus;
  account_ciphertext: string;
  account_index: string;
  account_masked: string;
  account_kind: AccountKind;
  medium: Medium;
  bank_code: string | null;
  region_code: string | null;
  holder_name: string | null;
  id_number_ciphertext: string | null;
  id_number_index: string | null;
  id_number_masked: string | null;
  phone_ciphertext: string | null;
  phone_index: string | null;
  phone_masked: string | null;
  signed_at: string;
  valid_from: string | null;
  valid_until: string | null;
  per_debit_max: number | null;
  monthly_max: number | null;
  revoked_at: string | null;
  created_at: string;
}

export interface ChannelRecord {
  id: string;
  type: ChannelType;
  name: string;
  region_code: string | null;
  bank_code: string | null;
  /** JSON array: `["debit","payout"]`. */
  capabilities: string;
  priority: number;
  /** Base URL of the channel's endpoint (the sandbox's, for simulated channels). */
  endpoint: string;
  /** JSON fee schedule: what the channel charges daikou per debit (`fixed`, `rate`, `min`, `max`). */
  cost_schedule: string;
  /** 1 when routing may use the channel. */
  enabled: number;
  created_at: string;
  updated_at: string | null;
}

/** An uploaded batch file and how far its processing got. */
export interface BatchRecord {
  id: string;
  merchant_id: string;
  file_sha256: string;
  format: BatchFormat;
  /** What its rows become (migration 016; older batches are `debit`). */
  kind: BatchKind;
  file_name: string;
  /** For ISO 20022 files: the original MsgId and message name (e.g. pain.008.001.02). */
  message_id: string | null;
  message_name: string | null;
  /** For pain.008 files: JSON `[[PmtInfId, firstRow], …]`, the original blocks the pain.002 names. */
  payment_informations: string | null;
  status: BatchStatus;
  /** The last data row processed; rows after it are processed after a restart. */
  cursor: number;
  rows: number;
  accepted: number;
  rejected: number;
  /** Why a `failed` batch failed: JSON of BatchError (src/app/batch-errors.ts), never a full account or ID number. */
  error: string | null;
  created_at: string;
  completed_at: string | null;
  /** Unexpected errors met so far while processing; after a few the batch fails `internal_error`. */
  attempts: number;
  /** Not taken again before this instant (backoff after an unexpected error); null: at once. */
  next_attempt_at: string | null;
  /** Bytes of the uploaded file, counted against the merchant's limit while the batch is unfinished. */
  file_bytes: number;
  /** The file's text encoding as declared at upload: `utf-8`, `gbk` or `gb18030` (src/formats/text-encodings.ts). */
  encoding: string;
  /** The worker processing the batch, and until when; null when no one holds it. */
  lease_owner: string | null;
  lease_until: string | null;
}

/** The result of one input row: the debit it became, or why it was refused. */
export interface BatchRowRecord {
  batch_id: string;
  row: number;
  reference: string | null;
  debit_id: string | null;
  status: BatchRowStatus;
  column_name: string | null;
  code: string | null;
  message: string | null;
}

/** One version of a fee plan (SPEC §7); never updated, a new version supersedes it. */
export interface FeePlanRecord {
  id: string;
  version: number;
  side: PlanSide;
  title: string;
  effective_from: string | null;
  effective_until: string | null;
  /** JSON PlanSchedule (src/core/fees/plan.ts). */
  schedule: string;
  created_at: string;
}

/** One version of a routing rule; never updated, a new version supersedes it. */
export interface RuleRecord {
  id: string;
  version: number;
  title: string;
  source: string;
  effective_from: string | null;
  effective_until: string | null;
  /** JSON: `{ channels?: string[], types?: string[] }`. */
  applies_to: string;
  effect: RoutingRule['effect'];
  /** JSON conditions (src/core/routing/rules.ts). */
  conditions: string;
  retired: number;
  /** The notice (公告) the rule comes from, or null (migration 021). */
  notice_id: string | null;
  created_at: string;
}

export interface DebitRecord {
  id: string;
  merchant_id: string;
  mandate_id: string | null;
  reference: string;
  amount: number;
  currency: string;
  description: string | null;
  /** JSON object of string pairs, or null. */
  metadata: string | null;
  status: InstructionStatus;
  business_date: string;
  channel_id: string | null;
  /** What the chosen channel charges for this debit, fixed when it was routed. */
  channel_cost: number;
  /** The merchant's fee and the payer's fee, quoted when the debit was accepted. */
  merchant_fee: number;
  payer_fee: number;
  merchant_fee_plan: string | null;
  payer_fee_plan: string | null;
  payer_fee_subject: string | null;
  merchant_fee_subject: string | null;
  batch_id: string | null;
  /** The settlement that moved this debit's net to `available` (SPEC §14); null until one does. */
  settlement_id: string | null;
  /** JSON: the routing decision (channels considered, eligibility, reasons). */
  routing: string | null;
  failure_code: string | null;
  failure_message: string | null;
  failure_retryable: number | null;
  /** When the submission worker may next pick up a `pending` debit. */
  next_action_at: string | null;
  attempt_count: number;
  created_at: string;
  updated_at: string;
  /** The failed debit this one presents again (SPEC §14); null for an original. */
  represents: string | null;
  /** 0 for an original, then 1 and 2 for its re-presentments (they share its reference). */
  presentment: number;
  /** What live refunds of the debit hold (SPEC §14): never above `amount`. */
  refunded_amount: number;
  /** What refunds took out of the merchant's `pending` while the debit was unsettled: settlement moves that much less. */
  refunded_from_pending: number;
}

export interface DebitEventRecord {
  id: string;
  debit_id: string;
  type: EventType;
  /** The debit's status after the event. */
  status: InstructionStatus;
  at: string;
  /** JSON details; never personal data. */
  data: string | null;
}

/**
 * One submission of a debit to a channel, written before the request leaves daikou
 * (DESIGN-NOTES §1).
 */
export interface AttemptRecord {
  id: string;
  debit_id: string;
  attempt_number: number;
  channel_id: string;
  end_to_end_id: string;
  state: AttemptState;
  channel_reference: string | null;
  failure_code: string | null;
  failure_message: string | null;
  next_query_at: string | null;
  query_count: number;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface IdempotencyRecord {
  merchant_id: string;
  key: string;
  request_hash: string;
  state: IdempotencyState;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
}

export const SETTLEMENT_STATUSES = ['settled'] as const;
/**
 * `settled`: the net moved from `pending` to `available` in the settlement's ledger transaction.
 * A settlement row is written only in the transaction that moves the money, so no other state is
 * ever stored; the column is kept so that a later state (a settlement held back) is a new value.
 */
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

/**
 * One settlement (SPEC §14): the succeeded debits of one merchant and business date that moved
 * from `pending` to `available` together. A merchant-day normally has one (`sequence` 1); debits
 * that succeed after it ran settle in the next run as a further row of the same day (`sequence`
 * 2, 3, …), so nothing is ever left behind or moved twice.
 */
export interface SettlementRecord {
  id: string;
  merchant_id: string;
  business_date: string;
  sequence: number;
  /** The first business day after `business_date` (T+1): the day the debits were due to settle. */
  settles_on: string;
  status: SettlementStatus;
  /** Debits settled. */
  count: number;
  /** Sum of the debits' `amount − merchant_fee`, in fen: what their successes credited to `pending`. */
  amount: number;
  /** The pending → available transaction; null when the net is 0 (nothing to move). */
  ledger_transaction_id: string | null;
  created_at: string;
}

export interface LedgerAccountRecord {
  /** `merchant:<id>:pending`, `channel:<id>:clearing`, `platform:fee_revenue`, … */
  id: string;
  owner_type: string;
  owner_id: string | null;
  kind: string;
  /** Cached sum of the account's postings, updated in the same transaction. */
  balance: number;
  created_at: string;
}

/** A payout (代付, SPEC §14): money from the merchant's available balance to a payee's account. */
export interface PayoutRecord {
  id: string;
  merchant_id: string;
  kind: PayoutKind;
  /** The debit a refund pays back; null for a payout. */
  debit_id: string | null;
  reference: string;
  amount: number;
  /** The merchant's fee, quoted by its plan's payout schedule, reserved with the amount. */
  fee: number;
  fee_plan: string | null;
  /** What the chosen channel charges for this payout, fixed when it was routed. */
  channel_cost: number;
  currency: string;
  description: string | null;
  /** JSON object of string pairs, or null. */
  metadata: string | null;
  payee_account_ciphertext: string;
  payee_account_index: string;
  payee_account_masked: string;
  payee_account_kind: AccountKind;
  payee_medium: Medium;
  payee_bank_code: string | null;
  payee_holder_name: string;
  status: InstructionStatus;
  business_date: string;
  channel_id: string | null;
  /** JSON: the routing decision. */
  routing: string | null;
  failure_code: string | null;
  failure_message: string | null;
  /** When the submission worker may next pick up a `pending` payout. */
  next_action_at: string | null;
  attempt_count: number;
  created_at: string;
  updated_at: string;
  /** A refund's part of its reservation that came out of the merchant's `pending` (0 for a payout). */
  drawn_from_pending: number;
  /** The payout batch and its row this payout came from (migration 016); null for one sent alone. */
  batch_id: string | null;
  batch_row: number | null;
}

export interface PayoutEventRecord {
  id: string;
  payout_id: string;
  type: EventType;
  /** The payout's status after the event. */
  status: InstructionStatus;
  at: string;
  /** JSON details; never personal data. */
  data: string | null;
}

/** One submission of a payout to a channel: an attempt as a debit's is, in a table of its own (migration 013). */
export interface PayoutAttemptRecord {
  id: string;
  payout_id: string;
  attempt_number: number;
  channel_id: string;
  end_to_end_id: string;
  state: AttemptState;
  channel_reference: string | null;
  failure_code: string | null;
  failure_message: string | null;
  next_query_at: string | null;
  query_count: number;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Where a merchant's events are delivered (SPEC §16). The secret signs every delivery (Standard
 * Webhooks); it is stored sealed, never in the clear. While a secret rotates, the previous one
 * signs too, until `previous_secret_expires_at`. A deleted endpoint keeps its row (its
 * deliveries name it) with `deleted_at` set, and is gone from the API.
 */
export interface WebhookEndpointRecord {
  id: string;
  merchant_id: string;
  url: string;
  description: string | null;
  /** JSON array of public event types, or `["*"]`. */
  event_types: string;
  /** 1 or 0. */
  enabled: number;
  /** Why it was disabled by daikou (a 410 answer), or null. */
  disabled_reason: string | null;
  /** 1: the events of one object are delivered one at a time, in order (migration 020). */
  ordered: number;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/**
 * One public event (SPEC §16): a change a merchant cares about, written in the same transaction
 * as the change (the outbox, DESIGN-NOTES §10). `data` is the JSON `{ "object": … }` holding the
 * object's public representation at that moment (never full personal data), in the shape of
 * `api_version`. `merchant_id` is null for an event only the operator sees (a reconciliation).
 * The dispatcher stamps `fanned_out_at` once it has made the event's deliveries; an event whose
 * merchant had no live endpoint when it was written is stamped as written. Migration 019.
 */
export interface EventRecord {
  id: string;
  type: string;
  merchant_id: string | null;
  object_type: string;
  object_id: string;
  created_at: string;
  api_version: string;
  data: string;
  fanned_out_at: string | null;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/**
 * One event's delivery to one endpoint (SPEC §16, migration 020): made when the event is fanned
 * out, tried until the receiver answers 2xx or 3 days have passed since its first attempt. Its id
 * is the `webhook-id` of every attempt, so that receivers deduplicate. A dispatcher holds it while
 * it is on the wire (`lease_owner`, `lease_until`); an expired lease lets another take it over.
 */
export interface WebhookDeliveryRecord {
  id: string;
  event_id: string;
  endpoint_id: string;
  merchant_id: string;
  /** The event's object: an ordered endpoint receives one object's events one at a time. */
  object_id: string;
  status: WebhookDeliveryStatus;
  attempt_count: number;
  /** When it is due; null once it is no longer pending. */
  next_attempt_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
  /** The first attempt of the current 3-day window (a redelivery starts a new one). */
  first_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One attempt of a delivery, for the delivery log: the receiver's status, or why there was none. */
export interface WebhookDeliveryAttemptRecord {
  delivery_id: string;
  /** 1, 2, … within the delivery. */
  number: number;
  at: string;
  status_code: number | null;
  latency_ms: number | null;
  /** The first bytes of the receiver's answer, long digit runs masked. */
  response_excerpt: string | null;
  error: string | null;
}

/**
 * One reconciliation (SPEC §15): a channel's statement of a business date loaded and matched
 * against daikou's attempts. Counts and totals are null until it completes. Migration 017.
 */
export interface ReconciliationRecord {
  id: string;
  channel_id: string;
  business_date: string;
  source: ReconciliationSource;
  /** null while a statement fetched from the channel has not arrived. */
  format: StatementFormat | null;
  status: ReconciliationStatus;
  failure_code: string | null;
  failure_message: string | null;
  /** The key that asked for it; null when the workers scheduled it. */
  requested_by: string | null;
  lines: number | null;
  matched: number | null;
  missing_in_daikou: number | null;
  missing_in_statement: number | null;
  amount_mismatch: number | null;
  status_mismatch: number | null;
  duplicate: number | null;
  /** Succeeded amounts, per direction, as the statement lists them (its lines; its totals agree or the run failed). */
  statement_debit_count: number | null;
  statement_debit_amount: number | null;
  statement_credit_count: number | null;
  statement_credit_amount: number | null;
  /** The same over daikou's side: the attempts the lines matched and those missing in the statement. */
  daikou_debit_count: number | null;
  daikou_debit_amount: number | null;
  daikou_credit_count: number | null;
  daikou_credit_amount: number | null;
  created_at: string;
  completed_at: string | null;
}

/** One discrepancy of a reconciliation, with both sides' values, and how it was resolved. */
export interface ReconciliationExceptionRecord {
  id: string;
  reconciliation_id: string;
  kind: ExceptionKind;
  channel_id: string;
  end_to_end_id: string;
  direction: StatementDirection;
  /** The statement's line (1-based among its entries); null for `missing_in_statement`. */
  line: number | null;
  channel_reference: string | null;
  statement_amount: number | null;
  statement_status: string | null;
  /** daikou's instruction (`dbt_…` or `pyt_…`) and its merchant; null for `missing_in_daikou`. */
  instruction_id: string | null;
  merchant_id: string | null;
  daikou_amount: number | null;
  /** The attempt's state on this channel: `succeeded`, `failed`, or still open (`accepted`, `unknown`, …). */
  daikou_status: string | null;
  status: ExceptionStatus;
  resolution_action: ResolutionAction | null;
  resolution_reason: string | null;
  /** The API key that resolved it. */
  resolved_by: string | null;
  resolved_at: string | null;
  ledger_transaction_id: string | null;
  created_at: string;
}

/**
 * A regulatory notice (公告, SPEC §17) that routing rules come from. `published_at` is when the
 * issuer published it (RFC 3339 UTC text, like every stored time); `source` is a URL or a
 * document number (src/core/notices/). Notices are never changed or deleted: rules name them.
 */
export interface NoticeRecord {
  id: string;
  title: string;
  source: string;
  author: string;
  published_at: string;
  body: string;
  created_at: string;
}
