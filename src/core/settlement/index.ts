import { DateOutsideCalendarError, type BusinessCalendar } from '../calendar/index.js';
import type { BusinessDate } from '../kernel/index.js';

/**
 * Settlement T+1 (SPEC §14): the succeeded debits of a business date settle on the first
 * business day after it. Pure: the dates come in, the plan goes out; the store moves the money.
 */

/** What a business date with unsettled debits is, on `today`. */
export type SettlementDate =
  | { readonly kind: 'due'; readonly businessDate: BusinessDate; readonly settlesOn: BusinessDate }
  | { readonly kind: 'not_yet_due'; readonly businessDate: BusinessDate; readonly settlesOn: BusinessDate }
  /**
   * The calendar cannot say which day comes next (the year after its table ends is not yet
   * published): the debits wait, never settled on a guessed day, until the table gets the year.
   */
  | { readonly kind: 'calendar_not_covered'; readonly businessDate: BusinessDate; readonly detail: string };

/** Each date's place on `today`, in the order given. */
export function settlementDates(calendar: BusinessCalendar, dates: readonly BusinessDate[], today: BusinessDate): SettlementDate[] {
  return dates.map((businessDate) => {
    let settlesOn: BusinessDate;
    try {
      settlesOn = calendar.nextBusinessDay(businessDate);
    } catch (error) {
      if (!(error instanceof DateOutsideCalendarError)) throw error;
      return {
        kind: 'calendar_not_covered',
        businessDate,
        detail: `The business day after ${businessDate} is not known: the business calendar covers ${calendar.covers.from} to ${calendar.covers.to}. These debits settle once the calendar has the next year's arrangement.`,
      };
    }
    return { kind: settlesOn <= today ? 'due' : 'not_yet_due', businessDate, settlesOn };
  });
}
