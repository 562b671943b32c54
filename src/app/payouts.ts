import {
  accounts,
  businessDate,
  instructionMove,
  invariant,
  payoutReservedTransaction,
  PAYOUT_REJECTION_MESSAGES,
  type BusinessDate,
  type Medium,
  type PayoutRejectionCode,
  type RoutingDecision,
  type Router,
} from '../core/index.js';
import { validateHolderName } from '../core/payers/index.js';
import type { AppContext } from './context.js';
import { writePayoutEvents } from './events.js';
import { claimIdempotencyKeyIn, requestHashOf, type ApiResponse } from './debits.js';
import { AppError, notFound, validationFailed, type FieldError } from './errors.js';
import { field, sealAccount } from './payer-details.js';
import { resolvePayerBank, validateAccountNumber } from '../core/payers/index.js';
import type { LedgerEntry, MerchantRow, Page, PayoutAttemptRow, PayoutEventRow, PayoutFilter, PayoutRow } from './ports.js';
import { payoutRoutingInput } from './routing-rows.js';

const CREATED = instructionMove('payout', 'created');
const REJECTED = instructionMove('payout', 'rejected');

export interface CreatePayoutInput {
  payee: { account_number: string; account_kind: 'personal' | 'corporate'; medium?: Medium | undefined; holder_name: string; bank_code?: string | undefined };
  amount: number;
  currency: 'CNY';
  reference: string;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/** A payout with its history, as `GET /v1/payouts/{id}` shows it. */
export interface PayoutWithHistory {
  payout: PayoutRow;
  events: PayoutEventRow[];
  attempts: PayoutAttemptRow[];
}

/** Builds the answer to a created payout; stored with the idempotency key in the payout's own transaction. */
export type PayoutPresenter<V> = (history: PayoutWithHistory) => V;

/**
 * `POST /v1/payouts` (SPEC §14). As for debits, one transaction, shared by concurrent requests
 * (`ctx.groupCommit`), claims the idempotency key, validates, routes, prices, reserves `amount +
 * fee` out of the merchant's `available` (a conditional update: concurrent payouts never take it
 * below zero) and writes the payout with its event and the stored answer. A payout that cannot go
 * — its payee's bank unknown, no channel, not enough money — is written `rejected` with its code,
 * as a debit that cannot route is; it holds no reference and no money.
 */
export async function createPayout<V>(ctx: AppContext, merchantId: string, clientKey: string | null, input: CreatePayoutInput, present: PayoutPresenter<V>): Promise<ApiResponse> {
  // Checked before anything is written: a refused request leaves no key behind to block its correction.
  const payee = validatePayee(input);
  const idempotencyKey = clientKey === null ? null : ctx.vault.index('idempotency_key', clientKey);
  const requestHash = requestHashOf({ payout: input });
  const router = await ctx.routing.router();
  return ctx.groupCommit.run(async (tx) => {
    if (idempotencyKey !== null) {
      const replay = await claimIdempotencyKeyIn(tx, ctx.clock.now(), merchantId, idempotencyKey, requestHash);
      if (replay !== null) return replay;
    }
    const merchant = await ctx.routing.merchant(merchantId, tx);
    invariant(merchant !== null, `merchant ${merchantId} of an authenticated key does not exist`);
    if ((await tx.findLivePayoutByReference(merchantId, input.reference)) !== null) throw referenceTaken();
    const reserve: PayoutReservations = { reserve: (entry) => tx.postGuardedLedgerTransaction(entry, accounts.merchantAvailable(merchantId).id) };
    const { payout, event } = await decidePayout(ctx, router, merchant, payee, input, reserve, null);
    // A reference taken by a concurrent request after the check above: the reservation rolls back with it.
    if ((await tx.insertPayout(payout)) === 'reference_taken') throw referenceTaken();
    await writePayoutEvents(ctx.presenters, tx, [event], [payout]);
    const body = present({ payout, events: [event], attempts: [] });
    if (idempotencyKey !== null) await tx.completeIdempotencyKey(merchantId, idempotencyKey, 201, JSON.stringify(body));
    return { status: 201, body, replayed: false };
  });
}

/**
 * Where a payout's reservation (`amount + fee` out of `available`) is taken: `POST /v1/payouts`
 * posts it at once with the guarded update; a payout batch's chunk against the balance it locked,
 * posting its reservations together (src/app/batches-payouts.ts). `insufficient_balance`: nothing
 * was taken.
 */
export interface PayoutReservations {
  reserve(entry: LedgerEntry): Promise<'posted' | 'insufficient_balance'>;
}

/**
 * The decision on one payout, the same for `POST /v1/payouts` and a payout batch's rows (SPEC §14):
 * the payee's bank known, a channel eligible, the fee by the merchant's plan, and the reservation,
 * refused in that order (`invalid_payee`, `no_eligible_channel`, `insufficient_balance`). Returns
 * the payout and its first event, unwritten; a refused payout is `rejected` and holds nothing.
 * The reference's uniqueness is the caller's: one request looks it up, a batch a chunk's at once.
 */
export async function decidePayout(
  ctx: AppContext,
  router: Router,
  merchant: MerchantRow,
  payee: ValidPayee,
  input: CreatePayoutInput,
  reservations: PayoutReservations,
  origin: { batchId: string; row: number } | null,
): Promise<{ payout: PayoutRow; event: PayoutEventRow }> {
  const merchantId = merchant.id;
  const now = ctx.clock.now();
  const at = now.toISOString();
  const today = businessDate(now);
  const routed = routePayout(ctx, router, merchant, payee, input.amount, today);
  let rejection = routed.rejection;
  const decision = routed.decision;
  const plan = ctx.routing.plan(merchant.fee_plan, today);
  const fee = rejection === null && plan !== null ? plan.payout(input.amount) : 0;
  const id = ctx.ids.next('payout');
  if (rejection === null) {
    const reservation = payoutReservedTransaction({ payoutId: id, merchantId, channelId: decision!.channel!, amountFen: input.amount, feeFen: fee, channelCostFen: decision!.cost ?? 0 });
    const entry = { id: ctx.ids.next('ledgerTransaction'), transaction: reservation, at, businessDate: today };
    if ((await reservations.reserve(entry)) === 'insufficient_balance') rejection = 'insufficient_balance';
  }
  const sealed = sealAccount(ctx.vault, payee.accountNumber);
  const created = rejection === null ? CREATED : REJECTED;
  const payout: PayoutRow = {
    id,
    merchant_id: merchantId,
    kind: 'payout',
    debit_id: null,
    reference: input.reference,
    amount: input.amount,
    fee: rejection === null ? fee : 0,
    fee_plan: rejection === null && plan !== null ? `${plan.id}@${plan.version}` : null,
    channel_cost: rejection === null ? decision?.cost ?? 0 : 0,
    currency: input.currency,
    description: input.description ?? null,
    metadata: input.metadata === undefined ? null : JSON.stringify(input.metadata),
    ...payeeColumns(sealed, payee),
    ...decisionColumns({ rejection, decision, at, today }),
    drawn_from_pending: 0,
    batch_id: origin?.batchId ?? null,
    batch_row: origin?.row ?? null,
  };
  const event: PayoutEventRow = { id: ctx.ids.next('event'), payout_id: id, type: created.event, status: created.status, at, data: JSON.stringify(rejection === null ? { channel: payout.channel_id } : { code: rejection }) };
  return { payout, event };
}

/**
 * Where a payout (or refund) may go: `invalid_payee` when the payee's bank is unknown, else the
 * router's decision over channels with capability `payout`, `no_eligible_channel` when none may.
 */
export function routePayout(
  ctx: Pick<AppContext, 'routing'>,
  router: Router,
  merchant: MerchantRow,
  payee: Pick<ValidPayee, 'accountKind' | 'medium' | 'bankCode'>,
  amountFen: number,
  today: BusinessDate,
): { rejection: PayoutRejectionCode | null; decision: RoutingDecision | null } {
  if (payee.bankCode === null) return { rejection: 'invalid_payee', decision: null };
  const decision = router.route(payoutRoutingInput(merchant, payee, amountFen, today), { unavailable: ctx.routing.unavailableChannels() });
  return { rejection: decision.channel === null ? 'no_eligible_channel' : null, decision };
}

/** A new payout's payee, sealed as a mandate's account is. */
export function payeeColumns(
  sealed: ReturnType<typeof sealAccount>,
  payee: Pick<ValidPayee, 'accountKind' | 'medium' | 'bankCode' | 'holderName'>,
): Pick<PayoutRow, 'payee_account_ciphertext' | 'payee_account_index' | 'payee_account_masked' | 'payee_account_kind' | 'payee_medium' | 'payee_bank_code' | 'payee_holder_name'> {
  return {
    payee_account_ciphertext: sealed.ciphertext,
    payee_account_index: sealed.index,
    payee_account_masked: sealed.masked,
    payee_account_kind: payee.accountKind,
    payee_medium: payee.medium,
    payee_bank_code: payee.bankCode,
    payee_holder_name: payee.holderName,
  };
}

/** A new payout's (or refund's) status and routing as decided: pending on its channel, or rejected with its code. */
export function decisionColumns(input: { rejection: PayoutRejectionCode | null; decision: RoutingDecision | null; at: string; today: string }): Pick<
  PayoutRow,
  'status' | 'business_date' | 'channel_id' | 'routing' | 'failure_code' | 'failure_message' | 'next_action_at' | 'attempt_count' | 'created_at' | 'updated_at'
> {
  const { rejection, decision, at } = input;
  return {
    status: (rejection === null ? CREATED : REJECTED).status,
    business_date: input.today,
    channel_id: rejection === null ? decision?.channel ?? null : null,
    routing: decision === null ? null : JSON.stringify(decision),
    failure_code: rejection,
    failure_message: rejection === null ? null : PAYOUT_REJECTION_MESSAGES[rejection],
    next_action_at: rejection === null ? at : null,
    attempt_count: 0,
    created_at: at,
    updated_at: at,
  };
}

/** A payee whose fields passed their checks (validatePayee). */
export interface ValidPayee {
  accountNumber: string;
  accountKind: 'personal' | 'corporate';
  medium: Medium;
  holderName: string;
  bankCode: string | null;
}

/** Field checks of the payee (SPEC §3): 400 with a pointer per bad field, no full number echoed. */
export function validatePayee(input: CreatePayoutInput): ValidPayee {
  const errors: FieldError[] = [];
  const medium: Medium = input.payee.medium ?? 'bank_card';
  const accountNumber = field(errors, '/payee/account_number', validateAccountNumber(input.payee.account_number, medium));
  const holderName = field(errors, '/payee/holder_name', validateHolderName(input.payee.holder_name));
  let bankCode: string | null = null;
  if (accountNumber !== undefined) {
    const bank = field(errors, '/payee/bank_code', resolvePayerBank({ accountNumber, medium, bankCode: input.payee.bank_code }));
    bankCode = bank ?? null;
  }
  if (errors.length > 0 || accountNumber === undefined || holderName === undefined) throw validationFailed(errors);
  return { accountNumber, accountKind: input.payee.account_kind, medium, holderName, bankCode };
}

export function referenceTaken(): AppError {
  return new AppError('reference_already_used', 'This merchant already has a payout with this reference.', [
    { pointer: '/reference', code: 'already_used', detail: 'reference must be unique per merchant among payouts that were not rejected.' },
  ]);
}

export async function getPayout(ctx: AppContext, merchantId: string | null, id: string): Promise<PayoutWithHistory> {
  const payout = await ctx.store.getPayout(id);
  if (payout === null || (merchantId !== null && payout.merchant_id !== merchantId)) throw notFound('payout', id);
  const [events, attempts] = await Promise.all([ctx.store.listPayoutEvents(id), ctx.store.listPayoutAttempts([id])]);
  return { payout, events, attempts };
}

export async function listPayouts(ctx: AppContext, filter: PayoutFilter): Promise<Page<PayoutRow>> {
  return ctx.store.listPayouts(filter);
}
