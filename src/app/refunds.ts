import {
  accounts,
  asRefundEvent,
  businessDate,
  instructionMove,
  invariant,
  refundDraw,
  refundReservedTransaction,
  REFUND_REFUSAL_MESSAGES,
  type RefundDraw,
} from '../core/index.js';
import type { AppContext } from './context.js';
import { writePayoutEvents } from './events.js';
import { idempotently, type ApiResponse } from './debits.js';
import { AppError, notFound } from './errors.js';
import { sealAccount } from './payer-details.js';
import { decisionColumns, payeeColumns, routePayout, type PayoutPresenter } from './payouts.js';
import type { CatalogStore, DebitRow, DebitStore, EventStore, IdempotencyStore, LedgerStore, MandateStore, Page, PageRequest, PayoutEventRow, PayoutRow, PayoutStore, RefundStore } from './ports.js';

const CREATED = instructionMove('payout', 'created');
const REJECTED = instructionMove('payout', 'rejected');

export interface CreateRefundInput {
  /** Fen; what is left refundable when not given. */
  amount?: number | undefined;
  /** Free text kept as the refund's description (the free-text hook has checked it for personal data). */
  reason?: string | undefined;
}

/** What a refund reads and writes in its transaction. */
type RefundTx = DebitStore & MandateStore & CatalogStore & RefundStore & LedgerStore & PayoutStore & EventStore & IdempotencyStore;

function refundExceedsDebit(debit: Pick<DebitRow, 'amount' | 'refunded_amount'>): AppError {
  const left = debit.amount - debit.refunded_amount;
  return new AppError('refund_exceeds_debit', REFUND_REFUSAL_MESSAGES.refund_exceeds_debit, [
    { pointer: '/amount', code: 'exceeds_refundable', detail: `At most ${left} fen of this debit's ${debit.amount} is left to refund.` },
  ]);
}

/**
 * `POST /v1/debits/{id}/refunds` (SPEC §14): pays money of a succeeded debit back to its payer,
 * as a payout of kind `refund` to the mandate's account, routed over channels with capability
 * `payout`. Under the client's idempotency key, in one transaction:
 *
 * 1. the debit's `refunded_amount` is raised by one conditional UPDATE (`… + x <= amount`), which
 *    also holds the debit's row — concurrent refunds of one debit never sum above it, and a
 *    settlement taking the debit waits for the refund (or the refund for the settlement);
 * 2. `refundDraw` splits the amount between `pending` (the debit's net, while unsettled) and
 *    `available`; the pending part is recorded on the debit, so that its settlement moves that
 *    much less;
 * 3. `refund_reserved` moves both parts to `reserved`, the `available` part guarded as a payout's
 *    reservation is (concurrent refunds and payouts never take `available` below zero).
 *
 * A refund has no fee (the debit's fee is kept); the channel's cost is the platform's, as for a
 * payout. One that cannot go — the payer's bank unknown, no channel, not enough in `available` —
 * is stored `rejected` with its code, holding no money and none of the refundable amount.
 */
