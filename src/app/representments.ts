import {
  businessDate,
  checkRepresent,
  DateOutsideCalendarError,
  REPRESENT_REFUSAL_MESSAGES,
  representDueBefore,
  startOfBusinessDate,
  type BusinessCalendar,
  type BusinessDate,
  type RepresentRefusal,
  type Router,
} from '../core/index.js';
import type { AppContext } from './context.js';
import { decideDebit, idempotently, transactionSource, type ApiResponse, type CreateDebitInput, type DebitIntakeStore, type DebitPresenter, type DecidedDebit } from './debits.js';
import { AppError, notFound } from './errors.js';
import { writeDebitEvents } from './events.js';
import type { DebitRow, IdempotencyStore, MerchantRow, RepresentmentStore } from './ports.js';

/** Failures the automatic re-presentment takes per round; a larger backlog waits for the next rounds. */
const AUTO_REPRESENT_ROUND_MAX = 500;
/**
 * Failures older than this are never presented again automatically, so that turning
 * `auto_represent` on does not reach back into months of old failures (they may still be
 * presented by hand).
 */
const AUTO_REPRESENT_LOOKBACK_MS = 30 * 24 * 60 * 60 * 1000;

type RepresentStore = DebitIntakeStore & RepresentmentStore;

export function representRefused(refusal: RepresentRefusal): AppError {
  return new AppError(refusal, REPRESENT_REFUSAL_MESSAGES[refusal]);
}

/** The Shanghai business date a failed debit failed on: a failed debit is never updated again. */
function failedOn(debit: DebitRow): BusinessDate | null {
  return debit.status === 'failed' ? businessDate(new Date(debit.updated_at)) : null;
}

/**
 * Why the failure may not be presented again today, or null. `afterBusinessDays`: the wait the
 * caller asks for (the merchant's setting, for the automatic round).
 */
function refusalOf(calendar: BusinessCalendar, debit: DebitRow, today: BusinessDate, afterBusinessDays?: number): RepresentRefusal | null {
  try {
    return checkRepresent({ status: debit.status, failureCode: debit.failure_code, presentment: debit.presentment, failedOn: failedOn(debit) }, today, calendar, afterBusinessDays);
  } catch (error) {
    if (error instanceof DateOutsideCalendarError) throw calendarNotCovered(error);
    throw error;
  }
}

function calendarNotCovered(error: DateOutsideCalendarError): AppError {
  return new AppError('calendar_not_covered', `Re-presentment counts business days: ${error.message}`);
}

/**
 * Decides the next presentment of a failed debit, held by `lockDebit`: the same mandate, amount,
 * reference, description and metadata, through the normal decision (mandate limits and the payer
 * fee allowance count it once it is live; it may be `rejected` like any debit).
 */
async function decidePresentment(ctx: AppContext, tx: RepresentStore, router: Router, merchant: MerchantRow, previous: DebitRow): Promise<DecidedDebit> {
  if (previous.mandate_id === null) throw new AppError('debit_not_failed', REPRESENT_REFUSAL_MESSAGES.debit_not_failed);
  const input: CreateDebitInput = {
    mandate_id: previous.mandate_id,
    amount: previous.amount,
    currency: 'CNY',
    reference: previous.reference,
    description: previous.description ?? undefined,
    metadata: previous.metadata === null ? undefined : (JSON.parse(previous.metadata) as Record<string, string>),
  };
  return decideDebit(ctx, transactionSource(ctx, tx, merchant.id), router, merchant, input, null, { represents: previous.id, number: previous.presentment + 1 });
}

/**
 * `POST /v1/debits/{id}/represent` (SPEC §14), under the client's idempotency key. The failure is
 * locked first, so that concurrent requests are decided one after another: the first creates the
 * presentment, the others find it (`already_represented`); the unique index on (reference,
 * presentment) would refuse a second live one anyway. A rejected presentment does not count: the
 * failure may be presented again once whatever rejected it is fixed.
 */
