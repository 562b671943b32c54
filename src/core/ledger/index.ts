import { invariant } from '../kernel/invariant.js';

/**
 * Double-entry ledger (SPEC §8, DESIGN-NOTES §3). Postings are signed integer fen: a debit
 * (money owed to us, costs) is positive, a credit (money we owe, revenue) negative. Every
 * transaction sums to zero; nothing is ever updated or deleted.
 */
export type LedgerAccountId = string;

export interface LedgerAccountRef {
  id: LedgerAccountId;
  ownerType: 'merchant' | 'channel' | 'platform';
  ownerId: string | null;
  kind: string;
}

export const accounts = {
  merchantPending: (merchantId: string): LedgerAccountRef => merchantAccount(merchantId, 'pending'),
  merchantAvailable: (merchantId: string): LedgerAccountRef => merchantAccount(merchantId, 'available'),
  merchantFees: (merchantId: string): LedgerAccountRef => merchantAccount(merchantId, 'fees'),
  channelClearing: (channelId: string): LedgerAccountRef => channelAccount(channelId, 'clearing'),
  channelPayable: (channelId: string): LedgerAccountRef => channelAccount(channelId, 'payable'),
  platform: (kind: 'fee_revenue' | 'payer_fee_revenue' | 'channel_cost'): LedgerAccountRef => ({
    id: `platform:${kind}`,
    ownerType: 'platform',
    ownerId: null,
    kind,
  }),
};

function merchantAccount(merchantId: string, kind: string): LedgerAccountRef {
  return { id: `merchant:${merchantId}:${kind}`, ownerType: 'merchant', ownerId: merchantId, kind };
}

function channelAccount(channelId: string, kind: string): LedgerAccountRef {
  return { id: `channel:${channelId}:${kind}`, ownerType: 'channel', ownerId: channelId, kind };
}

export interface Posting {
  account: LedgerAccountRef;
  amountFen: number;
}

export interface LedgerTransaction {
  kind: string;
  refType: string;
  refId: string;
  postings: Posting[];
}

/** The one way to build a ledger transaction: it refuses any that does not balance. */
export function ledgerTransaction(kind: string, refType: string, refId: string, postings: Posting[]): LedgerTransaction {
  const kept = postings.filter((posting) => posting.amountFen !== 0);
  invariant(kept.length >= 2, `ledger transaction ${kind} for ${refId} has fewer than two postings`);
  // Summed as BigInt: partial sums of safe integers can pass 2^53, where a float would round.
  let sum = 0n;
  for (const posting of kept) {
    invariant(Number.isSafeInteger(posting.amountFen), `posting of ${posting.amountFen} fen is not an integer`);
    sum += BigInt(posting.amountFen);
  }
  invariant(sum === 0n, `ledger transaction ${kind} for ${refId} sums to ${sum}, not 0`);
  return { kind, refType, refId, postings: kept };
}

export interface DebitSettlementAmounts {
  debitId: string;
  merchantId: string;
  channelId: string;
  amountFen: number;
  payerFeeFen: number;
  merchantFeeFen: number;
  channelCostFen: number;
}

/** The postings of a succeeded debit (DESIGN-NOTES §3); zero lines are left out. */
export function debitSucceededTransaction(d: DebitSettlementAmounts): LedgerTransaction {
  return ledgerTransaction('debit_succeeded', 'debit', d.debitId, [
    { account: accounts.channelClearing(d.channelId), amountFen: d.amountFen + d.payerFeeFen },
    { account: accounts.merchantPending(d.merchantId), amountFen: -d.amountFen + d.merchantFeeFen },
    { account: accounts.platform('payer_fee_revenue'), amountFen: -d.payerFeeFen },
    { account: accounts.platform('fee_revenue'), amountFen: -d.merchantFeeFen },
    { account: accounts.platform('channel_cost'), amountFen: d.channelCostFen },
    { account: accounts.channelPayable(d.channelId), amountFen: -d.channelCostFen },
  ]);
}

/**
 * A settlement (SPEC §14): the merchant's net of the debits it took moves from `pending` to
 * `available`. `netFen` may be negative (fees above amounts), never 0: a zero move is no
 * transaction, and the caller posts none.
 */
export function settlementTransaction(settlementId: string, merchantId: string, netFen: number): LedgerTransaction {
  return ledgerTransaction('settlement', 'settlement', settlementId, [
    { account: accounts.merchantPending(merchantId), amountFen: netFen },
    { account: accounts.merchantAvailable(merchantId), amountFen: -netFen },
  ]);
}
