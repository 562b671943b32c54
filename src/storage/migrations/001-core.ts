import { sql, type Kysely } from 'kysely';

/**
 * The first schema: merchants, keys, mandates, channels, debits and their attempts, idempotency,
 * and the ledger. `kysely` is untyped here on purpose: a migration describes the schema as it was
 * at that point, not as `Database` says it is today.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('merchants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('settlement_account_ciphertext', 'text', (c) => c.notNull())
    .addColumn('settlement_account_index', 'text', (c) => c.notNull())
    .addColumn('settlement_account_masked', 'text', (c) => c.notNull())
    .addColumn('settlement_bank_code', 'text', (c) => c.notNull())
    .addColumn('settlement_region_code', 'text', (c) => c.notNull())
    .addColumn('settlement_holder_name', 'text', (c) => c.notNull())
    .addColumn('fee_plan', 'text', (c) => c.notNull())
    .addColumn('payer_fee_plan', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('merchant_id', 'text', (c) => c.references('merchants.id'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('mandates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('agreement_number', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('account_ciphertext', 'text', (c) => c.notNull())
    .addColumn('account_index', 'text', (c) => c.notNull())
    .addColumn('account_masked', 'text', (c) => c.notNull())
    .addColumn('account_kind', 'text', (c) => c.notNull())
    .addColumn('medium', 'text', (c) => c.notNull())
    .addColumn('bank_code', 'text')
    .addColumn('region_code', 'text')
    .addColumn('holder_name', 'text')
    .addColumn('id_number_ciphertext', 'text')
    .addColumn('id_number_index', 'text')
    .addColumn('id_number_masked', 'text')
    .addColumn('phone_ciphertext', 'text')
    .addColumn('phone_index', 'text')
    .addColumn('phone_masked', 'text')
    .addColumn('signed_at', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'text')
    .addColumn('valid_until', 'text')
    .addColumn('per_debit_max', 'bigint')
    .addColumn('monthly_max', 'bigint')
    .addColumn('revoked_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('mandates_agreement_unique', ['merchant_id', 'agreement_number'])
    .execute();
  await db.schema.createIndex('mandates_by_account').on('mandates').columns(['merchant_id', 'account_index']).execute();
  await db.schema.createIndex('mandates_by_merchant').on('mandates').columns(['merchant_id', 'id']).execute();

  await db.schema
    .createTable('mandate_usage')
    .addColumn('mandate_id', 'text', (c) => c.notNull().references('mandates.id'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mandate_usage_pk', ['mandate_id', 'month'])
    .execute();

  await db.schema
    .createTable('channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('region_code', 'text')
    .addColumn('bank_code', 'text')
    .addColumn('capabilities', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('debits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
    .addColumn('mandate_id', 'text', (c) => c.references('mandates.id'))
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('metadata', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('business_date', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.references('channels.id'))
    .addColumn('routing', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('failure_retryable', 'integer')
    .addColumn('next_action_at', 'text')
    .addColumn('attempt_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // A reference is unique per merchant among debits that were not rejected (SPEC §5).
  await db.schema
    .createIndex('debits_reference_unique')
    .on('debits')
    .columns(['merchant_id', 'reference'])
    .unique()
    .where(sql.ref('status'), '<>', 'rejected')
    .execute();
  await db.schema.createIndex('debits_by_merchant').on('debits').columns(['merchant_id', 'id']).execute();
  await db.schema.createIndex('debits_by_mandate').on('debits').columns(['mandate_id', 'id']).execute();
  // Only pending debits are waiting for the submit worker; keep its scan small.
  await db.schema
    .createIndex('debits_pending')
    .on('debits')
    .columns(['next_action_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  await db.schema
    .createTable('debit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('debit_id', 'text', (c) => c.notNull().references('debits.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('data', 'text')
    .execute();
  await db.schema.createIndex('debit_events_by_debit').on('debit_events').columns(['debit_id', 'id']).execute();

  await db.schema
    .createTable('attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('debit_id', 'text', (c) => c.notNull().references('debits.id'))
    .addColumn('attempt_number', 'integer', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('end_to_end_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('channel_reference', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('next_query_at', 'text')
    .addColumn('query_count', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('attempts_number_unique', ['debit_id', 'attempt_number'])
    .execute();
  // Attempts whose outcome daikou still has to learn; final ones drop out of this index.
  await db.schema
    .createIndex('attempts_open')
    .on('attempts')
    .columns(['next_query_at'])
    .where(sql.ref('state'), 'in', ['sending', 'accepted', 'unknown'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['merchant_id', 'key'])
    .execute();

  await db.schema
    .createTable('ledger_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_type', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('balance', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('ledger_transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref_type', 'text', (c) => c.notNull())
    .addColumn('ref_id', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    // One posting of each kind per object: a retried worker cannot post a debit twice.
    .addUniqueConstraint('ledger_transactions_once', ['kind', 'ref_type', 'ref_id'])
    .execute();

  await db.schema
    .createTable('postings')
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('ledger_transactions.id'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('ledger_accounts.id'))
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('postings_pk', ['transaction_id', 'line'])
    .execute();
  await db.schema.createIndex('postings_by_account').on('postings').columns(['account_id']).execute();
}
