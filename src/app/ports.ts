import type { Selectable } from 'kysely';
import type { AttemptChange, InstructionChange, LedgerTransaction } from '../core/index.js';
import type {
  ApiKeysTable,
  RoutingRulesTable,
  FeePlansTable,
  BatchesTable,
  BatchRowsTable,
  AttemptsTable,
  ChannelsTable,
  DebitEventsTable,
  DebitsTable,
  IdempotencyKeysTable,
  LedgerAccountsTable,
  MandatesTable,
  MerchantsTable,
} from '../storage/schema.js';

export type MerchantRow = Selectable<MerchantsTable>;
export type MandateRow = Selectable<MandatesTable>;
export type DebitRow = Selectable<DebitsTable>;
export type DebitEventRow = Selectable<DebitEventsTable>;
export type AttemptRow = Selectable<AttemptsTable>;
export type ChannelRow = Selectable<ChannelsTable>;
export type RuleRow = Selectable<RoutingRulesTable>;
export type FeePlanRow = Selectable<FeePlansTable>;
export type BatchRow = Selectable<BatchesTable>;
/** A batch as recorded at upload: no one holds its lease yet. */
export type NewBatchRow = Omit<BatchRow, 'lease_owner' | 'lease_until'>;
/** Who holds a batch, and until when (renewed with each chunk it commits). */
export interface BatchLease {
  owner: string;
  until: string;
}
/** What deciding a debit reads of its mandate: no ciphertext, nothing only shown to people. */
export const MANDATE_TERMS_COLUMNS = [
  'id',
  'merchant_id',
  'status',
  'valid_from',
  'valid_until',
  'per_debit_max',
  'monthly_max',
  'account_index',
  'account_kind',
  'medium',
  'bank_code',
  'region_code',
  'holder_name',
  'id_number_index',
  'phone_index',
] as const;
export type MandateTerms = Pick<MandateRow, (typeof MANDATE_TERMS_COLUMNS)[number]>;
export type BatchRowResult = Selectable<BatchRowsTable>;
/** A batch row's result with its debit's current status, for the report. */
export type BatchReportLine = BatchRowResult & { debit_status: string | null; failure_code: string | null; failure_message: string | null };

/** One line of the margin report: what the ledger says a merchant's debits on a channel earned and cost on a day. */
export interface MarginRow {
  merchant_id: string;
  channel_id: string;
  business_date: string;
  debits: number;
  fee_revenue: number;
  payer_fee_revenue: number;
  channel_cost: number;
}

export interface SimulationCursor {
  business_date: string;
  id: string;
}

/** What the what-if simulation reads of one past debit: the routing inputs and how it went. */
export interface SimulationRow {
  id: string;
  merchant_id: string;
  amount: number;
  business_date: string;
  channel_id: string | null;
  channel_cost: number;
  status: string;
  failure_code: string | null;
  category: string;
  settlement_region_code: string;
  account_kind: string;
  medium: string;
  bank_code: string | null;
  region_code: string | null;
}
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type IdempotencyRow = Selectable<IdempotencyKeysTable>;
export type LedgerAccountRow = Selectable<LedgerAccountsTable>;

/** A page of a list, newest first (SPEC §12). */
export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export interface PageRequest {
  limit: number;
  startingAfter?: string | undefined;
}

export interface MandateFilter extends PageRequest {
  merchantId?: string | undefined;
  status?: 'active' | 'revoked' | undefined;
  accountIndex?: string | undefined;
  agreementNumber?: string | undefined;
}

export interface DebitFilter extends PageRequest {
  merchantId?: string | undefined;
  status?: string | undefined;
  reference?: string | undefined;
  mandateId?: string | undefined;
  channelId?: string | undefined;
  batchId?: string | undefined;
  /** Stored instants (`toISOString`), compared as text. */
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
}

/** What a claimed debit carries to the channel. */
export interface ClaimedDebit {
  debit: DebitRow;
  mandate: MandateRow;
}

export interface LedgerEntry {
  id: string;
  transaction: LedgerTransaction;
  at: string;
  businessDate: string;
}

/** The columns a debit update may set besides its status, which only an InstructionChange writes. */
export type DebitPatch = Partial<
  Pick<
    DebitRow,
    'failure_code' | 'failure_message' | 'failure_retryable' | 'next_action_at' | 'channel_id' | 'routing' | 'channel_cost'
  >
