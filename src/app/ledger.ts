import type { AppContext } from './context.js';

/**
 * Reading the ledger. Postings are signed (debits positive, credits negative); what daikou owes
 * a merchant is a credit, so merchant balances are shown negated: a positive `pending` is money
 * collected for the merchant.
 */
/**
 * What daikou owes a merchant, in fen. Merchant fees are deducted from `pending` as each debit
 * succeeds, so they are not a balance of their own: each debit shows its fees, and the margin
 * report sums them (the `merchant:<id>:fees` account is never posted to).
 */
export async function merchantBalances(ctx: AppContext, merchantId: string): Promise<Record<'pending' | 'available' | 'reserved', number>> {
  const rows = await ctx.store.listLedgerAccounts('merchant', merchantId);
  const byKind = new Map(rows.map((row) => [row.kind, row.balance]));
  const shown = (kind: string) => -(byKind.get(kind) ?? 0) || 0;
  // `reserved` is held from `available` for payouts on their way (0 until an account of that kind exists).
  return { pending: shown('pending'), available: shown('available'), reserved: shown('reserved') };
}

export interface TrialBalance {
  accounts: { account: string; balance: number }[];
  total: number;
  balanced: boolean;
  /** Accounts whose cached balance differs from their postings; always empty unless there is a bug. */
  mismatched: { account: string; balance: number; postings: number }[];
}

export async function trialBalance(ctx: AppContext): Promise<TrialBalance> {
  const [rows, mismatched] = await Promise.all([ctx.store.listLedgerAccounts(), ctx.store.findUnbalancedLedgerAccounts()]);
  const total = rows.reduce((sum, row) => sum + row.balance, 0);
  return {
    accounts: rows.map((row) => ({ account: row.id, balance: row.balance })),
    total,
    balanced: total === 0 && mismatched.length === 0,
    mismatched: mismatched.map((row) => ({ account: row.id, balance: row.balance, postings: row.postings })),
  };
}

export interface MarginLine {
  merchant_id: string;
  channel: string;
  date: string;
  debits: number;
  /** Merchant fees plus payer fees. */
  revenue: number;
  fee_revenue: number;
  payer_fee_revenue: number;
  channel_cost: number;
  margin: number;
}

/**
 * The margin report (SPEC §7), read from the ledger's postings, so that it adds up to the
 * platform accounts by construction: revenue from `platform:fee_revenue` and
 * `platform:payer_fee_revenue`, cost from `platform:channel_cost`.
 */
export async function marginReport(ctx: AppContext, from: string, to: string, merchantId?: string): Promise<{ from: string; to: string; lines: MarginLine[]; totals: Omit<MarginLine, 'merchant_id' | 'channel' | 'date'> }> {
  const rows = await ctx.store.marginReport(from, to, merchantId);
  const lines = rows.map((row) => ({
    merchant_id: row.merchant_id,
    channel: row.channel_id,
    date: row.business_date,
    debits: row.debits,
    revenue: row.fee_revenue + row.payer_fee_revenue,
    fee_revenue: row.fee_revenue,
    payer_fee_revenue: row.payer_fee_revenue,
    channel_cost: row.channel_cost,
    margin: row.fee_revenue + row.payer_fee_revenue - row.channel_cost,
  }));
  const totals = { debits: 0, revenue: 0, fee_revenue: 0, payer_fee_revenue: 0, channel_cost: 0, margin: 0 };
  for (const line of lines) {
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += line[key];
  }
  return { from, to, lines, totals };
}
