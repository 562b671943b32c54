import type { z } from 'zod';
import { decodeBatchError } from '../app/batch-errors.js';
import type { ChannelHealth } from '../app/channel-availability.js';
import type { DebitPresenter } from '../app/debits.js';
import { publicEvent } from '../app/events.js';
import type { PayoutWithHistory } from '../app/payouts.js';
import type { WebhookDeliveryWithAttempts } from '../app/webhook-deliveries.js';
import type { AttemptRow, BatchRow, ChannelRow, DebitEventRow, DebitRow, EventRow, ObjectPresenters, FeePlanRow, MandateRow, NoticeRow, ReconciliationExceptionRow, ReconciliationRow, RuleRow, SettlementRow, WebhookEndpointRow } from '../app/ports.js';
import { exceptionDifference, formatInstant, invariant, mandateStatus, noticeSourceKind, type BusinessDate, type Merchant, type RuleConditions } from '../core/index.js';
// The schemas (./representations) are the contract these values must meet; the response
// serializer checks every answer against them at run time.
import type { Batch, Channel, Debit, Event, FeePlan, Mandate, Merchant as MerchantSchema, Notice, Payout, Reconciliation, ReconciliationException, RoutingDecision, Rule, Settlement, WebhookDelivery, WebhookEndpoint } from './representations/index.js';

export type MerchantView = z.output<typeof MerchantSchema>;
export type MandateView = z.output<typeof Mandate>;
export type DebitView = z.output<typeof Debit>;
export type ChannelView = z.output<typeof Channel>;
export type RuleView = z.output<typeof Rule>;
export type FeePlanView = z.output<typeof FeePlan>;
export type BatchView = z.output<typeof Batch>;
export type PayoutView = z.output<typeof Payout>;
export type SettlementView = z.output<typeof Settlement>;

/** A stored time (UTC text) as the API writes times: RFC 3339 at +08:00 (SPEC §2). */
export function presentInstant(stored: string): string {
  // A batch's or a worker round's rows share their times: the last answer is kept.
  if (stored !== lastInstant.stored) lastInstant = { stored, presented: formatInstant(new Date(stored)) };
  return lastInstant.presented;
}

let lastInstant: { stored: string | null; presented: string } = { stored: null, presented: '' };

export function presentOptionalInstant(stored: string | null): string | null {
  return stored === null ? null : presentInstant(stored);
}

/**
 * The API's representations (SPEC §4, §5). Personal data leaves only in its masked form; times
 * are RFC 3339 in Asia/Shanghai.
 */
export function presentMerchant(merchant: Merchant): MerchantView {
  return {
    id: merchant.id,
    object: 'merchant',
    name: merchant.name,
    category: merchant.category,
    settlement_account: {
      account_number_masked: merchant.settlementAccountMasked,
      bank_code: merchant.settlementBankCode,
      region_code: merchant.settlementRegionCode,
      holder_name: merchant.settlementHolderName,
    },
    fee_plan: merchant.feePlan,
    payer_fee_plan: merchant.payerFeePlan,
    auto_represent: { max: merchant.autoRepresent.max, after_business_days: merchant.autoRepresent.afterBusinessDays },
    created_at: formatInstant(merchant.createdAt),
  };
}

export function presentMandate(row: MandateRow, today: BusinessDate): MandateView {
  return {
    id: row.id,
    object: 'mandate',
    merchant_id: row.merchant_id,
    agreement_number: row.agreement_number,
    status: mandateStatus({ status: row.status, validUntil: row.valid_until as BusinessDate | null }, today),
    payer: {
      account_number_masked: row.account_masked,
      account_kind: row.account_kind,
      medium: row.medium,
      bank_code: row.bank_code,
      region_code: row.region_code,
      holder_name: row.holder_name,
      id_number_masked: row.id_number_masked,
      phone_masked: row.phone_masked,
    },
    signed_at: presentInstant(row.signed_at),
    valid_from: row.valid_from,
    valid_until: row.valid_until,
    limits: { per_debit_max: row.per_debit_max, monthly_max: row.monthly_max },
    revoked_at: presentOptionalInstant(row.revoked_at),
    created_at: presentInstant(row.created_at),
  };
}

export interface DebitDetails {
  events?: DebitEventRow[];
  attempts?: AttemptRow[];
  /** The debit that presents this one again, when the caller looked it up (null: none). */
  representedBy?: string | null;
}

