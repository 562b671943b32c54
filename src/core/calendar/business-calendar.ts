import { invariant, type BusinessDate } from '../kernel/index.js';
import { dateOfDayNumber, dayNumber, isWeekendDay } from './calendar-day-number.js';
import { HOLIDAYS, isHolidayKey, type Holiday } from './holiday.js';

/** A State Council notice an arrangement comes from. */
export interface CalendarNotice {
  /** 国办发明电〔YYYY〕N号 */
  readonly number: string;
  readonly title: string;
}

/** A holiday period as the table writes it: days off from `from` to `to`, weekends included. */
export interface CalendarPeriodRow {
  readonly holiday: string;
  readonly from: string;
  readonly to: string;
  /** Weekend days worked to make up for the period (调休上班). */
  readonly working_days: readonly string[];
  /** The number of a later notice of the same year that changed this period, if one did. */
  readonly changed_by?: string;
}

/** The shape of `data/calendar/cn-holidays.json`. */
export interface CalendarTable {
  /** The dates the table answers for; any other date is refused. */
  readonly covers: { readonly from: string; readonly to: string };
  /** One entry per arrangement year, with its notice first and any that changed it after. */
  readonly years: readonly {
    readonly year: number;
    readonly notices: readonly CalendarNotice[];
    readonly periods: readonly CalendarPeriodRow[];
  }[];
}

export interface HolidayPeriod {
  readonly holiday: Holiday;
  readonly from: BusinessDate;
  readonly to: BusinessDate;
  readonly workingDays: readonly BusinessDate[];
}

/**
 * What a day is: a `workday` (Monday to Friday, worked), a `weekend` day (rested), a day of a
 * `holiday` period (rested, weekday or not), or a `make_up_working_day` (a weekend day worked).
 */
export type CalendarDayKind = 'workday' | 'weekend' | 'holiday' | 'make_up_working_day';

export interface CalendarDay {
  readonly date: BusinessDate;
  readonly business: boolean;
  readonly kind: CalendarDayKind;
  /** The holiday of a `holiday` day, or the one a `make_up_working_day` makes up for; else null. */
  readonly holiday: Holiday | null;
}

export interface CalendarYear {
  readonly year: number;
  readonly businessDayCount: number;
  /** The year's exceptions to the week, in date order: weekdays off and weekend days worked. */
  readonly days: readonly CalendarDay[];
  /** Every holiday period with a day off or a working day in the year (one may begin the year before). */
  readonly periods: readonly HolidayPeriod[];
  /** The notices those periods come from: each period's year's notice, and any that changed it. */
  readonly notices: readonly CalendarNotice[];
}

/**
 * A date the calendar cannot answer for: before the table's first day, after its last, or a
 * step (the next business day, n business days on) that would leave the table. The arrangement
 * of a year is known only once the State Council publishes it; the calendar never assumes that
 * an unknown weekday is worked. Callers that may meet it (settlement near the table's end) turn
 * it into a refusal that says the table needs its next year.
 */
export class DateOutsideCalendarError extends RangeError {
  override name = 'DateOutsideCalendarError';
  constructor(
    readonly date: string,
    readonly covers: { readonly from: string; readonly to: string },
  ) {
    super(`The business calendar covers ${covers.from} to ${covers.to}; ${date} is outside it (a year is added once the State Council publishes its arrangement).`);
  }
}

/**
 * Business days in Asia/Shanghai dates: Monday to Friday, less the holiday periods, plus the
 * make-up working days. Every method refuses a date outside the table with
 * DateOutsideCalendarError, and a date that is not `YYYY-MM-DD` with an invariant (a bug).
 */
export interface BusinessCalendar {
  readonly covers: { readonly from: BusinessDate; readonly to: BusinessDate };
  /** The first and last years the table covers whole. */
  readonly years: { readonly first: number; readonly last: number };
  isBusinessDay(date: BusinessDate): boolean;
  /** The first business day after `date`. */
  nextBusinessDay(date: BusinessDate): BusinessDate;
  /**
   * The n-th business day after `date` (n > 0), before it (n < 0), or `date` itself (n = 0).
   * `date` need not be a business day: `addBusinessDays(d, 1)` is `nextBusinessDay(d)`.
   */
  addBusinessDays(date: BusinessDate, n: number): BusinessDate;
  /**
   * The business days in (from, to], negative when `to` is before `from`: for any d and n ≥ 0,
   * `businessDaysBetween(d, addBusinessDays(d, n)) === n`.
   */
  businessDaysBetween(from: BusinessDate, to: BusinessDate): number;
  /** The holiday whose period holds `date`, or null. */
  holidayOn(date: BusinessDate): Holiday | null;
  dayOn(date: BusinessDate): CalendarDay;
  /** A year the table covers whole, or null. */
  year(year: number): CalendarYear | null;
}

interface LoadedPeriod extends HolidayPeriod {
  readonly notices: readonly CalendarNotice[];
}

/**
 * Builds the calendar over a table. The table is our own data, so a malformed one is a bug in
 * the repository: it fails an invariant as the module loads, before any request is served.
 */
