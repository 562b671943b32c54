import { z } from 'zod';
import { SETTLEMENT_STATUSES } from '../../core/index.js';
import { BusinessDate, Currency, Fen, listOf, Timestamp } from './common.js';

export const Settlement = z
  .strictObject({
    id: z.string().describe('stl_…'),
    object: z.literal('settlement'),
    merchant_id: z.string(),
    business_date: BusinessDate.describe('The business date of the debits settled'),
    sequence: z.number().int().min(1).describe('1 for the day\'s settlement; 2, 3, … for debits of the same day that succeeded after it ran'),
    settles_on: BusinessDate.describe('The first business day after business_date (T+1, Chinese public holidays and make-up working days counted)'),
    status: z.enum(SETTLEMENT_STATUSES),
    count: z.number().int().min(1).describe('Debits settled'),
    amount: Fen.describe('Their net (amount − merchant fee), moved from pending to available'),
    currency: Currency,
    ledger_transaction_id: z.string().nullable().describe('The pending → available ledger transaction; null when the net is 0'),
    created_at: Timestamp.describe('When the money moved'),
  })
  .meta({ id: 'Settlement', description: 'The succeeded debits of one merchant and business date, settled together (SPEC §14)' });

export const SettlementList = listOf(Settlement, 'SettlementList');

export const SettlementRun = z
  .strictObject({
    object: z.literal('settlement_run'),
    today: BusinessDate.describe('The Shanghai date the run settled for: every business date whose settles_on is on or before it'),
    settlements: z.array(Settlement).describe('What this run settled; a merchant-day another run settled is not repeated'),
    waiting: z
      .array(
        z.strictObject({
          business_date: BusinessDate,
          count: z.number().int().min(1).describe('Succeeded debits of the date still unsettled, all merchants'),
          code: z.enum(['not_yet_due', 'calendar_not_covered']),
          settles_on: BusinessDate.nullable().describe('When they are due; null when the business calendar cannot say'),
          detail: z.string(),
        }),
      )
      .describe('Succeeded debits left unsettled, by business date: not due yet, or past the end of the business calendar (the next year\'s arrangement is not yet in its table; they settle once it is)'),
    has_more: z.boolean().describe('More was due than one run takes; run again'),
  })
  .meta({ id: 'SettlementRun' });