/** `givenMandateId`: the unknown mandate id a rejected debit was given (kept in its event, not its row). */
export function presentDebit(row: DebitRow, details: DebitDetails = {}, givenMandateId: string | null = null): DebitView {
  const body: DebitView = {
    id: row.id,
    object: 'debit',
    merchant_id: row.merchant_id,
    mandate_id: row.mandate_id ?? givenMandateId,
    reference: row.reference,
    amount: row.amount,
    currency: row.currency as 'CNY',
    payer_fee: row.payer_fee,
    amount_debited: row.amount + row.payer_fee,
    fees: { merchant: row.merchant_fee, channel: row.channel_cost, payer: row.payer_fee },
    fee_plans: { merchant: row.merchant_fee_plan, payer: row.payer_fee_plan },
    description: row.description,
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    status: row.status,
    failure:
      row.failure_code === null
        ? null
        : {
            code: row.failure_code,
            message: row.failure_message,
            ...(row.status === 'failed' ? { retryable: row.failure_retryable === 1 } : {}),
          },
    channel: row.channel_id,
    routing: row.routing === null ? null : (JSON.parse(row.routing) as z.output<typeof RoutingDecision>),
    business_date: row.business_date,
    represents: row.represents,
    presentment: row.presentment,
    refunded_amount: row.refunded_amount,
    ...(details.representedBy === undefined ? {} : { represented_by: details.representedBy }),
    created_at: presentInstant(row.created_at),
    updated_at: presentInstant(row.updated_at),
  };
  if (details.events) {
    body.events = details.events.map((event) => ({
      id: event.id,
      type: event.type,
      status: event.status,
      at: presentInstant(event.at),
      ...(event.data === null ? {} : { data: JSON.parse(event.data) as unknown }),
    }));
  }
  if (details.attempts) {
    body.attempts = details.attempts.map((attempt) => ({
      attempt_number: attempt.attempt_number,
      channel: attempt.channel_id,
      end_to_end_id: attempt.end_to_end_id,
      state: attempt.state,
      channel_reference: attempt.channel_reference,
      created_at: presentInstant(attempt.created_at),
    }));
  }
  return body;
}

/** A debit as `POST /v1/debits` answers it; the use case stores this answer with the key. */
export const presentCreatedDebit: DebitPresenter<DebitView> = (row, givenMandateId) => presentDebit(row, {}, givenMandateId);

export function presentFeePlan(row: FeePlanRow): FeePlanView {
  return {
    id: row.id,
    object: 'fee_plan',
    version: row.version,
    side: row.side,
    title: row.title,
    effective_from: row.effective_from,
    effective_until: row.effective_until,
    schedule: JSON.parse(row.schedule) as FeePlanView['schedule'],
    created_at: presentInstant(row.created_at),
  };
}

export function presentChannel(row: ChannelRow, health: ChannelHealth): ChannelView {
  return {
    id: row.id,
    object: 'channel',
    type: row.type,
    name: row.name,
    region_code: row.region_code,
    bank_code: row.bank_code,
    capabilities: JSON.parse(row.capabilities) as ChannelView['capabilities'],
    cost_schedule: JSON.parse(row.cost_schedule) as ChannelView['cost_schedule'],
    priority: row.priority,
    enabled: row.enabled === 1,
    endpoint: row.endpoint,
    health: { breaker: health.breaker, consecutive_failures: health.consecutiveFailures, open_until: health.openUntil === null ? null : formatInstant(health.openUntil) },
  };
}

export function presentRule(row: RuleRow): RuleView {
  const conditions = JSON.parse(row.conditions) as RuleConditions;
  return {
    id: row.id,
    object: 'rule',
    version: row.version,
    title: row.title,
    source: row.source,
    effective_from: row.effective_from,
    effective_until: row.effective_until,
    applies_to: JSON.parse(row.applies_to) as RuleView['applies_to'],
    [row.effect]: conditions,
    retired: row.retired === 1,
    notice_id: row.notice_id,
    created_at: presentInstant(row.created_at),
  };
}

/** A batch with the live counts of its debits, or payouts, by status (`countBatchDebits`, `countBatchPayouts`; SPEC §11). */
export function presentBatch(batch: BatchRow, debits: Record<string, number>): BatchView {
  const error = decodeBatchError(batch.error);
  return {
    id: batch.id,
    object: 'batch',
    merchant_id: batch.merchant_id,
    format: batch.format,
    kind: batch.kind,
    status: batch.status,
    counts: {
      rows: batch.rows,
      accepted: batch.accepted,
      rejected: batch.rejected,
      succeeded: debits.succeeded ?? 0,
      failed: debits.failed ?? 0,
    },
    error: error === null ? null : { ...error }, // a copy: the schema's loose object wants an index signature
    file_sha256: batch.file_sha256,
    created_at: presentInstant(batch.created_at),
    completed_at: presentOptionalInstant(batch.completed_at),
  };
}

