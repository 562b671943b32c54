import { invariant, isCalendarDate, type BusinessDate } from '../kernel/index.js';

/**
 * Dates as whole day numbers (days since 1970-01-01), so that the calendar can index arrays by
 * day. A business date names a day, not an instant: it is read as UTC midnight, which gives the
 * same day number whatever the machine's zone.
 */
const DAY_MS = 86_400_000;

export function dayNumber(date: string): number {
  invariant(isCalendarDate(date), `${date} is not a date written YYYY-MM-DD`);
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

export function dateOfDayNumber(day: number): BusinessDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10) as BusinessDate;
}

/** The calendar date `days` after `date` (every day counts, holidays too; negative goes back). */
export function calendarDatePlus(date: string, days: number): BusinessDate {
  return dateOfDayNumber(dayNumber(date) + days);
}

/** 0 is Sunday, 6 Saturday (1970-01-01, day 0, was a Thursday). */
export function dayOfWeek(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function isWeekendDay(day: number): boolean {
  const weekday = dayOfWeek(day);
  return weekday === 0 || weekday === 6;
}
