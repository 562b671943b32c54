import { z } from 'zod';
import { listOf, Timestamp } from './common.js';

export const BATCH_STATUSES = ['processing', 'completed', 'failed'] as const;
export const BATCH_KINDS = ['debit', 'payout'] as const;

export const Batch = z
  .strictObject({
    id: z.string().describe('bat_…'),
    object: z.literal('batch'),
    merchant_id: z.string(),
    format: z.string().describe('csv, pain.008 or pain.001'),
    kind: z.enum(BATCH_KINDS).describe('What the rows became: debits, or payouts (a CSV sent with kind=payout, or a pain.001)'),
    status: z.enum(BATCH_STATUSES).describe('failed: the file could not be read to the end; the rows read before stand'),
    counts: z
      .strictObject({ rows: z.number().int(), accepted: z.number().int(), rejected: z.number().int(), succeeded: z.number().int(), failed: z.number().int() })
      .describe('As processing goes; rejected counts rows refused at validation and debits (payouts) refused by daikou; succeeded and failed count the batch\'s debits, or payouts'),
    error: z
      .looseObject({
        code: z.string(),
        detail: z.string(),
        row: z.number().int().nullable(),
        column: z.string().nullable(),
        line: z.number().int().nullable(),
        byte_offset: z.number().int().nullable(),
      })
      .nullable()
      .describe('Why a failed batch failed, and where in the file'),
    file_sha256: z.string().describe('The same file (by this hash) submitted twice is one batch'),
    created_at: Timestamp,
    completed_at: Timestamp.nullable(),
  })
  .meta({ id: 'Batch' });

export const BatchList = listOf(Batch, 'BatchList');
