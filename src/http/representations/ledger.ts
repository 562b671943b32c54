import { z } from 'zod';
import { BusinessDate, Currency, Fen } from './common.js';

export const Balances = z
  .strictObject({
    object: z.literal('balances'),
    merchant_id: z.string(),
    currency: Currency,
    pending: Fen.describe('Collected from payers and not yet settled, net of the merchant fees already deducted'),
    available: Fen.describe('Settled (T+1, SPEC §14) and available to the merchant'),
    reserved: Fen.describe('Held from available for accepted payouts that have not ended (amount + fee each): paid out when they succeed, back to available when they fail'),
  })
  .meta({ id: 'Balances', description: 'A merchant\'s balances in fen. Fees are not a balance: each debit shows its own in fees, and GET /v1/reports/margin sums them.' });

export const TrialBalance = z
  .strictObject({
    object: z.literal('trial_balance'),
    currency: Currency,
    accounts: z.array(z.strictObject({ account: z.string().describe('merchant:<id>:pending, channel:<id>:clearing, platform:fee_revenue, …'), balance: Fen })),
    total: Fen.describe('Always 0: every transaction sums to zero'),
    balanced: z.boolean(),
    mismatched: z.array(z.strictObject({ account: z.string(), balance: Fen, postings: Fen })).describe('Accounts whose cached balance differs from their postings: empty unless there is a bug'),
  })
  .meta({ id: 'TrialBalance' });

const MarginFigures = {
  debits: z.number().int(),
  revenue: Fen.describe('fee_revenue + payer_fee_revenue'),
  fee_revenue: Fen,
  payer_fee_revenue: Fen,
  channel_cost: Fen,
  margin: Fen,
};

export const MarginReport = z
  .strictObject({
    object: z.literal('margin_report'),
    currency: Currency,
    from: BusinessDate,
    to: BusinessDate,
    lines: z.array(z.strictObject({ merchant_id: z.string(), channel: z.string(), date: BusinessDate, ...MarginFigures })),
    totals: z.strictObject(MarginFigures),
  })
  .meta({ id: 'MarginReport', description: 'Revenue, channel cost and margin by merchant, channel and business date, read from the ledger' });
