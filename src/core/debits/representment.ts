import type { BusinessCalendar } from '../calendar/index.js';
import type { BusinessDate } from '../kernel/index.js';
import type { InstructionStatus } from '../instructions/index.js';
import { FAILURE_RETRYABLE, isFailureCode } from './codes.js';

/** Re-presentments of one original at most (SPEC §9: "at most 2 re-presentments"). */
export const REPRESENTMENTS_MAX = 2;
/** Business days after a failure before it may be presented again, at least (SPEC §9). */
export const REPRESENT_AFTER_BUSINESS_DAYS_MIN = 1;
/** The longest wait a merchant's `auto_represent.after_business_days` may ask for. */
export const REPRESENT_AFTER_BUSINESS_DAYS_MAX = 5;

/**
 * Why a debit may not be presented again, in order of precedence: the first that applies is the
 * one reported. `already_represented` (a newer presentment of the failure exists) is decided by
 * the store, where a unique index settles concurrent requests.
 */
export const REPRESENT_REFUSALS = ['debit_not_failed', 'not_retryable', 'represent_limit_reached', 'represent_too_soon', 'already_represented'] as const;
export type RepresentRefusal = (typeof REPRESENT_REFUSALS)[number];

export const REPRESENT_REFUSAL_MESSAGES = {
  debit_not_failed: 'Only a failed debit may be presented again.',
  not_retryable: 'The debit failed with a code that may not be presented again (SPEC §9: insufficient_funds, limit_exceeded and channel_unavailable may).',
  represent_limit_reached: `The original of this debit has been presented again ${REPRESENTMENTS_MAX} times, the most allowed.`,
  represent_too_soon: `A failed debit may be presented again at least ${REPRESENT_AFTER_BUSINESS_DAYS_MIN} business day after the business date it failed on.`,
  already_represented: 'This failure has been presented again already; present the newest presentment instead.',
} as const satisfies Record<RepresentRefusal, string>;

export interface PresentedDebit {
  status: InstructionStatus;
  failureCode: string | null;
  /** 0 for an original, then 1, 2 for its re-presentments. */
  presentment: number;
  /** The Shanghai business date the debit failed on (null unless it failed). */
  failedOn: BusinessDate | null;
}

/**
 * Whether the debit may be presented again today, after at least `afterBusinessDays` business
 * days counted on the calendar: null when it may, else the first refusal. Throws
 * DateOutsideCalendarError when today is past the calendar's table.
 */
export function checkRepresent(debit: PresentedDebit, today: BusinessDate, calendar: BusinessCalendar, afterBusinessDays = REPRESENT_AFTER_BUSINESS_DAYS_MIN): RepresentRefusal | null {
  if (debit.status !== 'failed' || debit.failedOn === null) return 'debit_not_failed';
  if (debit.failureCode === null || !isFailureCode(debit.failureCode) || !FAILURE_RETRYABLE[debit.failureCode]) return 'not_retryable';
  if (debit.presentment >= REPRESENTMENTS_MAX) return 'represent_limit_reached';
  if (calendar.businessDaysBetween(debit.failedOn, today) < Math.max(afterBusinessDays, REPRESENT_AFTER_BUSINESS_DAYS_MIN)) return 'represent_too_soon';
  return null;
}

/**
 * The first business date a failure is *not* yet due on: a debit that failed on d is due today,
 * `afterBusinessDays` business days later, exactly when d is before this date. It lets one query
 * find every due failure by comparing dates, with no calendar in the database.
 */
export function representDueBefore(today: BusinessDate, afterBusinessDays: number, calendar: BusinessCalendar): BusinessDate {
  // With L the last business day up to today, (d, today] holds n business days exactly when d is
  // before the (n − 1)-th business day before L (L itself for n = 1).
  const lastBusinessDay = calendar.isBusinessDay(today) ? today : calendar.addBusinessDays(today, -1);
  return calendar.addBusinessDays(lastBusinessDay, 1 - Math.max(afterBusinessDays, REPRESENT_AFTER_BUSINESS_DAYS_MIN));
}