>;
/** The columns an attempt update may set besides its state, which only an AttemptChange writes. */
export type AttemptPatch = Partial<
  Pick<
    AttemptRow,
    'channel_reference' | 'failure_code' | 'failure_message' | 'next_query_at' | 'query_count' | 'lease_owner' | 'lease_until'
  >
>;

/**
 * Everything the use cases need from storage, inside or outside one transaction. Methods that
 * change state conditionally return whether they did, so that two workers racing for the same
 * row can tell who won (DESIGN-NOTES §1).
 */
export interface StoreTx {
  getSetting(key: string): Promise<string | null>;
  putSetting(key: string, value: string): Promise<void>;

  insertApiKey(row: ApiKeyRow): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRow | null>;
  countOperatorKeys(): Promise<number>;
  getApiKey(id: string): Promise<ApiKeyRow | null>;
  /** A merchant's keys (or, with null, the operator keys), newest first, revoked ones too. */
  listApiKeys(filter: PageRequest & { merchantId: string | null }): Promise<Page<ApiKeyRow>>;
  /** Revokes a key not yet revoked; false when it was revoked already or does not exist. */
  revokeApiKey(id: string, at: string): Promise<boolean>;
  /** Revokes every operator key but `keepId`; returns how many it revoked. */
  revokeOperatorKeysExcept(keepId: string, at: string): Promise<number>;

  insertMerchant(row: MerchantRow): Promise<void>;
  getMerchant(id: string): Promise<MerchantRow | null>;
  updateMerchantPlans(id: string, feePlan: string, payerFeePlan: string | null): Promise<void>;
  listMerchants(page: PageRequest): Promise<Page<MerchantRow>>;

  insertMandate(row: MandateRow): Promise<void>;
  /** Many mandates in a few statements: for imports and the benchmark's set-up. */
  insertMandates(rows: readonly MandateRow[]): Promise<void>;
  getMandate(id: string): Promise<MandateRow | null>;
  findMandateByAgreement(merchantId: string, agreementNumber: string): Promise<MandateRow | null>;
  listMandates(filter: MandateFilter): Promise<Page<MandateRow>>;
  findMandatesByAccount(merchantId: string, accountIndex: string): Promise<MandateRow[]>;
  /** Revokes an active mandate; false when it was not active. */
  revokeMandate(id: string, at: string): Promise<boolean>;

  /**
   * Reads a mandate's usage for a month and holds it for the rest of the transaction, so that
   * concurrent debits under one mandate are counted one after another (DESIGN-NOTES §4).
   */
  lockMandateUsage(mandateId: string, month: string): Promise<number>;
  addMandateUsage(mandateId: string, month: string, deltaFen: number): Promise<void>;

  upsertChannel(row: ChannelRow): Promise<void>;
  listChannels(): Promise<ChannelRow[]>;
  getChannel(id: string): Promise<ChannelRow | null>;

  insertBatch(row: NewBatchRow): Promise<void>;
  getBatch(id: string): Promise<BatchRow | null>;
  findBatchByFile(merchantId: string, sha256: string): Promise<BatchRow | null>;
  listBatches(filter: PageRequest & { merchantId?: string | undefined; status?: string | undefined }): Promise<Page<BatchRow>>;
  /** Batches still being processed, oldest first. */
  listProcessingBatches(): Promise<BatchRow[]>;
  /** Batches still being processed whose next attempt is due at `now`, oldest first, at most `limit` (leased or not). */
  listDueBatches(now: string, limit: number): Promise<BatchRow[]>;
  /**
   * Leases to `owner` until `leaseUntil` the oldest batch still processing that is due at `now`
   * and that no one holds (its lease is null or ran out before `now`); null when there is none.
   * Of several workers claiming at once, each batch goes to one.
   */
  claimDueBatch(now: string, owner: string, leaseUntil: string): Promise<BatchRow | null>;
  /**
   * Records an unexpected error: the batch is not taken again before `nextAttemptAt`, and its
   * lease is released. False when `owner` no longer holds the batch (another worker took it over).
   */
  scheduleBatchRetry(id: string, owner: string, attempts: number, nextAttemptAt: string): Promise<boolean>;
  /** Bytes of the files of a merchant's unfinished batches. */
  sumBatchBytesHeld(merchantId: string): Promise<number>;
  /**
   * Advances a batch's cursor and counts, and renews the lease to `lease.until`; false when the
   * batch was not at `fromCursor` or `lease.owner` no longer holds it (fencing).
   */
  advanceBatch(id: string, lease: BatchLease, fromCursor: number, patch: Pick<BatchRow, 'cursor' | 'rows' | 'accepted' | 'rejected'>): Promise<boolean>;
  /** Ends a batch still processing that `owner` holds; `error` is a BatchError's JSON. False when it had ended or `owner` lost it. */
  finishBatch(id: string, owner: string, status: 'completed' | 'failed', at: string, error: string | null): Promise<boolean>;
  insertBatchRows(rows: BatchRowResult[]): Promise<void>;
  listBatchReport(batchId: string, afterRow: number, limit: number): Promise<BatchReportLine[]>;
  /** Debits of a batch by status. */
  countBatchDebits(batchId: string): Promise<Record<string, number>>;

