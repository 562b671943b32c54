/**
 * The database as Kysely sees it. Times are RFC 3339 UTC text (`2017-12-07T01:30:00.000Z`), which
 * sorts correctly and reads the same on SQLite and PostgreSQL; business dates are `YYYY-MM-DD`
 * (Asia/Shanghai). Money is integer fen (PostgreSQL `bigint`, parsed back into numbers).
 * Personal data lives only in `*_ciphertext` columns; `*_index` is its blind index (HMAC) and
 * `*_masked` its display form.
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
  category: string;
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

export interface MandatesTable {
  id: string;
  merchant_id: string;
  agreement_number: string;
  /** `active` or `revoked`; `expired` is derived from `valid_until` and the clock. */
  status: string;
  account_ciphertext: string;
  account_index: string;
  account_masked: string;
  account_kind: string;
  medium: string;
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

/** Room used under a mandate's `monthly_max`, per Shanghai month (DESIGN-NOTES §4). */
export interface MandateUsageTable {
  mandate_id: string;
  month: string;
  amount: number;
}

export interface ChannelsTable {
  id: string;
  type: string;
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
  format: string;
  /** The stored file's name (`<id>.csv.enc`); since migration 010 the file itself is in `batch_file_chunks`, by batch id. */
  file_name: string;
  /** For ISO 20022 files: the original MsgId and message name (e.g. pain.008.001.02). */
  message_id: string | null;
  message_name: string | null;
  /** For pain.008 files: JSON `[[PmtInfId, firstRow], …]`, the original blocks the pain.002 names (migration 007). */
  payment_informations: string | null;
  /** `processing`, `completed`, or `failed` (the file could not be read to the end). */
  status: string;
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

/** The result of one input row: the debit it became, or why it was refused. */
export interface BatchRowsTable {
  batch_id: string;
  row: number;
  reference: string | null;
  debit_id: string | null;
  /** `accepted` or `rejected`. */
  status: string;
  column_name: string | null;
  code: string | null;
  message: string | null;
}

/** One version of a fee plan (SPEC §7); never updated, a new version supersedes it. */
export interface FeePlansTable {
  id: string;
  version: number;
  /** `merchant` (charged to the merchant per succeeded debit) or `payer` (on top of the amount). */
  side: string;
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
  effect: string;
  /** JSON conditions (src/core/routing/rules.ts). */
  conditions: string;
  retired: number;
  created_at: string;
}

export interface DebitsTable {
  id: string;
  merchant_id: string;
  mandate_id: string | null;
  reference: string;
  amount: number;
  currency: string;
  description: string | null;
  /** JSON object of string pairs, or null. */
  metadata: string | null;
  status: string;
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
  /** JSON: the routing decision (channels considered, eligibility, reasons). */
  routing: string | null;
  failure_code: string | null;
  failure_message: string | null;
  failure_retryable: number | null;
  /** When the submit worker may next pick up a `pending` debit. */
  next_action_at: string | null;
  attempt_count: number;
  created_at: string;
  updated_at: string;
}

export interface DebitEventsTable {
  id: string;
  debit_id: string;
  type: string;
  status: string;
  at: string;
  /** JSON details; never personal data. */
  data: string | null;
}

/**
 * One submission of a debit to a channel, written before the request leaves daikou
 * (DESIGN-NOTES §1). `state`: sending → accepted | not_sent | unknown → succeeded | failed | not_found.
 */
export interface AttemptsTable {
  id: string;
  debit_id: string;
  attempt_number: number;
  channel_id: string;
  end_to_end_id: string;
  state: string;
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

export interface IdempotencyKeysTable {
  merchant_id: string;
  key: string;
  request_hash: string;
  /** `in_progress` or `done`. */
  state: string;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
}

export interface LedgerAccountsTable {
  /** `merchant:<id>:pending`, `channel:<id>:clearing`, `platform:fee_revenue`, … */
  id: string;
  owner_type: string;
  owner_id: string | null;
  kind: string;
  /** Cached sum of the account's postings, updated in the same transaction. */
  balance: number;
  created_at: string;
}

export interface LedgerTransactionsTable {
  id: string;
  kind: string;
  ref_type: string;
  ref_id: string;
  at: string;
  /** The Shanghai business date of `at`, for reports by day. */
  business_date: string | null;
}

export interface PostingsTable {
  transaction_id: string;
  /** Position within the transaction, from 1. */
  line: number;
  account_id: string;
  /** Signed fen: debits positive, credits negative. */
  amount: number;
}