/** A payout (SPEC §14): the payee only masked; events and attempts when given. */
export function presentPayout({ payout: row, events, attempts }: Partial<PayoutWithHistory> & Pick<PayoutWithHistory, 'payout'>): PayoutView {
  const body: PayoutView = {
    id: row.id,
    object: 'payout',
    kind: row.kind,
    debit_id: row.debit_id,
    merchant_id: row.merchant_id,
    reference: row.reference,
    amount: row.amount,
    fee: row.fee,
    amount_reserved: row.status === 'rejected' ? 0 : row.amount + row.fee,
    amount_from_pending: row.status === 'rejected' ? 0 : row.drawn_from_pending,
    currency: row.currency as 'CNY',
    payee: {
      account_number_masked: row.payee_account_masked,
      account_kind: row.payee_account_kind,
      medium: row.payee_medium,
      bank_code: row.payee_bank_code,
      holder_name: row.payee_holder_name,
    },
    description: row.description,
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    status: row.status,
    failure: row.failure_code === null ? null : { code: row.failure_code, message: row.failure_message },
    channel: row.channel_id,
    channel_cost: row.channel_cost,
    routing: row.routing === null ? null : (JSON.parse(row.routing) as z.output<typeof RoutingDecision>),
    business_date: row.business_date,
    created_at: presentInstant(row.created_at),
    updated_at: presentInstant(row.updated_at),
  };
  if (events) {
    body.events = events.map((event) => ({ id: event.id, type: event.type, status: event.status, at: presentInstant(event.at), ...(event.data === null ? {} : { data: JSON.parse(event.data) as unknown }) }));
  }
  if (attempts) {
    body.attempts = attempts.map((attempt) => ({
      attempt_number: attempt.attempt_number,
      channel: attempt.channel_id,
      end_to_end_id: attempt.end_to_end_id,
      state: attempt.state,
      channel_reference: attempt.channel_reference,
      created_at: presentInstant(attempt.created_at),
    }));
  }
  return body;
}

/** The answer to a created payout, stored with its idempotency key: with its first event, no attempts yet. */
export const presentCreatedPayout = (history: PayoutWithHistory): PayoutView => presentPayout({ payout: history.payout, events: history.events });

export function presentSettlement(row: SettlementRow): SettlementView {
  return {
    id: row.id,
    object: 'settlement',
    merchant_id: row.merchant_id,
    business_date: row.business_date,
    sequence: row.sequence,
    settles_on: row.settles_on,
    status: row.status,
    count: row.count,
    amount: row.amount,
    currency: 'CNY',
    ledger_transaction_id: row.ledger_transaction_id,
    created_at: presentInstant(row.created_at),
  };
}

export type WebhookEndpointView = z.infer<typeof WebhookEndpoint>;

export function presentWebhookEndpoint(row: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    object: 'webhook_endpoint',
    merchant_id: row.merchant_id,
    url: row.url,
    description: row.description,
    event_types: JSON.parse(row.event_types) as WebhookEndpointView['event_types'],
    enabled: row.enabled === 1,
    disabled_reason: row.disabled_reason,
    ordered: row.ordered === 1,
    previous_secret_expires_at: row.previous_secret_expires_at === null ? null : presentInstant(row.previous_secret_expires_at),
    created_at: presentInstant(row.created_at),
    updated_at: presentInstant(row.updated_at),
  };
}

export type WebhookDeliveryView = z.infer<typeof WebhookDelivery>;

export function presentWebhookDelivery({ delivery, attempts }: WebhookDeliveryWithAttempts): WebhookDeliveryView {
  const instant = (value: string | null) => (value === null ? null : presentInstant(value));
  return {
    id: delivery.id,
    object: 'webhook_delivery',
    event_id: delivery.event_id,
    endpoint_id: delivery.endpoint_id,
    status: delivery.status,
    attempt_count: delivery.attempt_count,
    next_attempt_at: instant(delivery.next_attempt_at),
    first_attempt_at: instant(delivery.first_attempt_at),
    delivered_at: instant(delivery.delivered_at),
    last_status_code: delivery.last_status_code,
    last_error: delivery.last_error,
    attempts: attempts.map((attempt) => ({
      number: attempt.number,
      at: presentInstant(attempt.at),
      status_code: attempt.status_code,
      latency_ms: attempt.latency_ms,
      response_excerpt: attempt.response_excerpt,
      error: attempt.error,
    })),
    created_at: presentInstant(delivery.created_at),
    updated_at: presentInstant(delivery.updated_at),
  };
}

