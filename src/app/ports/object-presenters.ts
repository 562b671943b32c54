import type { BusinessDate } from '../../core/index.js';
import type { BatchRow } from './batch-store.js';
import type { DebitRow } from './debit-store.js';
import type { MandateRow } from './mandate-store.js';
import type { PayoutRow } from './payout-store.js';
import type { ReconciliationRow } from './reconciliation-store.js';
import type { SettlementRow } from './settlement-store.js';

/** An object as the API shows it: its representation names its id and what it is. */
export interface PresentedObject {
  id: string;
  object: string;
}

/**
 * The API's representations of the objects events carry, as `GET` answers them (masked personal
 * data included): the HTTP layer's presenters, given to the app by the composition root so that
 * an event's payload is exactly what the merchant would have read at that moment.
 */
export interface ObjectPresenters {
  /** `givenMandateId`: the unknown mandate id a rejected debit was given (kept in its event, not its row). */
  debit(row: DebitRow, givenMandateId: string | null): PresentedObject;
  /** A payout, or a refund (a payout of kind `refund`). */
  payout(row: PayoutRow): PresentedObject;
  mandate(row: MandateRow, today: BusinessDate): PresentedObject;
  /** `counts`: the batch's debits, or payouts, by status. */
  batch(row: BatchRow, counts: Record<string, number>): PresentedObject;
  settlement(row: SettlementRow): PresentedObject;
  reconciliation(row: ReconciliationRow): PresentedObject;
}
