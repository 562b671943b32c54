import { z } from 'zod';
import { EXCEPTION_KINDS, EXCEPTION_STATUSES, RECONCILIATION_SOURCES, RECONCILIATION_STATUSES, RESOLUTION_ACTIONS, STATEMENT_DIRECTIONS, STATEMENT_FORMATS } from '../../core/index.js';
import { BusinessDate, Currency, Fen, listOf, Timestamp } from './common.js';

const Side = z
  .strictObject({
    debit: z.strictObject({ count: z.number().int().min(0), amount: Fen.describe('Succeeded collections, fen') }),
    credit: z.strictObject({ count: z.number().int().min(0), amount: Fen.describe('Succeeded payouts and refunds, fen') }),
  })
  .meta({ id: 'ReconciliationTotals' });

export const Reconciliation = z
  .strictObject({
    id: z.string().describe('rcn_… (SPEC §2; §15 writes rec_)'),
    object: z.literal('reconciliation'),
    channel: z.string(),
    business_date: BusinessDate.describe('The date the channel decided the instructions on (Asia/Shanghai)'),
    source: z.enum(RECONCILIATION_SOURCES).describe('file: uploaded; channel: fetched from the channel'),
    format: z.enum(STATEMENT_FORMATS).nullable(),
    status: z.enum(RECONCILIATION_STATUSES).describe('superseded: a later run of the same channel and date replaced it'),
    failure: z.strictObject({ code: z.string(), message: z.string() }).nullable().describe('Why a failed run failed: invalid_statement, totals_mismatch, statement_mismatch, statement_not_ready, statement_not_served, channel_unreachable'),
    counts: z
      .strictObject({
        lines: z.number().int().min(0),
        matched: z.number().int().min(0),
        missing_in_daikou: z.number().int().min(0),
        missing_in_statement: z.number().int().min(0),
        amount_mismatch: z.number().int().min(0),
        status_mismatch: z.number().int().min(0),
        duplicate: z.number().int().min(0),
      })
      .nullable()
      .describe('lines = matched + missing_in_daikou + amount_mismatch + status_mismatch + duplicate; null until completed'),
    totals: z
      .strictObject({ statement: Side, daikou: Side, currency: Currency })
      .nullable()
      .describe('Per direction, the entries and their succeeded amount: as the statement lists them, and over daikou\'s side (the attempts the lines matched and those missing in the statement)'),
    requested_by: z.string().nullable().describe('The API key that asked for it; null when the workers did'),
    created_at: Timestamp,
    completed_at: Timestamp.nullable(),
  })
  .meta({ id: 'Reconciliation', description: 'A channel\'s statement of one business date matched against daikou (SPEC §15)' });

export const ReconciliationList = listOf(Reconciliation, 'ReconciliationList');

export const ReconciliationCreated = z.strictObject({ id: z.string(), object: z.literal('reconciliation'), status: z.enum(RECONCILIATION_STATUSES) }).meta({ id: 'ReconciliationCreated' });

export const ReconciliationException = z
  .strictObject({
    id: z.string(),
    object: z.literal('reconciliation_exception'),
    reconciliation_id: z.string(),
    kind: z.enum(EXCEPTION_KINDS),
    channel: z.string(),
    end_to_end_id: z.string(),
    direction: z.enum(STATEMENT_DIRECTIONS),
    statement: z
      .strictObject({ line: z.number().int().min(1), channel_reference: z.string().nullable(), amount: Fen, status: z.string() })
      .nullable()
      .describe('The statement\'s side; null for missing_in_statement'),
    daikou: z
      .strictObject({ instruction_id: z.string(), merchant_id: z.string(), amount: Fen.describe('What the channel was asked for (a debit\'s amount + payer fee)'), status: z.string().describe('The attempt\'s state on the channel') })
      .nullable()
      .describe('daikou\'s side; null for missing_in_daikou'),
    difference: Fen.describe('Money the channel moved that daikou did not book (negative: booked and not moved); what adjust and write_off post'),
    status: z.enum(EXCEPTION_STATUSES),
    resolution: z
      .strictObject({ action: z.enum(RESOLUTION_ACTIONS), reason: z.string(), resolved_by: z.string(), resolved_at: Timestamp, ledger_transaction_id: z.string().nullable() })
      .nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'ReconciliationException', description: 'One discrepancy between a statement and daikou, with both sides\' values' });

export const ReconciliationExceptionList = listOf(ReconciliationException, 'ReconciliationExceptionList');
