/**
 * The tables that the hot paths write thousands of rows of per transaction (batch ingestion,
 * worker rounds), each defined once: its columns with their SQL types and nullability. The Kysely
 * row type (`schema.ts`) and the column list of the set-based writes (src/storage/dialects/, which
 * skip the query builder: building and compiling a statement of thousands of parameters costs more
 * than running it) are both derived from here, and `test/storage/tables.test.ts` checks, on every
 * engine, that the migrated database has exactly these columns. Migrations stay as they were
 * written: they describe the schema as it was then.
 */

import type { IdempotencyState, WebhookDeliveryStatus, AccountKind, AttemptState, BatchRowStatus, EventType, InstructionStatus, Medium, PayoutKind, StatementDirection, StatementStatus, StoredMandateStatus } from '../core/index.js';

type SqlType = 'text' | 'int8' | 'int4';

export interface Column {
  readonly type: SqlType;
  readonly nullable: boolean;
  /** Only for its type: the closed union a text column holds (see `textOf`). */
  readonly values?: string;
}

export const text = { type: 'text', nullable: false } as const;
/** bigint: money in fen, parsed back into numbers (database.ts refuses unsafe ones). */
export const int8 = { type: 'int8', nullable: false } as const;
export const int4 = { type: 'int4', nullable: false } as const;

/** A text column that holds only the values of a closed union of core (a status, a kind). */
export function textOf<Values extends string>(): { readonly type: 'text'; readonly nullable: false; readonly values?: Values } {
  return text;
}

export function nullable<Type extends SqlType, Values extends string = never>(column: { type: Type; values?: Values }): { readonly type: Type; readonly nullable: true; readonly values?: Values } {
  return { type: column.type, nullable: true };
}

/** A text column's values: its union when it names one (`textOf`), any text otherwise. */
type TextValue<C> = C extends { readonly values?: infer Values } ? (unknown extends Values ? string : [Exclude<Values, undefined>] extends [never] ? string : Exclude<Values, undefined>) : string;
type BaseValueOf<C extends Column> = C['type'] extends 'text' ? TextValue<C> : number;
type ValueOf<C extends Column> = BaseValueOf<C> | (C['nullable'] extends true ? null : never);

/** The row a table's columns hold, as Kysely and the store see it. */
export type RowOf<Columns extends Record<string, Column>> = { -readonly [Name in keyof Columns]: ValueOf<Columns[Name]> };

/** A table written by set-based statements. */
export interface BulkTable<Row> {
  name: string;
  columns: readonly { name: keyof Row & string; type: SqlType; nullable: boolean }[];
  /** A row's values in the order of `columns`. */
  values(row: Row): unknown[];
  /**
   * Writes a row's values, in the order of `columns` and null for undefined, into `into` from
   * `at`; returns where the next row's go. What the bulk inserts fill their parameters with,
   * without an array per row.
   */
  write(row: Row, into: unknown[], at: number): number;
}

/** A table defined once: its row type is derived from its columns. */
export function table<const Columns extends Record<string, Column>>(name: string, definition: Columns): BulkTable<RowOf<Columns>> {
  const columns = Object.entries(definition).map(([column, { type, nullable }]) => ({ name: column as keyof Columns & string, type, nullable }));
  const names = columns.map((column) => column.name);
  return {
    name,
    columns,
    values(row) {
      const values = new Array<unknown>(names.length);
      for (let index = 0; index < names.length; index += 1) values[index] = row[names[index]!];
      return values;
    },
    write(row, into, at) {
      for (let index = 0; index < names.length; index += 1) into[at + index] = row[names[index]!] ?? null;
      return at + names.length;
    },
  };
}

/** The row type of a table defined here. */
export type TableRow<Table> = Table extends BulkTable<infer Row> ? Row : never;

export const MANDATES_TABLE = table('mandates', {
  id: text,
  merchant_id: text,
  agreement_number: text,
  /** `active` or `revoked`; `expired` is derived from `valid_until` and the clock. */
  status: textOf<StoredMandateStatus>(),
  account_ciphertext: text,
  account_index: text,
  account_masked: text,
  account_kind: textOf<AccountKind>(),
  medium: textOf<Medium>(),
  bank_code: nullable(text),
  region_code: nullable(text),
  holder_name: nullable(text),
  id_number_ciphertext: nullable(text),
  id_number_index: nullable(text),
  id_number_masked: nullable(text),
  phone_ciphertext: nullable(text),
  phone_index: nullable(text),
  phone_masked: nullable(text),
  signed_at: text,
  valid_from: nullable(text),
  valid_until: nullable(text),
  per_debit_max: nullable(int8),
  monthly_max: nullable(int8),
  revoked_at: nullable(text),
  created_at: text,
});

