import { invariant } from '../kernel/invariant.js';
import type { FeeSchedule } from '../fees/schedule.js';

/**
 * Why daikou refused a payout before it left (SPEC §14), in order of precedence: when several
 * apply, the first one listed is reported. A refused payout is stored `rejected` with its code,
 * as a debit is; it holds no reference and no money.
 */
export const PAYOUT_REJECTION_CODES = ['invalid_payee', 'no_eligible_channel', 'insufficient_balance'] as const;
export type PayoutRejectionCode = (typeof PAYOUT_REJECTION_CODES)[number];

export const PAYOUT_REJECTION_MESSAGES = {
  invalid_payee: "The payee's bank cannot be told: give bank_code (a card whose BIN is listed names its bank itself).",
  no_eligible_channel: 'No channel may carry this payout today.',
  insufficient_balance: "The amount and its fee are more than the merchant's available balance.",
} as const satisfies Record<PayoutRejectionCode, string>;

/** The kinds of payout: `payout` to any payee; `refund`, a succeeded debit's money back to its payer. */
export const PAYOUT_KINDS = ['payout', 'refund'] as const;
export type PayoutKind = (typeof PAYOUT_KINDS)[number];

/**
 * What a merchant plan charges per payout when it names no `payout` schedule of its own: a fixed
 * 1.00 yuan, whatever the amount (SPEC §7 leaves the price to the plan; this is the default's).
 */
export const PAYOUT_FEE_DEFAULT: FeeSchedule = { fixed: 100 };

/**
 * The reservation arithmetic (SPEC §8, §14), in the ledger's sign convention: what daikou owes a
 * merchant is a credit, so the `available` account's balance is ≤ 0 and a reservation of `x` fen
 * moves it by `+x`. It is allowed while the balance stays ≤ 0 — the same condition storage writes
 * in its conditional update (`… where balance + x <= 0`), so that concurrent reservations are
 * checked one after another by the database. Returns the balance after, or null when refused.
 */
export function reserveFromAvailable(availableBalanceFen: number, reservationFen: number): number | null {
  invariant(Number.isSafeInteger(availableBalanceFen) && Number.isSafeInteger(reservationFen) && reservationFen > 0, 'a reservation is a positive integer of fen');
  const after = availableBalanceFen + reservationFen;
  return after <= 0 ? after : null;
}

/** Why a refund request is refused (SPEC §14); nothing is written. */
export const REFUND_REFUSALS = ['debit_not_refundable', 'refund_exceeds_debit'] as const;
export type RefundRefusal = (typeof REFUND_REFUSALS)[number];

export const REFUND_REFUSAL_MESSAGES = {
  debit_not_refundable: 'Only a succeeded debit can be refunded.',
  refund_exceeds_debit: 'The refund is more than what is left to refund of this debit.',
} as const satisfies Record<RefundRefusal, string>;

/** What a refund needs to know of its debit, held locked by the caller. */
export interface RefundableDebit {
  amountFen: number;
  merchantFeeFen: number;
  /** What earlier refunds took out of `pending` while the debit was unsettled (`debits.refunded_from_pending`). */
  refundedFromPendingFen: number;
  /** Whether a settlement has taken the debit (its net is in `available` then, not `pending`). */
  settled: boolean;
}

/** Where a refund's money comes from: fen out of `pending`, then fen out of `available`. */
export interface RefundDraw {
  pendingFen: number;
  availableFen: number;
}

/**
 * The draw arithmetic of a refund (SPEC §14: "it draws on the merchant's `pending`, then
 * `available`"), per debit: while the debit is unsettled its net (`amount − merchant fee`) sits in
 * `pending`, and a refund takes what is left of that net there first; the rest — the fee the
 * merchant keeps, or all of it once the debit is settled — comes out of `available`. Drawing only
 * the debit's own net keeps `pending` equal to the sum of the unsettled debits' nets less what
 * refunds took out of them, which is what settlement moves (it subtracts `refunded_from_pending`).
 */
export function refundDraw(debit: RefundableDebit, refundFen: number): RefundDraw {
  invariant(Number.isSafeInteger(refundFen) && refundFen > 0 && refundFen <= debit.amountFen, 'a refund is a positive integer of fen, at most the debit');
  const netLeftFen = debit.settled ? 0 : Math.max(0, debit.amountFen - debit.merchantFeeFen - debit.refundedFromPendingFen);
  const pendingFen = Math.min(refundFen, netLeftFen);
  return { pendingFen, availableFen: refundFen - pendingFen };
}
