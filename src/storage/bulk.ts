import type { Selectable } from 'kysely';
import type { AttemptRow, BatchRowResult, DebitEventRow, DebitRow, MandateRow } from '../app/ports.js';
import type { LedgerAccountsTable, LedgerTransactionsTable, PostingsTable } from './schema.js';

/**
 * The tables that the hot paths write thousands of rows of per transaction (batch ingestion,
 * worker rounds), with their columns' types: each dialect (src/storage/dialects/) builds its
 * set-based statements from them, skipping the query builder — building and compiling a
 * statement of thousands of parameters costs more than running it.
 */
export interface BulkTable<Row> {
  name: string;
  columns: readonly { name: keyof Row & string; type: 'text' | 'int8' | 'int4' }[];
  /** A row's values in the order of `columns`, read by name so that property reads stay fast. */
  values(row: Row): unknown[];
}

const text = 'text' as const;
const int8 = 'int8' as const;
const int4 = 'int4' as const;

export const MANDATES_TABLE: BulkTable<MandateRow> = {
  name: 'mandates',
  columns: [
    { name: 'id', type: text },
    { name: 'merchant_id', type: text },
    { name: 'agreement_number', type: text },
    { name: 'status', type: text },
    { name: 'account_ciphertext', type: text },
    { name: 'account_index', type: text },
    { name: 'account_masked', type: text },
    { name: 'account_kind', type: text },
    { name: 'medium', type: text },
    { name: 'bank_code', type: text },
    { name: 'region_code', type: text },
    { name: 'holder_name', type: text },
    { name: 'id_number_ciphertext', type: text },
    { name: 'id_number_index', type: text },
    { name: 'id_number_masked', type: text },
    { name: 'phone_ciphertext', type: text },
    { name: 'phone_index', type: text },
    { name: 'phone_masked', type: text },
    { name: 'signed_at', type: text },
    { name: 'valid_from', type: text },
    { name: 'valid_until', type: text },
    { name: 'per_debit_max', type: int8 },
    { name: 'monthly_max', type: int8 },
    { name: 'revoked_at', type: text },
    { name: 'created_at', type: text },
  ],
  values: (r) => [r.id, r.merchant_id, r.agreement_number, r.status, r.account_ciphertext, r.account_index, r.account_masked, r.account_kind, r.medium, r.bank_code, r.region_code, r.holder_name, r.id_number_ciphertext, r.id_number_index, r.id_number_masked, r.phone_ciphertext, r.phone_index, r.phone_masked, r.signed_at, r.valid_from, r.valid_until, r.per_debit_max, r.monthly_max, r.revoked_at, r.created_at],
};

export const DEBITS_TABLE: BulkTable<DebitRow> = {
  name: 'debits',
  columns: [
    { name: 'id', type: text },
    { name: 'merchant_id', type: text },
    { name: 'mandate_id', type: text },
    { name: 'reference', type: text },
    { name: 'amount', type: int8 },
    { name: 'currency', type: text },
    { name: 'description', type: text },
    { name: 'metadata', type: text },
    { name: 'status', type: text },
    { name: 'business_date', type: text },
    { name: 'channel_id', type: text },
    { name: 'routing', type: text },
    { name: 'failure_code', type: text },
    { name: 'failure_message', type: text },
    { name: 'failure_retryable', type: int4 },
    { name: 'next_action_at', type: text },
    { name: 'attempt_count', type: int4 },
    { name: 'created_at', type: text },
    { name: 'updated_at', type: text },
    { name: 'channel_cost', type: int8 },
    { name: 'merchant_fee', type: int8 },
    { name: 'payer_fee', type: int8 },
    { name: 'merchant_fee_plan', type: text },
    { name: 'payer_fee_plan', type: text },
    { name: 'merchant_fee_subject', type: text },
    { name: 'payer_fee_subject', type: text },
    { name: 'batch_id', type: text },
  ],
  values: (r) => [r.id, r.merchant_id, r.mandate_id, r.reference, r.amount, r.currency, r.description, r.metadata, r.status, r.business_date, r.channel_id, r.routing, r.failure_code, r.failure_message, r.failure_retryable, r.next_action_at, r.attempt_count, r.created_at, r.updated_at, r.channel_cost, r.merchant_fee, r.payer_fee, r.merchant_fee_plan, r.payer_fee_plan, r.merchant_fee_subject, r.payer_fee_subject, r.batch_id],
};