export const DEBITS_TABLE = table('debits', {
  id: text,
  merchant_id: text,
  mandate_id: nullable(text),
  reference: text,
  amount: int8,
  currency: text,
  description: nullable(text),
  /** JSON object of string pairs, or null. */
  metadata: nullable(text),
  status: textOf<InstructionStatus>(),
  business_date: text,
  channel_id: nullable(text),
  /** JSON: the routing decision (channels considered, eligibility, reasons). */
  routing: nullable(text),
  failure_code: nullable(text),
  failure_message: nullable(text),
  failure_retryable: nullable(int4),
  /** When the submit worker may next pick up a `pending` debit. */
  next_action_at: nullable(text),
  attempt_count: int4,
  created_at: text,
  updated_at: text,
  /** What the chosen channel charges for this debit, fixed when it was routed. */
  channel_cost: int8,
  /** The merchant's fee and the payer's fee, quoted when the debit was accepted. */
  merchant_fee: int8,
  payer_fee: int8,
  merchant_fee_plan: nullable(text),
  payer_fee_plan: nullable(text),
  merchant_fee_subject: nullable(text),
  payer_fee_subject: nullable(text),
  batch_id: nullable(text),
  /** The settlement that moved the debit's net to `available` (migration 012); null until then. */
  settlement_id: nullable(text),
  /** The failed debit this one presents again; null for an original (migration 014). */
  represents: nullable(text),
  /** 0 for an original, then 1 and 2 for its re-presentments. */
  presentment: int4,
  /** What live refunds of the debit hold, ≤ amount (migration 015). */
  refunded_amount: int8,
  /** What refunds took out of `pending` while the debit was unsettled; settlement moves that much less. */
  refunded_from_pending: int8,
});

export const DEBIT_EVENTS_TABLE = table('debit_events', {
  id: text,
  debit_id: text,
  type: textOf<EventType>(),
  status: textOf<InstructionStatus>(),
  at: text,
  /** JSON details; never personal data. */
  data: nullable(text),
});

/** The result of one input row of a batch: the debit it became, or why it was refused. */
export const BATCH_ROWS_TABLE = table('batch_rows', {
  batch_id: text,
  row: int4,
  reference: nullable(text),
  debit_id: nullable(text),
  /** `accepted` or `rejected`. */
  status: textOf<BatchRowStatus>(),
  column_name: nullable(text),
  code: nullable(text),
  message: nullable(text),
});

/**
 * One submission of a debit to a channel, written before the request leaves daikou
 * (DESIGN-NOTES §1). `state`: sending → accepted | not_sent | unknown → succeeded | failed | not_found.
 */
export const ATTEMPTS_TABLE = table('attempts', {
  id: text,
  debit_id: text,
  attempt_number: int4,
  channel_id: text,
  end_to_end_id: text,
  state: textOf<AttemptState>(),
  channel_reference: nullable(text),
  failure_code: nullable(text),
  failure_message: nullable(text),
  next_query_at: nullable(text),
  query_count: int4,
  lease_owner: nullable(text),
  lease_until: nullable(text),
  created_at: text,
  updated_at: text,
});

/** Payouts (migration 013): a debit's columns with the payee in place of the mandate. */
export const PAYOUTS_TABLE = table('payouts', {
  id: text,
  merchant_id: text,
  kind: textOf<PayoutKind>(),
  debit_id: nullable(text),
  reference: text,
  amount: int8,
  fee: int8,
  fee_plan: nullable(text),
  channel_cost: int8,
  currency: text,
  description: nullable(text),
  metadata: nullable(text),
  payee_account_ciphertext: text,
  payee_account_index: text,
  payee_account_masked: text,
  payee_account_kind: textOf<AccountKind>(),
  payee_medium: textOf<Medium>(),
  payee_bank_code: nullable(text),
  payee_holder_name: text,
  status: textOf<InstructionStatus>(),
  business_date: text,
  channel_id: nullable(text),
  routing: nullable(text),
  failure_code: nullable(text),
  failure_message: nullable(text),
  next_action_at: nullable(text),
  attempt_count: int4,
  created_at: text,
  updated_at: text,
  /** A refund's part of its reservation that came out of `pending` (migration 015); 0 for a payout. */
  drawn_from_pending: int8,
  /** The payout batch and row it came from (migration 016); null for a payout sent alone. */
  batch_id: nullable(text),
  batch_row: nullable(int4),
});

export const PAYOUT_EVENTS_TABLE = table('payout_events', {
  id: text,
  payout_id: text,
  type: textOf<EventType>(),
  status: textOf<InstructionStatus>(),
  at: text,
  data: nullable(text),
});

