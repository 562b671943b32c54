import { businessDate, settlementDates, settlementTransaction, type BusinessDate, type SettlementDate } from '../core/index.js';
import type { AppContext } from './context.js';
import { eventRow } from './events.js';
import type { EventStore, Page, SettlementFilter, SettlementRow, SettlementStore, LedgerStore, UnsettledDay } from './ports.js';

/** Merchant-days read, and settled, per page of a run. */
const MERCHANT_DAYS_PER_PAGE = 500;
/** Pages per run: a backlog larger than this is taken by the next run (`has_more`). */
const PAGES_PER_RUN_MAX = 20;

/** What a run needs of the store: the days waiting, and one transaction per merchant-day. */
export interface SettlementRunContext extends Pick<AppContext, 'clock' | 'calendar' | 'ids' | 'logger' | 'presenters'> {
  store: SettlementStore & { transaction<T>(work: (tx: SettlementStore & LedgerStore & EventStore) => Promise<T>): Promise<T> };
}

/** Debits that a run left unsettled, by business date, and why. */
export interface SettlementWaiting {
  business_date: string;
  /** Succeeded debits of the date not yet settled, all merchants together. */
  count: number;
  code: 'not_yet_due' | 'calendar_not_covered';
  /** When they are due; null when the calendar cannot say. */
  settles_on: string | null;
  detail: string;
}

export interface SettlementRun {
  today: BusinessDate;
  /** The settlements this run wrote (another run's are not repeated). */
  settlements: SettlementRow[];
  waiting: SettlementWaiting[];
  /** More merchant-days were due than one run takes; the next run goes on. */
  hasMore: boolean;
}

/**
 * Settlement T+1 (SPEC §14): every merchant-day whose debits are due (`nextBusinessDay(business
 * date) ≤ today`) moves its net from `pending` to `available`, one transaction per merchant-day:
 * the store marks the debits and writes the settlement row set-based, and the ledger posts one
 * balanced transaction for it. Due dates are caught up however many runs were missed, and a debit
 * that succeeds after its day was settled is taken by the next run, as a further settlement of
 * the same day (its `sequence`). Safe to run anywhere at once: a debit is marked only while no
 * settlement has it, so concurrent runs split the debits, never share one.
 *
 * Dates whose next business day the calendar does not know (past the end of its table) are left
 * unsettled, named in `waiting` and logged; nothing is settled on a guessed day.
 */
export async function runSettlement(ctx: SettlementRunContext, options: { businessDate?: BusinessDate } = {}): Promise<SettlementRun> {
  const now = ctx.clock.now();
  const today = businessDate(now);
  const at = now.toISOString();
  const settlements: SettlementRow[] = [];
  const waiting = new Map<string, SettlementWaiting>();
  let hasMore = false;
  for (let pageNumber = 0; pageNumber < PAGES_PER_RUN_MAX; pageNumber += 1) {
    const days = await ctx.store.listUnsettledDays(MERCHANT_DAYS_PER_PAGE, options.businessDate);
    const plans = new Map(settlementDates(ctx.calendar, [...new Set(days.map((day) => day.business_date as BusinessDate))], today).map((plan) => [plan.businessDate as string, plan]));
    let settledAll = true;
    for (const day of days) {
      const plan = plans.get(day.business_date)!;
      if (plan.kind !== 'due') {
        settledAll = false;
        addWaiting(waiting, day, plan);
        continue;
      }
      const settlement = await settleDay(ctx, day, plan.settlesOn, at, today);
      if (settlement !== null) settlements.push(settlement);
    }
    // Due dates come first (days are read oldest first, and a later date never settles earlier):
    // a page that was full and all due may have more due behind it, already off the index.
    hasMore = days.length === MERCHANT_DAYS_PER_PAGE && settledAll;
    if (!hasMore) break;
  }
  for (const entry of waiting.values()) {
    if (entry.code === 'calendar_not_covered') ctx.logger.warn({ business_date: entry.business_date, debits: entry.count }, entry.detail);
  }
  if (settlements.length > 0) {
    ctx.logger.info({ today, settlements: settlements.length, debits: settlements.reduce((sum, row) => sum + row.count, 0) }, 'settlement run moved pending to available');
  }
  return { today, settlements, waiting: [...waiting.values()], hasMore };
}

async function settleDay(ctx: SettlementRunContext, day: UnsettledDay, settlesOn: BusinessDate, at: string, today: BusinessDate): Promise<SettlementRow | null> {
  return ctx.store.transaction(async (tx) => {
    const settlement = await tx.settleMerchantDay({
      id: ctx.ids.next('settlement'),
      merchantId: day.merchant_id,
      businessDate: day.business_date,
      settlesOn,
      ledgerTransactionId: ctx.ids.next('ledgerTransaction'),
      at,
    });
    if (settlement?.ledger_transaction_id != null) {
      await tx.postLedgerTransactions([{ id: settlement.ledger_transaction_id, transaction: settlementTransaction(settlement.id, settlement.merchant_id, settlement.amount), at, businessDate: today }]);
    }
    if (settlement !== null) await tx.insertEvents([eventRow(ctx.ids.next('event'), 'settlement.completed', settlement.merchant_id, ctx.presenters.settlement(settlement), at)]);
    return settlement;
  });
}

function addWaiting(waiting: Map<string, SettlementWaiting>, day: UnsettledDay, plan: Exclude<SettlementDate, { kind: 'due' }>): void {
  const entry = waiting.get(day.business_date);
  if (entry !== undefined) {
    entry.count += day.count;
    return;
  }
  waiting.set(day.business_date, plan.kind === 'not_yet_due'
    ? { business_date: day.business_date, count: day.count, code: 'not_yet_due', settles_on: plan.settlesOn, detail: `Due on ${plan.settlesOn}, the first business day after ${day.business_date}.` }
    : { business_date: day.business_date, count: day.count, code: 'calendar_not_covered', settles_on: null, detail: plan.detail });
}

export function listSettlements(ctx: { store: SettlementStore }, filter: SettlementFilter): Promise<Page<SettlementRow>> {
  return ctx.store.listSettlements(filter);
}