export async function representDebit<V>(ctx: AppContext, merchantId: string, clientKey: string | null, debitId: string, present: DebitPresenter<V>): Promise<ApiResponse> {
  return idempotently(ctx, ctx.store, merchantId, clientKey, { represent: debitId }, () => ctx.routing.router(), async (tx: RepresentStore & IdempotencyStore, idempotencyKey, router) => {
    const previous = await tx.lockDebit(debitId);
    if (previous === null || previous.merchant_id !== merchantId) throw notFound('debit', debitId);
    const refusal = refusalOf(ctx.calendar, previous, businessDate(ctx.clock.now()));
    if (refusal !== null) throw representRefused(refusal);
    if ((await tx.listPresentmentsOf(previous.id)).some((debit) => debit.status !== 'rejected')) throw representRefused('already_represented');
    const merchant = await ctx.routing.merchant(merchantId, tx);
    if (merchant === null) throw notFound('merchant', merchantId);
    const { debit, event } = await decidePresentment(ctx, tx, router, merchant, previous);
    if ((await tx.insertDebit(debit)) === 'reference_taken') throw representRefused('already_represented');
    await writeDebitEvents(ctx.presenters, tx, [event], [debit]);
    const body = present(debit, null);
    if (idempotencyKey !== null) await tx.completeIdempotencyKey(merchantId, idempotencyKey, 201, JSON.stringify(body));
    return { status: 201, body, replayed: false };
  });
}

export interface AutoRepresentRound {
  /** Presentments created (pending or rejected). */
  created: number;
  /** Due failures another node presented first, or that stopped being due. */
  skipped: number;
}

/**
 * The automatic re-presentment (a merchant's `auto_represent`, SPEC §14), one round: one query
 * finds every due failure of every merchant, oldest first; each is then presented in a
 * transaction of its own, which locks it and looks again, so that two nodes running the round at
 * once create one presentment of each failure. A failure is tried once: a rejected presentment is
 * left for the merchant to look at, not retried every round. Driven by the clock (the test clock
 * in the sandbox).
 */
export async function representDueFailures(ctx: AppContext, limit = AUTO_REPRESENT_ROUND_MAX): Promise<AutoRepresentRound> {
  const now = ctx.clock.now();
  const today = businessDate(now);
  const before = (days: number): string => startOfBusinessDate(representDueBefore(today, days, ctx.calendar)).toISOString();
  let failedBefore: Record<1 | 2 | 3 | 4 | 5, string>;
  try {
    failedBefore = { 1: before(1), 2: before(2), 3: before(3), 4: before(4), 5: before(5) };
  } catch (error) {
    if (error instanceof DateOutsideCalendarError) {
      ctx.logger.warn({ err: error }, 'automatic re-presentment skipped: today is outside the business calendar');
      return { created: 0, skipped: 0 };
    }
    throw error;
  }
  const due = await ctx.store.findDueFailures({ failedBefore, failedFrom: new Date(now.getTime() - AUTO_REPRESENT_LOOKBACK_MS).toISOString(), limit });
  if (due.length === 0) return { created: 0, skipped: 0 };
  const router = await ctx.routing.router();
  let created = 0;
  for (const failure of due) {
    const presented = await ctx.store.transaction(async (tx) => {
      const previous = await tx.lockDebit(failure.id);
      if (previous === null) return false;
      const merchant = await ctx.routing.merchant(previous.merchant_id, tx);
      if (merchant === null || previous.presentment >= merchant.auto_represent_max) return false;
      if (refusalOf(ctx.calendar, previous, today, merchant.auto_represent_after_business_days) !== null) return false;
      if ((await tx.listPresentmentsOf(previous.id)).length > 0) return false;
      const { debit, event } = await decidePresentment(ctx, tx, router, merchant, previous);
      // Cannot meet the index after the lock and the look above; a bug if it does (rolls back).
      if ((await tx.insertDebit(debit)) === 'reference_taken') throw representRefused('already_represented');
      await writeDebitEvents(ctx.presenters, tx, [event], [debit]);
      return true;
    });
    if (presented) created += 1;
  }
  if (created > 0) ctx.logger.info({ debits_represented: created }, 'failed debits presented again automatically');
  return { created, skipped: due.length - created };
}