  insertFeePlanVersion(row: FeePlanRow): Promise<void>;
  /** Every version of every fee plan (plans are few), by id then version. */
  listFeePlans(): Promise<FeePlanRow[]>;
  /** Like lockMandateUsage, for a fee plan's allowance counter of one subject. */
  lockAllowanceUsage(planId: string, subject: string, month: string): Promise<number>;
  addAllowanceUsage(planId: string, subject: string, month: string, deltaFen: number): Promise<void>;
  /** Fee revenue and channel cost posted for debits, by merchant, channel and business date. */
  marginReport(from: string, to: string, merchantId?: string): Promise<MarginRow[]>;

  insertRuleVersion(row: RuleRow): Promise<void>;
  /** Every version of one rule, oldest first. */
  listRuleVersions(id: string): Promise<RuleRow[]>;
  /** The newest version of every rule (retired ones included, so that callers can tell). */
  listCurrentRules(): Promise<RuleRow[]>;

  /**
   * Debits created on business dates from `from` to `to` (inclusive), with their routing
   * inputs, in (business_date, id) order after `after`: a keyset page on an index, so that a
   * million rows never sit in memory and no page sorts the window again.
   */
  listSimulationRows(from: string, to: string, after: SimulationCursor | null, limit: number): Promise<SimulationRow[]>;

  insertDebit(row: DebitRow): Promise<void>;
  /** Multi-row inserts, for batches. */
  insertDebits(rows: readonly DebitRow[]): Promise<void>;
  insertDebitEvents(rows: readonly DebitEventRow[]): Promise<void>;
  /** Which of these references the merchant already has on a debit that was not rejected. */
  findLiveReferences(merchantId: string, references: readonly string[]): Promise<Set<string>>;
  /** The terms of many mandates by id (batch ingestion reads these for every row). */
  getMandateTerms(ids: readonly string[]): Promise<MandateTerms[]>;
  findMandatesByAccounts(merchantId: string, accountIndexes: readonly string[]): Promise<MandateRow[]>;
  /** The ids of a merchant's mandates by agreement number (pain.008 names mandates by MndtId). */
  findMandateIdsByAgreements(merchantId: string, agreementNumbers: readonly string[]): Promise<Pick<MandateRow, 'id' | 'agreement_number'>[]>;
  getDebit(id: string): Promise<DebitRow | null>;
  listDebits(filter: DebitFilter): Promise<Page<DebitRow>>;
  /** A debit of the merchant with this reference that was not rejected. */
  findLiveDebitByReference(merchantId: string, reference: string): Promise<DebitRow | null>;
  /**
   * Applies `change` (from the transition table: the statuses the debit may be in, and the one it
   * is written in) with the patch; false when the debit was in none of `change.from`. A change
   * the table did not issue is a bug (InvariantError).
   */
  updateDebit(id: string, change: InstructionChange, patch: DebitPatch, at: string): Promise<boolean>;
  /** updateDebit for many debits at once, in one statement; returns the debits that moved, as they are now. */
  updateDebits(updates: readonly { id: string; patch: DebitPatch }[], change: InstructionChange, at: string): Promise<DebitRow[]>;
  /**
   * Claims up to `limit` debits due by `now` in the single status of `claim.from` (the table's
   * `claimed` move): each is written in `claim.to` in this transaction, skipping rows another
   * process holds.
   */
  claimPendingDebits(claim: InstructionChange, now: string, limit: number): Promise<ClaimedDebit[]>;
  insertDebitEvent(row: DebitEventRow): Promise<void>;
  listDebitEvents(debitId: string): Promise<DebitEventRow[]>;
  countDebitsByStatus(): Promise<Record<string, number>>;

