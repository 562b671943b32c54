import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CN_CALENDAR,
  DateOutsideCalendarError,
  addBusinessDays,
  businessDaysBetween,
  calendarYear,
  createBusinessCalendar,
  holidayOn,
  isBusinessDay,
  nextBusinessDay,
  type BusinessDate,
  type CalendarTable,
} from '../../../src/core/index.js';

const d = (text: string) => text as BusinessDate;
const DAY_MS = 86_400_000;

/** Any date the shipped table covers. */
const coveredDate = fc
  .integer({ min: Date.parse('2017-01-01T00:00:00Z') / DAY_MS, max: Date.parse('2026-12-31T00:00:00Z') / DAY_MS })
  .map((day) => new Date(day * DAY_MS).toISOString().slice(0, 10) as BusinessDate);
const coveredBusinessDay = coveredDate.filter((date) => isBusinessDay(date));

describe('business days around holidays (rows: date, then the expected answer)', () => {
  it.each([
    // The National Day week of 2024 and the Sunday before it that was worked.
    ['2024-09-27', true, '2024-09-29'],
    ['2024-09-28', false, '2024-09-29'],
    ['2024-09-29', true, '2024-09-30'],
    ['2024-09-30', true, '2024-10-08'],
    ['2024-10-01', false, '2024-10-08'],
    ['2024-10-07', false, '2024-10-08'],
    ['2024-10-11', true, '2024-10-12'],
    ['2024-10-12', true, '2024-10-14'],
    // 除夕 2024 was worked; the make-up Sunday after the Spring Festival too.
    ['2024-02-09', true, '2024-02-18'],
    ['2024-02-18', true, '2024-02-19'],
    // 2018-12-31 was given by the 2019 notice; the table's first day is a Sunday of a holiday.
    ['2018-12-28', true, '2018-12-29'],
    ['2018-12-29', true, '2019-01-02'],
    ['2017-01-01', false, '2017-01-03'],
  ])('%s: business day %s, next %s', (date, business, next) => {
    expect(isBusinessDay(d(date))).toBe(business);
    expect(nextBusinessDay(d(date))).toBe(next);
  });

  it.each([
    ['2024-09-30', 1, '2024-10-08'],
    ['2024-09-30', 5, '2024-10-12'],
    ['2024-10-08', -1, '2024-09-30'],
    ['2024-10-05', -1, '2024-09-30'],
    ['2024-10-05', 0, '2024-10-05'],
    ['2024-02-08', 2, '2024-02-18'],
  ])('addBusinessDays(%s, %i) is %s', (date, n, expected) => {
    expect(addBusinessDays(d(date), n)).toBe(expected);
  });

  it.each([
    ['2024-09-30', '2024-10-08', 1],
    ['2024-10-01', '2024-10-07', 0],
    ['2024-10-08', '2024-09-30', -1],
    ['2024-01-01', '2024-01-01', 0],
    ['2023-12-31', '2024-12-31', 251],
  ])('businessDaysBetween(%s, %s) is %i', (from, to, expected) => {
    expect(businessDaysBetween(d(from), d(to))).toBe(expected);
  });

  it('names the holiday of a day off, and no holiday for an ordinary day', () => {
    expect(holidayOn(d('2024-10-05'))).toMatchObject({ key: 'national_day', name: 'National Day', nameZh: '国庆节' });
    expect(holidayOn(d('2025-10-06'))).toMatchObject({ key: 'national_day_mid_autumn', nameZh: '国庆节、中秋节' });
    expect(holidayOn(d('2024-09-29'))).toBeNull();
    expect(holidayOn(d('2024-10-09'))).toBeNull();
    expect(CN_CALENDAR.dayOn(d('2024-10-09'))).toEqual({ date: '2024-10-09', business: true, kind: 'workday', holiday: null });
    expect(CN_CALENDAR.dayOn(d('2024-10-13'))).toEqual({ date: '2024-10-13', business: false, kind: 'weekend', holiday: null });
  });
});