/** A payout's attempts: the shape of `attempts`, named by `payout_id`. */
export const PAYOUT_ATTEMPTS_TABLE = table('payout_attempts', {
  id: text,
  payout_id: text,
  attempt_number: int4,
  channel_id: text,
  end_to_end_id: text,
  state: textOf<AttemptState>(),
  channel_reference: nullable(text),
  failure_code: nullable(text),
  failure_message: nullable(text),
  next_query_at: nullable(text),
  query_count: int4,
  lease_owner: nullable(text),
  lease_until: nullable(text),
  created_at: text,
  updated_at: text,
});

export const LEDGER_TRANSACTIONS_TABLE = table('ledger_transactions', {
  id: text,
  kind: text,
  ref_type: text,
  ref_id: text,
  at: text,
  /** The Shanghai business date of `at`, for reports by day. */
  business_date: nullable(text),
});

export const LEDGER_ACCOUNTS_TABLE = table('ledger_accounts', {
  /** `merchant:<id>:pending`, `channel:<id>:clearing`, `platform:fee_revenue`, … */
  id: text,
  owner_type: text,
  owner_id: nullable(text),
  kind: text,
  /** Cached sum of the account's postings, updated in the same transaction. */
  balance: int8,
  created_at: text,
});

export const POSTINGS_TABLE = table('postings', {
  transaction_id: text,
  /** Position within the transaction, from 1. */
  line: int4,
  account_id: text,
  /** Signed fen: debits positive, credits negative. */
  amount: int8,
});

/** A statement's entries while a reconciliation matches them (migration 017), loaded in bulk. */
export const RECONCILIATION_LINES_TABLE = table('reconciliation_lines', {
  reconciliation_id: text,
  /** 1-based among the statement's entries. */
  line: int4,
  channel_reference: nullable(text),
  end_to_end_id: text,
  direction: textOf<StatementDirection>(),
  amount: int8,
  status: textOf<StatementStatus>(),
  settled_at: nullable(text),
});

/** Idempotency keys (SPEC §5, migration 001): a group of API debits claims its keys, then stores their answers, one statement each. */
export const IDEMPOTENCY_KEYS_TABLE = table('idempotency_keys', {
  merchant_id: text,
  key: text,
  request_hash: text,
  state: textOf<IdempotencyState>(),
  response_status: nullable(int4),
  response_body: nullable(text),
  created_at: text,
});

/** The public events (SPEC §16, migration 019): the outbox that webhooks and `GET /v1/events` read. */
export const EVENTS_TABLE = table('events', {
  id: text,
  type: text,
  merchant_id: nullable(text),
  object_type: text,
  object_id: text,
  created_at: text,
  api_version: text,
  /** `{ "object": … }`: the object's public representation when the event happened. */
  data: text,
  /** When the dispatcher made the event's deliveries; null until then. */
  fanned_out_at: nullable(text),
});

/** One event's delivery to one endpoint (SPEC §16, migration 020); its id is the `webhook-id`. */
export const WEBHOOK_DELIVERIES_TABLE = table('webhook_deliveries', {
  id: text,
  event_id: text,
  endpoint_id: text,
  merchant_id: text,
  object_id: text,
  status: textOf<WebhookDeliveryStatus>(),
  attempt_count: int4,
  next_attempt_at: nullable(text),
  lease_owner: nullable(text),
  lease_until: nullable(text),
  first_attempt_at: nullable(text),
  last_status_code: nullable(int4),
  last_error: nullable(text),
  delivered_at: nullable(text),
  created_at: text,
  updated_at: text,
});

/** The delivery log: one row per attempt. */
export const WEBHOOK_DELIVERY_ATTEMPTS_TABLE = table('webhook_delivery_attempts', {
  delivery_id: text,
  number: int4,
  at: text,
  status_code: nullable(int4),
  latency_ms: nullable(int4),
  response_excerpt: nullable(text),
  error: nullable(text),
});

/** Every table defined here, for the test that compares them with the migrated database. */
export const TABLES: readonly BulkTable<never>[] = [MANDATES_TABLE, DEBITS_TABLE, DEBIT_EVENTS_TABLE, BATCH_ROWS_TABLE, ATTEMPTS_TABLE, PAYOUTS_TABLE, PAYOUT_EVENTS_TABLE, PAYOUT_ATTEMPTS_TABLE, LEDGER_TRANSACTIONS_TABLE, LEDGER_ACCOUNTS_TABLE, POSTINGS_TABLE, RECONCILIATION_LINES_TABLE, WEBHOOK_DELIVERIES_TABLE, WEBHOOK_DELIVERY_ATTEMPTS_TABLE] as unknown as readonly BulkTable<never>[];