  insertAttempts(rows: readonly AttemptRow[]): Promise<void>;
  listAttempts(debitId: string): Promise<AttemptRow[]>;
  listAttemptsForDebits(debitIds: readonly string[]): Promise<AttemptRow[]>;
  /**
   * Leases up to `limit` open attempts due for a status query by `now` (including `sending`
   * ones whose sender's lease ran out).
   */
  claimOpenAttempts(now: string, limit: number, owner: string, leaseUntil: string): Promise<AttemptRow[]>;
  /**
   * Applies `change` (from the transition table) to an attempt still in one of `change.from` and
   * leased to `owner`; false otherwise (fencing). A change the table did not issue is a bug.
   */
  updateAttempt(id: string, change: AttemptChange, owner: string, patch: AttemptPatch, at: string): Promise<boolean>;
  /** updateAttempt for many attempts at once; returns the attempts that moved, as they are now. */
  updateAttempts(updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string, at: string): Promise<AttemptRow[]>;

  /** Inserts an in-progress key; false when the key exists. */
  insertIdempotencyKey(row: IdempotencyRow): Promise<boolean>;
  getIdempotencyKey(merchantId: string, key: string): Promise<IdempotencyRow | null>;
  completeIdempotencyKey(merchantId: string, key: string, status: number, body: string): Promise<void>;
  deleteIdempotencyKey(merchantId: string, key: string): Promise<void>;
  /** Deletes at most `limit` keys created before `before`, oldest first; returns how many. */
  deleteIdempotencyKeysBefore(before: string, limit: number): Promise<number>;

  /** Writes a balanced transaction and updates cached balances; false if one of that kind already exists for the object. */
  /**
   * Posts ledger transactions, each balance moved once by the sum of its postings; returns the
   * ids of the entries posted (an object already posted for its kind is skipped: once per kind and
   * object, DESIGN-NOTES §3).
   */
  postLedgerTransactions(entries: readonly LedgerEntry[]): Promise<Set<string>>;
  listLedgerAccounts(ownerType?: string, ownerId?: string): Promise<LedgerAccountRow[]>;
  /** Accounts whose cached balance differs from the sum of their postings. */
  findUnbalancedLedgerAccounts(): Promise<{ id: string; balance: number; postings: number }[]>;
}

/**
 * Every method of the store, and `transaction` for the work it runs, rejects with
 * `UniqueViolation` when a unique index refuses a write. Nothing of that write was kept.
 */
export interface Store extends StoreTx {
  readonly engine: 'sqlite' | 'postgres';
  /**
   * Rows to decide and write at a time within one transaction (batch ingestion), as the engine
   * prefers: few on SQLite (in-process, so small parts cost nothing and let each part's objects
   * die young), unbounded on PostgreSQL (a round trip per statement).
   */
  readonly partRowsMax: number;
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A unique index refused a write (a reference, an agreement number or a name already taken,
 * often by a concurrent request). The store throws it in place of its driver's error, so that the
 * use cases and the HTTP edge never need to know the driver's codes.
 */
export class UniqueViolation extends Error {
  override readonly name = 'UniqueViolation';

  constructor(options?: { cause?: unknown }) {
    super('a unique index refused the write', options);
  }
}

/** Personal data at rest (DESIGN-NOTES §5): ciphertext and blind index. */
export interface PersonalDataVault {
  seal(plaintext: string): string;
  open(sealed: string): string;
  index(domain: 'account' | 'id_number' | 'phone' | 'idempotency_key', value: string): string;
  /** A 32-byte secret (hex) derived for one purpose, e.g. the key of uploaded batch files. */
  derive(purpose: string): string;
}

/** Opaque secrets (API keys); a port so that tests can make them deterministic. */
export interface SecretSource {
  randomToken(bytes: number): string;
}
