import type { DebitRow } from './debit-store.js';
import type { Page, PageRequest } from './page.js';
import type { PayoutRow } from './payout-store.js';

/**
 * Refunds (SPEC §14): the debit's refundable amount, raised and lowered by conditional updates
 * that also hold the debit's row for the rest of the transaction — so that refunds of one debit,
 * and a settlement taking it, are decided one after another.
 */
export interface RefundStore {
  /**
   * Adds `amountFen` to the succeeded debit's `refunded_amount` if the sum stays within its
   * amount (one conditional UPDATE); returns the debit as it is now, or null when it is not
   * succeeded or the refund does not fit. The row stays locked until the transaction ends.
   */
  raiseRefundedAmount(debitId: string, amountFen: number): Promise<DebitRow | null>;
  /** Records that a refund of the (locked, unsettled) debit drew `fen` out of `pending`. */
  addRefundedFromPending(debitId: string, fen: number): Promise<void>;
  /**
   * A failed refund gives back its amount to the debit's refundable amount and, while the debit
   * is unsettled, what it drew from `pending` (`drawnFromPendingFen`) to `refunded_from_pending`
   * — in one statement, which decides on the row as it is when it runs (a settlement that took
   * the debit already moved the net without that part: it stays recorded). Answers which it was.
   */
  lowerRefundedAmount(debitId: string, amountFen: number, drawnFromPendingFen: number): Promise<'unsettled' | 'settled'>;
  /** Which of these payouts are refunds (kind `refund`). */
  findRefundIds(payoutIds: readonly string[]): Promise<Set<string>>;
  /** The refunds of a debit, newest first, rejected ones included. */
  listRefunds(debitId: string, request: PageRequest): Promise<Page<PayoutRow>>;
}