export type ReconciliationView = z.output<typeof Reconciliation>;
export type ReconciliationExceptionView = z.output<typeof ReconciliationException>;

export function presentReconciliation(row: ReconciliationRow): ReconciliationView {
  const side = (debitCount: number | null, debitAmount: number | null, creditCount: number | null, creditAmount: number | null) => ({
    debit: { count: debitCount ?? 0, amount: debitAmount ?? 0 },
    credit: { count: creditCount ?? 0, amount: creditAmount ?? 0 },
  });
  const done = row.lines !== null;
  return {
    id: row.id,
    object: 'reconciliation',
    channel: row.channel_id,
    business_date: row.business_date,
    source: row.source,
    format: row.format,
    status: row.status,
    failure: row.failure_code === null ? null : { code: row.failure_code, message: row.failure_message ?? '' },
    counts: done
      ? { lines: row.lines ?? 0, matched: row.matched ?? 0, missing_in_daikou: row.missing_in_daikou ?? 0, missing_in_statement: row.missing_in_statement ?? 0, amount_mismatch: row.amount_mismatch ?? 0, status_mismatch: row.status_mismatch ?? 0, duplicate: row.duplicate ?? 0 }
      : null,
    totals: done
      ? {
          statement: side(row.statement_debit_count, row.statement_debit_amount, row.statement_credit_count, row.statement_credit_amount),
          daikou: side(row.daikou_debit_count, row.daikou_debit_amount, row.daikou_credit_count, row.daikou_credit_amount),
          currency: 'CNY',
        }
      : null,
    requested_by: row.requested_by,
    created_at: presentInstant(row.created_at),
    completed_at: row.completed_at === null ? null : presentInstant(row.completed_at),
  };
}

export function presentReconciliationException(row: ReconciliationExceptionRow): ReconciliationExceptionView {
  return {
    id: row.id,
    object: 'reconciliation_exception',
    reconciliation_id: row.reconciliation_id,
    kind: row.kind,
    channel: row.channel_id,
    end_to_end_id: row.end_to_end_id,
    direction: row.direction,
    statement: row.line === null || row.statement_amount === null ? null : { line: row.line, channel_reference: row.channel_reference, amount: row.statement_amount, status: row.statement_status ?? '' },
    daikou: row.instruction_id === null || row.daikou_amount === null ? null : { instruction_id: row.instruction_id, merchant_id: row.merchant_id ?? '', amount: row.daikou_amount, status: row.daikou_status ?? '' },
    difference: exceptionDifference(row),
    status: row.status,
    resolution:
      row.resolution_action === null
        ? null
        : { action: row.resolution_action, reason: row.resolution_reason ?? '', resolved_by: row.resolved_by ?? '', resolved_at: presentInstant(row.resolved_at ?? row.created_at), ledger_transaction_id: row.ledger_transaction_id },
    created_at: presentInstant(row.created_at),
  };
}

export type NoticeView = z.output<typeof Notice>;

export function presentNotice(row: NoticeRow): NoticeView {
  const sourceKind = noticeSourceKind(row.source);
  // Every stored source was checked when the notice was published, by the same function.
  invariant(sourceKind !== null, `notice ${row.id} has a source that is neither a URL nor a document number`);
  return {
    id: row.id,
    object: 'notice',
    title: row.title,
    source: row.source,
    source_kind: sourceKind,
    author: row.author,
    published_at: presentInstant(row.published_at),
    body: row.body,
    created_at: presentInstant(row.created_at),
  };
}

/** The presenters above as the app takes them, for the payloads of public events (wired in src/main.ts). */
export const OBJECT_PRESENTERS: ObjectPresenters = {
  debit: (row, givenMandateId) => presentDebit(row, {}, givenMandateId),
  payout: (payout) => presentPayout({ payout }),
  mandate: presentMandate,
  batch: presentBatch,
  settlement: presentSettlement,
  reconciliation: presentReconciliation,
};

export type EventView = z.output<typeof Event>;

/**
 * An event as `publicEvent` writes it (the one JSON of API and webhooks alike), typed as the
 * schema it meets: its type is a public one and its object one of these presenters' answers,
 * which the response serializer checks at run time.
 */
export function presentEvent(row: EventRow): EventView {
  return publicEvent(row) as EventView;
}