export async function createRefund<V>(ctx: AppContext, merchantId: string, clientKey: string | null, debitId: string, input: CreateRefundInput, present: PayoutPresenter<V>): Promise<ApiResponse> {
  return idempotently(ctx, ctx.store, merchantId, clientKey, { refund: debitId, input }, () => ctx.routing.router(), async (tx: RefundTx, idempotencyKey, router) => {
    const debit = await tx.getDebit(debitId);
    if (debit === null || debit.merchant_id !== merchantId) throw notFound('debit', debitId);
    if (debit.status !== 'succeeded' || debit.mandate_id === null) throw new AppError('debit_not_refundable', REFUND_REFUSAL_MESSAGES.debit_not_refundable);
    const amount = input.amount ?? debit.amount - debit.refunded_amount;
    if (amount <= 0 || amount > debit.amount - debit.refunded_amount) throw refundExceedsDebit(debit);
    const mandate = await tx.getMandate(debit.mandate_id);
    invariant(mandate !== null, `debit ${debit.id} names a mandate that does not exist`);
    const merchant = await ctx.routing.merchant(merchantId, tx);
    invariant(merchant !== null, `merchant ${merchantId} of an authenticated key does not exist`);
    const now = ctx.clock.now();
    const at = now.toISOString();
    const today = businessDate(now);
    const payee = { accountKind: mandate.account_kind, medium: mandate.medium, bankCode: mandate.bank_code, holderName: mandate.holder_name ?? '' };
    const routed = routePayout(ctx, router, merchant, payee, amount, today);
    let rejection = routed.rejection;
    const decision = routed.decision;
    const id = ctx.ids.next('payout');
    let draw: RefundDraw = { pendingFen: 0, availableFen: 0 };
    if (rejection === null) {
      const held = await tx.raiseRefundedAmount(debit.id, amount);
      // A concurrent refund took what this one counted on after it was read above.
      if (held === null) throw refundExceedsDebit((await tx.getDebit(debit.id)) ?? debit);
      draw = refundDraw({ amountFen: held.amount, merchantFeeFen: held.merchant_fee, refundedFromPendingFen: held.refunded_from_pending, settled: held.settlement_id !== null }, amount);
      if (draw.pendingFen > 0) await tx.addRefundedFromPending(debit.id, draw.pendingFen);
      const entry = { id: ctx.ids.next('ledgerTransaction'), transaction: refundReservedTransaction({ payoutId: id, merchantId, ...draw }), at, businessDate: today };
      if (draw.availableFen === 0) await tx.postLedgerTransactions([entry]);
      else if ((await tx.postGuardedLedgerTransaction(entry, accounts.merchantAvailable(merchantId).id)) === 'insufficient_balance') {
        // Nothing was posted: the debit gets back what step 1 and 2 took (its row is still held).
        await tx.lowerRefundedAmount(debit.id, amount, draw.pendingFen);
        rejection = 'insufficient_balance';
        draw = { pendingFen: 0, availableFen: 0 };
      }
    }
    const sealed = sealAccount(ctx.vault, ctx.vault.open(mandate.account_ciphertext));
    const created = rejection === null ? CREATED : REJECTED;
    const refund: PayoutRow = {
      id,
      merchant_id: merchantId,
      kind: 'refund',
      debit_id: debit.id,
      // Refunds name no reference of their own; their id is unique among the merchant's payouts.
      reference: id,
      amount,
      fee: 0,
      fee_plan: null,
      channel_cost: rejection === null ? decision?.cost ?? 0 : 0,
      currency: debit.currency,
      description: input.reason ?? null,
      metadata: null,
      ...payeeColumns(sealed, payee),
      ...decisionColumns({ rejection, decision, at, today }),
      drawn_from_pending: draw.pendingFen,
      batch_id: null,
      batch_row: null,
    };
    invariant((await tx.insertPayout(refund)) === 'inserted', `refund ${id} met a reference taken`);
    const data = rejection === null ? { channel: refund.channel_id, debit_id: debit.id } : { code: rejection, debit_id: debit.id };
    const event: PayoutEventRow = { id: ctx.ids.next('event'), payout_id: id, type: asRefundEvent(created.event), status: created.status, at, data: JSON.stringify(data) };
    await writePayoutEvents(ctx.presenters, tx, [event], [refund]);
    const body = present({ payout: refund, events: [event], attempts: [] });
    if (idempotencyKey !== null) await tx.completeIdempotencyKey(merchantId, idempotencyKey, 201, JSON.stringify(body));
    return { status: 201, body, replayed: false };
  });
}

/** `GET /v1/debits/{id}/refunds`: the debit's refunds, newest first (a merchant sees only its own debits'). */
export async function listRefunds(ctx: AppContext, merchantId: string | null, debitId: string, request: PageRequest): Promise<Page<PayoutRow>> {
  const debit = await ctx.store.getDebit(debitId);
  if (debit === null || (merchantId !== null && debit.merchant_id !== merchantId)) throw notFound('debit', debitId);
  return ctx.store.listRefunds(debitId, request);
}
