import { z } from 'zod';
import { listOf, Timestamp } from './common.js';

export const BATCH_STATUSES = ['processing', 'completed', 'failed'] as const;

export const Batch = z
  .strictObject({
    id: z.string().describe('bat_…'),
    object: z.literal('batch'),
    merchant_id: z.string(),
    format: z.string().describe('csv or pain.008'),
    status: z.enum(BATCH_STATUSES).describe('failed: the file could not be read to the end; the rows read before stand'),
    counts: z
      .strictObject({ rows: z.number().int(), accepted: z.number().int(), rejected: z.number().int(), succeeded: z.number().int(), failed: z.number().int() })
      .describe('As processing goes; rejected counts rows refused at validation and debits refused by daikou'),
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