describe('the end of the table is visible', () => {
  it('refuses to step past the last covered day instead of guessing', () => {
    expect(nextBusinessDay(d('2026-12-30'))).toBe('2026-12-31');
    expect(() => nextBusinessDay(d('2026-12-31'))).toThrow(DateOutsideCalendarError);
    expect(() => addBusinessDays(d('2026-12-30'), 2)).toThrow(DateOutsideCalendarError);
    expect(() => addBusinessDays(d('2017-01-03'), -1)).toThrow(DateOutsideCalendarError);
    expect(() => businessDaysBetween(d('2026-12-01'), d('2027-01-04'))).toThrow(DateOutsideCalendarError);
  });

  it('says which date and which range', () => {
    try {
      isBusinessDay(d('2027-01-04'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DateOutsideCalendarError);
      expect((error as DateOutsideCalendarError).date).toBe('2027-01-04');
      expect((error as Error).message).toContain('2017-01-01 to 2026-12-31');
    }
  });
});

describe('properties over every covered date', () => {
  it('nextBusinessDay(d) is a business day after d, with none in between', () => {
    fc.assert(
      fc.property(coveredDate.filter((date) => date < '2026-12-31'), (date) => {
        const next = nextBusinessDay(date);
        expect(next > date).toBe(true);
        expect(isBusinessDay(next)).toBe(true);
        expect(businessDaysBetween(date, next)).toBe(1);
      }),
    );
  });

  it('addBusinessDays(d, n) then back by n returns to a business day d', () => {
    fc.assert(
      fc.property(coveredBusinessDay, fc.integer({ min: -30, max: 30 }), (date, n) => {
        let there: BusinessDate;
        try {
          there = addBusinessDays(date, n);
        } catch (error) {
          // Only the table's ends may refuse: within 30 business days of them.
          expect(error).toBeInstanceOf(DateOutsideCalendarError);
          expect(date < '2017-03-01' || date > '2026-10-15').toBe(true);
          return;
        }
        expect(isBusinessDay(there)).toBe(true);
        expect(businessDaysBetween(date, there)).toBe(n);
        expect(addBusinessDays(there, -n)).toBe(date);
      }),
    );
  });

  it('no date is both a day off and a make-up working day', () => {
    for (const year of [2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]) {
      const listed = calendarYear(year)!;
      const kinds = new Map<string, string[]>();
      for (const day of listed.days) kinds.set(day.date, [...(kinds.get(day.date) ?? []), day.kind]);
      expect([...kinds.values()].filter((k) => k.length > 1)).toEqual([]);
      for (const period of listed.periods) {
        for (const worked of period.workingDays) expect(worked < period.from || worked > period.to).toBe(true);
      }
    }
    fc.assert(
      fc.property(coveredDate, (date) => {
        const day = CN_CALENDAR.dayOn(date);
        expect(day.business).toBe(day.kind === 'workday' || day.kind === 'make_up_working_day');
        if (day.kind === 'holiday' || day.kind === 'make_up_working_day') expect(day.holiday).not.toBeNull();
      }),
    );
  });
});

describe('a table is checked as it loads (a bad one is a bug in the repository)', () => {
  const table = (periods: CalendarTable['years'][number]['periods'], covers = { from: '2024-01-01', to: '2024-12-31' }): CalendarTable => ({
    covers,
    years: [{ year: 2024, notices: [{ number: 'n', title: 't' }], periods }],
  });

  it('accepts a small, well-formed one', () => {
    const calendar = createBusinessCalendar(table([{ holiday: 'qingming', from: '2024-04-04', to: '2024-04-06', working_days: ['2024-04-07'] }]));
    expect(calendar.isBusinessDay(d('2024-04-05'))).toBe(false);
    expect(calendar.isBusinessDay(d('2024-04-07'))).toBe(true);
    expect(calendar.year(2024)!.businessDayCount).toBe(262 - 2 + 1);
  });

  it('gives each period the notice of its year, and the later one that changed it', () => {
    expect(calendarYear(2019)!.notices.map((notice) => notice.number)).toEqual(['国办发明电〔2018〕15号', '国办发明电〔2019〕2号']);
    expect(calendarYear(2018)!.notices.map((notice) => notice.number)).toEqual(['国办发明电〔2017〕12号', '国办发明电〔2018〕15号']);
    // 元旦 2018 began on Saturday 2017-12-30: the 2018 notice has days in 2017, though no weekday.
    expect(calendarYear(2017)!.notices.map((notice) => notice.number)).toEqual(['国办发明电〔2016〕17号', '国办发明电〔2017〕12号']);
    expect(calendarYear(2026)!.notices.map((notice) => notice.number)).toEqual(['国办发明电〔2025〕7号']);
  });

  it.each([
    ['a make-up day on a weekday', [{ holiday: 'qingming', from: '2024-04-04', to: '2024-04-06', working_days: ['2024-04-08'] }], /weekend/],
    ['a make-up day inside a period', [{ holiday: 'qingming', from: '2024-04-04', to: '2024-04-07', working_days: ['2024-04-07'] }], /inside/],
    ['overlapping periods', [
      { holiday: 'qingming', from: '2024-04-04', to: '2024-04-06', working_days: [] },
      { holiday: 'labour_day', from: '2024-04-06', to: '2024-04-08', working_days: [] },
    ], /overlap/],
    ['an unknown holiday', [{ holiday: 'christmas', from: '2024-12-25', to: '2024-12-25', working_days: [] }], /unknown holiday/],
    ['a change by a notice the year does not list', [{ holiday: 'qingming', from: '2024-04-04', to: '2024-04-06', working_days: [], changed_by: 'other' }], /does not list/],
    ['a period that ends before it begins', [{ holiday: 'qingming', from: '2024-04-06', to: '2024-04-04', working_days: [] }], /ends before/],
  ])('refuses %s', (_name, periods, message) => {
    expect(() => createBusinessCalendar(table(periods))).toThrow(message);
  });

  it('refuses a covered year without its notice', () => {
    expect(() => createBusinessCalendar(table([], { from: '2024-01-01', to: '2025-12-31' }))).toThrow(/2025/);
  });
});
