import { z } from 'zod';
import { MERCHANT_CATEGORIES } from '../../core/index.js';
import { listOf, Timestamp } from './common.js';

export const Merchant = z
  .strictObject({
    id: z.string().describe('mer_…'),
    object: z.literal('merchant'),
    name: z.string(),
    category: z.enum(MERCHANT_CATEGORIES),
    settlement_account: z.strictObject({
      account_number_masked: z.string(),
      bank_code: z.string(),
      region_code: z.string(),
      holder_name: z.string(),
    }),
    fee_plan: z.string().describe('The merchant fee plan, deducted from proceeds per succeeded debit'),
    payer_fee_plan: z.string().nullable().describe('The payer fee plan, charged on top of the amount; null: none'),
    auto_represent: z
      .strictObject({
        max: z.number().int().min(0).max(2).describe('Re-presentments made automatically of each failed original; 0: off'),
        after_business_days: z.number().int().min(1).max(5).describe('Business days after each failure before it is presented again'),
      })
      .describe('Failed debits with a retryable code presented again automatically (SPEC §14)'),
    created_at: Timestamp,
  })
  .meta({ id: 'Merchant' });

export const MerchantCreated = Merchant.extend({ api_key: z.string().describe('The merchant\'s first API key: shown this once, stored only as a hash') }).meta({
  id: 'MerchantCreated',
});

export const MerchantList = listOf(Merchant, 'MerchantList');

export const ApiKey = z
  .strictObject({
    id: z.string(),
    object: z.literal('api_key'),
    merchant_id: z.string().nullable(),
    prefix: z.string().describe('The key\'s first 12 characters, to recognise it by'),
    label: z.string(),
    created_at: Timestamp,
    revoked_at: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const ApiKeyIssued = ApiKey.extend({ key: z.string().describe('The key itself: shown this once') }).meta({ id: 'ApiKeyIssued' });

export const ApiKeyList = listOf(ApiKey, 'ApiKeyList');
