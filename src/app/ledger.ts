import type { AppContext } from './context.js';

/**
 * Reading the ledger. Postings are signed (debits positive, credits negative); what daikou owes
 * a merchant is a credit, so merchant balances are shown negated: a positive `pending` is money
 * collected for the merchant.
 */
export async function merchantBalances(ctx: AppContext, merchantId: string): Promise<Record<'pending' | 'available' | 'fees', number>> {
  const rows = await ctx.store.listLedgerAccounts('merchant', merchantId);
  const byKind = new Map(rows.map((row) => [row.kind, row.balance]));
  const shown = (kind: string) => -(byKind.get(kind) ?? 0) || 0;
  return { pending: shown('pending'), available: shown('available'), fees: shown('fees') };
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