export function createBusinessCalendar(table: CalendarTable): BusinessCalendar {
  const first = dayNumber(table.covers.from);
  const last = dayNumber(table.covers.to);
  invariant(first <= last, `the calendar's covers.to ${table.covers.to} is before covers.from ${table.covers.from}`);
  const covers = { from: dateOfDayNumber(first), to: dateOfDayNumber(last) };

  const listedYears = new Set(table.years.map((entry) => entry.year));
  for (let year = Number(covers.from.slice(0, 4)); year <= Number(covers.to.slice(0, 4)); year += 1) {
    invariant(listedYears.has(year), `the calendar covers ${year} but lists no arrangement for it`);
  }

  const off = new Map<number, Holiday>();
  const worked = new Map<number, Holiday>();
  const periods: LoadedPeriod[] = [];
  for (const entry of table.years) {
    invariant(entry.notices.length > 0, `the arrangement of ${entry.year} names no notice`);
    for (const row of entry.periods) {
      invariant(isHolidayKey(row.holiday), `unknown holiday ${row.holiday} in ${entry.year}`);
      const holiday: Holiday = HOLIDAYS[row.holiday];
      const from = dayNumber(row.from);
      const to = dayNumber(row.to);
      invariant(from <= to, `the ${row.holiday} period of ${entry.year} ends before it begins (${row.from} to ${row.to})`);
      for (let day = from; day <= to; day += 1) {
        invariant(!off.has(day), `holiday periods overlap on ${dateOfDayNumber(day)}`);
        off.set(day, holiday);
      }
      const changedBy = entry.notices.find((notice) => notice.number === row.changed_by);
      invariant(row.changed_by === undefined || changedBy !== undefined, `the ${row.holiday} period of ${entry.year} is changed by ${row.changed_by}, which the year does not list`);
      const notices = [entry.notices[0]!, ...(changedBy ? [changedBy] : [])];
      periods.push({ holiday, from: dateOfDayNumber(from), to: dateOfDayNumber(to), workingDays: row.working_days.map((date) => dateOfDayNumber(dayNumber(date))), notices });
    }
  }
  for (const period of periods) {
    for (const date of period.workingDays) {
      const day = dayNumber(date);
      invariant(isWeekendDay(day), `make-up working day ${date} is not on a weekend`);
      invariant(!off.has(day), `make-up working day ${date} is inside a holiday period`);
      invariant(!worked.has(day), `make-up working day ${date} is listed twice`);
      worked.set(day, period.holiday);
    }
  }

  // Per covered day: worked or not, and how many business days there are up to it (inclusive).
  const length = last - first + 1;
  const business = new Uint8Array(length);
  const countUpTo = new Int32Array(length);
  const businessDays: number[] = [];
  for (let i = 0; i < length; i += 1) {
    const day = first + i;
    business[i] = worked.has(day) || (!off.has(day) && !isWeekendDay(day)) ? 1 : 0;
    if (business[i] === 1) businessDays.push(day);
    countUpTo[i] = businessDays.length;
  }

  const indexOf = (date: BusinessDate): number => {
    const day = dayNumber(date);
    if (day < first || day > last) throw new DateOutsideCalendarError(date, covers);
    return day - first;
  };
  const dayAt = (day: number): CalendarDay => {
    const date = dateOfDayNumber(day);
    const isBusiness = business[day - first] === 1;
    const holiday = off.get(day) ?? worked.get(day) ?? null;
    if (off.has(day)) return { date, business: isBusiness, kind: 'holiday', holiday };
    if (worked.has(day)) return { date, business: isBusiness, kind: 'make_up_working_day', holiday };
    return { date, business: isBusiness, kind: isWeekendDay(day) ? 'weekend' : 'workday', holiday: null };
  };

  const firstYear = Number(covers.from.slice(0, 4)) + (covers.from.endsWith('-01-01') ? 0 : 1);
  const lastYear = Number(covers.to.slice(0, 4)) - (covers.to.endsWith('-12-31') ? 0 : 1);

  const calendar: BusinessCalendar = {
    covers,
    years: { first: firstYear, last: lastYear },
    isBusinessDay: (date) => business[indexOf(date)] === 1,
    nextBusinessDay: (date) => calendar.addBusinessDays(date, 1),
    addBusinessDays(date, n) {
      invariant(Number.isSafeInteger(n), `addBusinessDays needs a whole number of days, not ${n}`);
      const i = indexOf(date);
      if (n === 0) return date;
      const upToDate = countUpTo[i]!;
      const k = n > 0 ? upToDate + n - 1 : upToDate - business[i]! + n;
      if (k < 0) throw new DateOutsideCalendarError(dateOfDayNumber(first - 1), covers);
      if (k >= businessDays.length) throw new DateOutsideCalendarError(dateOfDayNumber(last + 1), covers);
      return dateOfDayNumber(businessDays[k]!);
    },
    businessDaysBetween: (from, to) => countUpTo[indexOf(to)]! - countUpTo[indexOf(from)]!,
    holidayOn: (date) => off.get(indexOf(date) + first) ?? null,
    dayOn: (date) => dayAt(indexOf(date) + first),
    year(year) {
      if (!Number.isSafeInteger(year) || year < firstYear || year > lastYear) return null;
      const start = dayNumber(`${year}-01-01`);
      const end = dayNumber(`${year}-12-31`);
      const days: CalendarDay[] = [];
      for (let day = start; day <= end; day += 1) {
        if ((off.has(day) && !isWeekendDay(day)) || worked.has(day)) days.push(dayAt(day));
      }
      const inYear = (date: string) => date.startsWith(`${year}-`);
      const touching = periods.filter((period) => period.from <= `${year}-12-31` && period.to >= `${year}-01-01` || period.workingDays.some(inYear));
      const notices = new Map<string, CalendarNotice>();
      for (const period of touching) for (const notice of period.notices) notices.set(notice.number, notice);
      return {
        year,
        businessDayCount: countUpTo[end - first]! - countUpTo[start - first]! + business[start - first]!,
        days,
        periods: touching.map(({ holiday, from, to, workingDays }) => ({ holiday, from, to, workingDays })),
        notices: [...notices.values()],
      };
    },
  };
  return calendar;
}
