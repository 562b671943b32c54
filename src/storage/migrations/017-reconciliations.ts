import { sql, type Kysely } from 'kysely';

/**
 * Reconciliation (SPEC §15, issue 12; docs/reconciliation.md).
 *
 * `reconciliations`: one row per run of a (channel, business date); a later run supersedes the
 * earlier ones once it completes. `reconciliation_lines`: the statement's entries, loaded in bulk
 * and matched by joins on (channel, end_to_end_id); the lines of the latest run of a date are
 * kept (the next date's run reads them, see docs/reconciliation.md), a superseded run's are
 * deleted. `reconciliation_exceptions`: one row per discrepancy, both sides' values, and its
 * resolution.
 *
 * The attempts tables get an index on (channel_id, end_to_end_id), the key the statement's lines
 * are matched on. The attempts decided on a date are found by a scan of the channel's attempts
 * (once a run): an index on `updated_at` would be rewritten by every status change of the worker.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  let reconciliations = db.schema
    .createTable('reconciliations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull().references('channels.id'))
    .addColumn('business_date', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('format', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('requested_by', 'text');
  for (const column of [
    'lines', 'matched', 'missing_in_daikou', 'missing_in_statement', 'amount_mismatch', 'status_mismatch', 'duplicate',
    'statement_debit_count', 'statement_debit_amount', 'statement_credit_count', 'statement_credit_amount',
    'daikou_debit_count', 'daikou_debit_amount', 'daikou_credit_count', 'daikou_credit_amount',
  ]) {
    reconciliations = reconciliations.addColumn(column, 'bigint');
  }
  await reconciliations
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addCheckConstraint('reconciliations_source_known', sql.raw(`source in ('file', 'channel')`))
    .addCheckConstraint('reconciliations_format_known', sql.raw(`format in ('csv', 'camt.053')`))
    .addCheckConstraint('reconciliations_status_known', sql.raw(`status in ('processing', 'completed', 'failed', 'superseded')`))
    .execute();
  await db.schema.createIndex('reconciliations_by_day').on('reconciliations').columns(['channel_id', 'business_date', 'id']).execute();

  await db.schema
    .createTable('reconciliation_lines')
    .addColumn('reconciliation_id', 'text', (c) => c.notNull().references('reconciliations.id'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('channel_reference', 'text')
    .addColumn('end_to_end_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('settled_at', 'text')
    .addPrimaryKeyConstraint('reconciliation_lines_pk', ['reconciliation_id', 'line'])
    .execute();
  // The match reads a run's lines by instruction, in line order: no sort for the duplicates' row_number.
  await db.schema.createIndex('reconciliation_lines_by_key').on('reconciliation_lines').columns(['reconciliation_id', 'end_to_end_id', 'direction', 'line']).execute();

  await db.schema
    .createTable('reconciliation_exceptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reconciliation_id', 'text', (c) => c.notNull().references('reconciliations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('end_to_end_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('line', 'integer')
    .addColumn('channel_reference', 'text')
    .addColumn('statement_amount', 'bigint')
    .addColumn('statement_status', 'text')
    .addColumn('instruction_id', 'text')
    .addColumn('merchant_id', 'text')
    .addColumn('daikou_amount', 'bigint')
    .addColumn('daikou_status', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolution_action', 'text')
    .addColumn('resolution_reason', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('ledger_transaction_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    // Checked at commit: a resolution marks the exception, then posts the transaction it names.
    .addForeignKeyConstraint('reconciliation_exceptions_ledger_transaction_fk', ['ledger_transaction_id'], 'ledger_transactions', ['id'], (fk) => fk.deferrable().initiallyDeferred())
    .addCheckConstraint('reconciliation_exceptions_kind_known', sql.raw(`kind in ('missing_in_daikou', 'missing_in_statement', 'amount_mismatch', 'status_mismatch', 'duplicate')`))
    .addCheckConstraint('reconciliation_exceptions_status_known', sql.raw(`status in ('open', 'resolved', 'superseded')`))
    .addCheckConstraint('reconciliation_exceptions_action_known', sql.raw(`resolution_action in ('accept', 'adjust', 'write_off')`))
    .execute();
  await db.schema.createIndex('reconciliation_exceptions_by_run').on('reconciliation_exceptions').columns(['reconciliation_id', 'id']).execute();
  // A re-run finds the resolutions of the earlier runs by instruction.
  await db.schema.createIndex('reconciliation_exceptions_by_end_to_end').on('reconciliation_exceptions').columns(['end_to_end_id']).execute();

  await db.schema.createIndex('attempts_by_end_to_end').on('attempts').columns(['channel_id', 'end_to_end_id']).execute();
  await db.schema.createIndex('payout_attempts_by_end_to_end').on('payout_attempts').columns(['channel_id', 'end_to_end_id']).execute();
}