export const DEBIT_EVENTS_TABLE: BulkTable<DebitEventRow> = {
  name: 'debit_events',
  columns: [
    { name: 'id', type: text },
    { name: 'debit_id', type: text },
    { name: 'type', type: text },
    { name: 'status', type: text },
    { name: 'at', type: text },
    { name: 'data', type: text },
  ],
  values: (r) => [r.id, r.debit_id, r.type, r.status, r.at, r.data],
};

export const BATCH_ROWS_TABLE: BulkTable<BatchRowResult> = {
  name: 'batch_rows',
  columns: [
    { name: 'batch_id', type: text },
    { name: 'row', type: int4 },
    { name: 'reference', type: text },
    { name: 'debit_id', type: text },
    { name: 'status', type: text },
    { name: 'column_name', type: text },
    { name: 'code', type: text },
    { name: 'message', type: text },
  ],
  values: (r) => [r.batch_id, r.row, r.reference, r.debit_id, r.status, r.column_name, r.code, r.message],
};

export const ATTEMPTS_TABLE: BulkTable<AttemptRow> = {
  name: 'attempts',
  columns: [
    { name: 'id', type: text },
    { name: 'debit_id', type: text },
    { name: 'attempt_number', type: int4 },
    { name: 'channel_id', type: text },
    { name: 'end_to_end_id', type: text },
    { name: 'state', type: text },
    { name: 'channel_reference', type: text },
    { name: 'failure_code', type: text },
    { name: 'failure_message', type: text },
    { name: 'next_query_at', type: text },
    { name: 'query_count', type: int4 },
    { name: 'lease_owner', type: text },
    { name: 'lease_until', type: text },
    { name: 'created_at', type: text },
    { name: 'updated_at', type: text },
  ],
  values: (r) => [r.id, r.debit_id, r.attempt_number, r.channel_id, r.end_to_end_id, r.state, r.channel_reference, r.failure_code, r.failure_message, r.next_query_at, r.query_count, r.lease_owner, r.lease_until, r.created_at, r.updated_at],
};

export const LEDGER_TRANSACTIONS_TABLE: BulkTable<Selectable<LedgerTransactionsTable>> = {
  name: 'ledger_transactions',
  columns: [
    { name: 'id', type: text },
    { name: 'kind', type: text },
    { name: 'ref_type', type: text },
    { name: 'ref_id', type: text },
    { name: 'at', type: text },
    { name: 'business_date', type: text },
  ],
  values: (r) => [r.id, r.kind, r.ref_type, r.ref_id, r.at, r.business_date],
};

export const LEDGER_ACCOUNTS_TABLE: BulkTable<Selectable<LedgerAccountsTable>> = {
  name: 'ledger_accounts',
  columns: [
    { name: 'id', type: text },
    { name: 'owner_type', type: text },
    { name: 'owner_id', type: text },
    { name: 'kind', type: text },
    { name: 'balance', type: int8 },
    { name: 'created_at', type: text },
  ],
  values: (r) => [r.id, r.owner_type, r.owner_id, r.kind, r.balance, r.created_at],
};

export const POSTINGS_TABLE: BulkTable<Selectable<PostingsTable>> = {
  name: 'postings',
  columns: [
    { name: 'transaction_id', type: text },
    { name: 'line', type: int4 },
    { name: 'account_id', type: text },
    { name: 'amount', type: int8 },
  ],
  values: (r) => [r.transaction_id, r.line, r.account_id, r.amount],
};
