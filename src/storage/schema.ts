import type {
  BatchFormat,
  BatchStatus,
  ChannelType,
  IdempotencyState,
  MerchantCategory,
  PlanSide,
  RuleRecord,
} from '../core/index.js';
import type { ATTEMPTS_TABLE, BATCH_ROWS_TABLE, DEBIT_EVENTS_TABLE, DEBITS_TABLE, LEDGER_ACCOUNTS_TABLE, LEDGER_TRANSACTIONS_TABLE, MANDATES_TABLE, POSTINGS_TABLE, TableRow } from './tables.js';

/**
 * The database as Kysely sees it. Times are RFC 3339 UTC text (`2017-12-07T01:30:00.000Z`), which
 * sorts correctly and reads the same on SQLite and PostgreSQL; business dates are `YYYY-MM-DD`
 * (Asia/Shanghai). Money is integer fen (PostgreSQL `bigint`, parsed back into numbers).
 * Personal data lives only in `*_ciphertext` columns; `*_index` is its blind index (HMAC) and
 * `*_masked` its display form. The tables written in bulk are defined once, in `tables.ts`.
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
  idempotency_keys: IdempotencyKeysTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  postings: PostingsTable;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface ApiKeysTable {
  id: string;
  key_hash: string;
  /** null for operator keys. */
  merchant_id: string | null;
  /** The key's first 12 characters, shown in lists (migration 006). */
  prefix: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export interface MerchantsTable {
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
}

export type MandatesTable = TableRow<typeof MANDATES_TABLE>;

/** Room used under a mandate's `monthly_max`, per Shanghai month (DESIGN-NOTES §4). */
export interface MandateUsageTable {
  mandate_id: string;
  month: string;
  amount: number;
}

export interface ChannelsTable {
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
export interface BatchesTable {
  id: string;
  merchant_id: string;
  file_sha256: string;
  /** `csv` or `pain.008`. */
  format: BatchFormat;
  /** The stored file's name (`<id>.csv.enc`); since migration 010 the file itself is in `batch_file_chunks`, by batch id. */
  file_name: string;
  /** For ISO 20022 files: the original MsgId and message name (e.g. pain.008.001.02). */
  message_id: string | null;
  message_name: string | null;
  /** For pain.008 files: JSON `[[PmtInfId, firstRow], …]`, the original blocks the pain.002 names (migration 007). */
  payment_informations: string | null;
  /** `failed`: the file could not be read to the end. */
  status: BatchStatus;
  /** The last data row processed; rows after it are processed after a restart. */
  cursor: number;
  rows: number;
  accepted: number;
  rejected: number;
  /** Why a `failed` batch failed: JSON of BatchError (src/app/ports.ts), never a full account or ID number. */
  error: string | null;
  created_at: string;
  completed_at: string | null;
  /** Unexpected errors met so far while processing; after a few the batch fails `internal_error`. */
  attempts: number;
  /** Not taken again before this instant (backoff after an unexpected error); null: at once. */
  next_attempt_at: string | null;
  /** Bytes of the uploaded file, counted against the merchant's limit while the batch is unfinished. */
  file_bytes: number;
  /** The file's text encoding as declared at upload: `utf-8`, `gbk` or `gb18030` (migration 008). */
  encoding: string;
  /** The worker processing the batch, and until when (migration 010); null when no one holds it. */
  lease_owner: string | null;
  lease_until: string | null;
}

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
export interface FeePlansTable {
  id: string;
  version: number;
  /** `merchant` (charged to the merchant per succeeded debit) or `payer` (on top of the amount). */
  side: PlanSide;
  title: string;
  effective_from: string | null;
  effective_until: string | null;
  /** JSON PlanSchedule (src/core/fees/plan.ts). */
  schedule: string;
  created_at: string;
}

/** Cumulative amount per plan, subject and Shanghai month, for allowances and tiers. */
export interface AllowanceUsageTable {
  plan_id: string;
  subject: string;
  month: string;
  amount: number;
}

/** One version of a routing rule; never updated, a new version supersedes it. */
export interface RoutingRulesTable {
  id: string;
  version: number;
  title: string;
  source: string;
  effective_from: string | null;
  effective_until: string | null;
  /** JSON: `{ channels?: string[], types?: string[] }`. */
  applies_to: string;
  effect: RuleRecord['effect'];
  /** JSON conditions (src/core/routing/rules.ts). */
  conditions: string;
  retired: number;
  created_at: string;
}

export type DebitsTable = TableRow<typeof DEBITS_TABLE>;

export type DebitEventsTable = TableRow<typeof DEBIT_EVENTS_TABLE>;

export type AttemptsTable = TableRow<typeof ATTEMPTS_TABLE>;

export interface IdempotencyKeysTable {
  merchant_id: string;
  key: string;
  request_hash: string;
  state: IdempotencyState;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
}

export type LedgerAccountsTable = TableRow<typeof LEDGER_ACCOUNTS_TABLE>;

export type LedgerTransactionsTable = TableRow<typeof LEDGER_TRANSACTIONS_TABLE>;

export type PostingsTable = TableRow<typeof POSTINGS_TABLE>;
