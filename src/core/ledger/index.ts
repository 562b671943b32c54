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
  /** Money of accepted payouts that have not ended: out of `available`, not yet paid. */
  merchantReserved: (merchantId: string): LedgerAccountRef => merchantAccount(merchantId, 'reserved'),
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

export interface PayoutAmounts {
  payoutId: string;
  merchantId: string;
  channelId: string;
  amountFen: number;
  /** The merchant's fee for the payout, reserved with the amount and taken when it succeeds. */
  feeFen: number;
  channelCostFen: number;
}

/**
 * Accepting a payout (SPEC §14): `amount + fee` leaves the merchant's `available` for its
 * `reserved`. Storage posts it only if `available` stays a credit (see reserveFromAvailable).
 */
export function payoutReservedTransaction(p: PayoutAmounts): LedgerTransaction {
  return ledgerTransaction('payout_reserved', 'payout', p.payoutId, [
    { account: accounts.merchantAvailable(p.merchantId), amountFen: p.amountFen + p.feeFen },
    { account: accounts.merchantReserved(p.merchantId), amountFen: -(p.amountFen + p.feeFen) },
  ]);
}

/**
 * A payout the channel paid: the reservation is used up — the amount is owed to the channel that
 * paid it out of its clearing position, the fee is revenue — and the channel's cost is posted as
 * for a debit.
 */
export function payoutSucceededTransaction(p: PayoutAmounts, kind: 'payout_succeeded' | 'refund_succeeded' = 'payout_succeeded'): LedgerTransaction {
  return ledgerTransaction(kind, 'payout', p.payoutId, [
    { account: accounts.merchantReserved(p.merchantId), amountFen: p.amountFen + p.feeFen },
    { account: accounts.channelClearing(p.channelId), amountFen: -p.amountFen },
    { account: accounts.platform('fee_revenue'), amountFen: -p.feeFen },
    { account: accounts.platform('channel_cost'), amountFen: p.channelCostFen },
    { account: accounts.channelPayable(p.channelId), amountFen: -p.channelCostFen },
  ]);
}

/** A payout that failed: its reservation goes back to `available`. */
export function payoutReleasedTransaction(p: Pick<PayoutAmounts, 'payoutId' | 'merchantId' | 'amountFen' | 'feeFen'>): LedgerTransaction {
  return ledgerTransaction('payout_released', 'payout', p.payoutId, [
    { account: accounts.merchantReserved(p.merchantId), amountFen: p.amountFen + p.feeFen },
    { account: accounts.merchantAvailable(p.merchantId), amountFen: -(p.amountFen + p.feeFen) },
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

export interface RefundAmounts {
  /** The refund's payout row. */
  payoutId: string;
  merchantId: string;
  /** Out of (or back into) `pending`. */
  pendingFen: number;
  /** Out of (or back into) `available`. */
  availableFen: number;
}

/**
 * Accepting a refund (SPEC §14): its amount leaves the merchant's `pending` and `available` (as
 * `refundDraw` split it) for `reserved`, as a payout's does. Storage guards the `available` part
 * as a payout's (it posts only if `available` stays a credit). A refund has no fee of its own.
 */
export function refundReservedTransaction(r: RefundAmounts): LedgerTransaction {
  return ledgerTransaction('refund_reserved', 'payout', r.payoutId, [
    { account: accounts.merchantAvailable(r.merchantId), amountFen: r.availableFen },
    { account: accounts.merchantPending(r.merchantId), amountFen: r.pendingFen },
    { account: accounts.merchantReserved(r.merchantId), amountFen: -(r.pendingFen + r.availableFen) },
  ]);
}

/** A refund that failed: its reservation goes back — to `pending` the part its debit's settlement has not moved yet, the rest to `available`. */
export function refundReleasedTransaction(r: RefundAmounts): LedgerTransaction {
  return ledgerTransaction('refund_released', 'payout', r.payoutId, [
    { account: accounts.merchantReserved(r.merchantId), amountFen: r.pendingFen + r.availableFen },
    { account: accounts.merchantAvailable(r.merchantId), amountFen: -r.availableFen },
    { account: accounts.merchantPending(r.merchantId), amountFen: -r.pendingFen },
  ]);
}
