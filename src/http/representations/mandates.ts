import { z } from 'zod';
import { ACCOUNT_KINDS, MEDIA } from '../../core/index.js';
import { BusinessDate, Fen, listOf, Timestamp } from './common.js';

export const Mandate = z
  .strictObject({
    id: z.string().describe('mdt_…'),
    object: z.literal('mandate'),
    merchant_id: z.string(),
    agreement_number: z.string().describe('The merchant\'s own number for the signed agreement'),
    status: z.enum(['active', 'revoked', 'expired']).describe('expired: past valid_until on the clock\'s business date'),
    payer: z.strictObject({
      account_number_masked: z.string(),
      account_kind: z.enum(ACCOUNT_KINDS),
      medium: z.enum(MEDIA),
      bank_code: z.string().nullable(),
      region_code: z.string().nullable(),
      holder_name: z.string().nullable(),
      id_number_masked: z.string().nullable(),
      phone_masked: z.string().nullable(),
    }),
    signed_at: Timestamp,
    valid_from: BusinessDate.nullable(),
    valid_until: BusinessDate.nullable(),
    limits: z.strictObject({ per_debit_max: Fen.nullable(), monthly_max: Fen.nullable() }),
    revoked_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'Mandate' });

export const MandateList = listOf(Mandate, 'MandateList');
