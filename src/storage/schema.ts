import type {
  ApiKeyRecord,
  BatchRecord,
  ChannelRecord,
  FeePlanRecord,
  IdempotencyRecord,
  MerchantRecord,
  RuleRecord,
  SettlementRecord,
  WebhookEndpointRecord,
  ReconciliationRecord,
  NoticeRecord,
  ReconciliationExceptionRecord,
} from '../core/index.js';
import type { EVENTS_TABLE, WEBHOOK_DELIVERIES_TABLE, WEBHOOK_DELIVERY_ATTEMPTS_TABLE, PAYOUT_ATTEMPTS_TABLE, PAYOUT_EVENTS_TABLE, PAYOUTS_TABLE, ATTEMPTS_TABLE, BATCH_ROWS_TABLE, DEBIT_EVENTS_TABLE, DEBITS_TABLE, LEDGER_ACCOUNTS_TABLE, LEDGER_TRANSACTIONS_TABLE, MANDATES_TABLE, POSTINGS_TABLE, RECONCILIATION_LINES_TABLE, TableRow } from './tables.js';

/**
 * The database as Kysely sees it. Times are RFC 3339 UTC text (`2017-12-07T01:30:00.000Z`), which
 * sorts correctly and reads the same on SQLite and PostgreSQL; business dates are `YYYY-MM-DD`
 * (Asia/Shanghai). Money is integer fen (PostgreSQL `bigint`, parsed back into numbers).
 * Personal data lives only in `*_ciphertext` columns; `*_index` is its blind index (HMAC) and
 * `*_masked` its display form. The tables written in bulk are defined once, in `tables.ts`; the
 * others that the use cases read are their core records (src/core/records.ts), written once there.
 */
export interface Database {
  settings: SettingsTable;
  api_keys: ApiKeysTable;
  merchants: MerchantsTable;
  mandates: MandatesTable;
  mandate_usage: MandateUsageTable;
  channels: ChannelsTable;
  routing_rules: RoutingRulesTable;
  fee_plans: FeePlansTable;
  allowance_usage: AllowanceUsageTable;
  batches: BatchesTable;
  batch_rows: BatchRowsTable;
  batch_file_chunks: BatchFileChunksTable;
  debits: DebitsTable;
  debit_events: DebitEventsTable;
  attempts: AttemptsTable;
  payouts: PayoutsTable;
  payout_events: PayoutEventsTable;
  payout_attempts: PayoutAttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  postings: PostingsTable;
  settlements: SettlementsTable;
  webhook_endpoints: WebhookEndpointsTable;
  events: TableRow<typeof EVENTS_TABLE>;
  webhook_deliveries: TableRow<typeof WEBHOOK_DELIVERIES_TABLE>;
  webhook_delivery_attempts: TableRow<typeof WEBHOOK_DELIVERY_ATTEMPTS_TABLE>;
  reconciliations: ReconciliationRecord;
  reconciliation_lines: TableRow<typeof RECONCILIATION_LINES_TABLE>;
  reconciliation_exceptions: ReconciliationExceptionRecord;
  /** Regulatory notices (公告) that rules name (SPEC §17, migration 021). */
  notices: NoticeRecord;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export type ApiKeysTable = ApiKeyRecord;

export type MerchantsTable = MerchantRecord;

export type MandatesTable = TableRow<typeof MANDATES_TABLE>;

/** Room used under a mandate's `monthly_max`, per Shanghai month (DESIGN-NOTES §4). */
export interface MandateUsageTable {
  mandate_id: string;
  month: string;
  amount: number;
}

export type ChannelsTable = ChannelRecord;

/** An uploaded batch file and how far its processing got. */
export type BatchesTable = BatchRecord;

/** An uploaded batch file as stored (encrypted), in order, while its batch is unfinished (migration 010). */
export interface BatchFileChunksTable {
  batch_id: string;
  seq: number;
  bytes: Buffer;
  /** When the chunk was written: an upload a crash cut off has chunks, an old one, and no batch. */
  created_at: string;
}

export type BatchRowsTable = TableRow<typeof BATCH_ROWS_TABLE>;

/** One version of a fee plan (SPEC §7); never updated, a new version supersedes it. */
export type FeePlansTable = FeePlanRecord;

/** Cumulative amount per plan, subject and Shanghai month, for allowances and tiers. */
export interface AllowanceUsageTable {
  plan_id: string;
  subject: string;
  month: string;
  amount: number;
}

/** One version of a routing rule; never updated, a new version supersedes it. */
export type RoutingRulesTable = RuleRecord;

export type DebitsTable = TableRow<typeof DEBITS_TABLE>;

export type DebitEventsTable = TableRow<typeof DEBIT_EVENTS_TABLE>;

export type AttemptsTable = TableRow<typeof ATTEMPTS_TABLE>;

export type PayoutsTable = TableRow<typeof PAYOUTS_TABLE>;

export type PayoutEventsTable = TableRow<typeof PAYOUT_EVENTS_TABLE>;

export type PayoutAttemptsTable = TableRow<typeof PAYOUT_ATTEMPTS_TABLE>;

export type IdempotencyKeysTable = IdempotencyRecord;

export type LedgerAccountsTable = TableRow<typeof LEDGER_ACCOUNTS_TABLE>;

export type LedgerTransactionsTable = TableRow<typeof LEDGER_TRANSACTIONS_TABLE>;

export type PostingsTable = TableRow<typeof POSTINGS_TABLE>;

/** One settlement of a merchant-day (SPEC §14, migration 012). */
export type SettlementsTable = SettlementRecord;

/** Where a merchant's events are delivered (SPEC §16, migration 018). */
export type WebhookEndpointsTable = WebhookEndpointRecord;
