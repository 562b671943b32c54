import { describe, expect, it } from 'vitest';
import {
  CN_CALENDAR,
  DateOutsideCalendarError,
  calendarYear,
  holidayOn,
  isBusinessDay,
  type BusinessDate,
} from '../../../src/core/index.js';

/**
 * Each year of the shipped calendar against the State Council's notice for it, transcribed here
 * a second time, by hand and apart from data/calendar/cn-holidays.json: every holiday period
 * (days off, weekends included) and every make-up working day (调休上班), as the notice writes
 * them. Then every day of the year is checked, and the year's business days are counted.
 *
 * The counts are written by hand from the notices as weekdays − weekdays off + make-up days,
 * and checked once more by a rule that owes nothing to either transcription: swaps (调休) move
 * days off without adding any, and a statutory day that falls on a weekend is given back on a
 * weekday (补休), so a year loses exactly its statutory days off from its weekdays — 11 until
 * 2024, 13 from 2025 (全国年节及纪念日放假办法 as amended in 2024 added 除夕 and 5月2日) — and 2020
 * two more (the Spring Festival extension: 01-31 off, the 02-01 make-up day cancelled).
 */

type Period = readonly [nameZh: string, from: string, to: string, workingDays: readonly string[]];

interface PublishedYear {
  year: number;
  notice: string;
  periods: readonly Period[];
  /** Monday to Friday in the year. */
  weekdays: number;
  /** Mondays to Fridays inside the periods and in the year. */
  weekdaysOff: number;
  /** Make-up working days in the year. */
  makeUpDays: number;
  businessDays: number;
}

const PUBLISHED: readonly PublishedYear[] = [
  {
    year: 2017,
    notice: '国办发明电〔2016〕17号',
    periods: [
      ['元旦', '2016-12-31', '2017-01-02', []],
      ['春节', '2017-01-27', '2017-02-02', ['2017-01-22', '2017-02-04']],
      ['清明节', '2017-04-02', '2017-04-04', ['2017-04-01']],
      ['劳动节', '2017-04-29', '2017-05-01', []],
      ['端午节', '2017-05-28', '2017-05-30', ['2017-05-27']],
      ['国庆节、中秋节', '2017-10-01', '2017-10-08', ['2017-09-30']],
    ],
    // 01-02; 01-27, 01-30..02-02; 04-03, 04-04; 05-01; 05-29, 05-30; 10-02..10-06
    weekdays: 260, weekdaysOff: 16, makeUpDays: 5, businessDays: 249,
  },
  {
    year: 2018,
    notice: '国办发明电〔2017〕12号',
    periods: [
      ['元旦', '2017-12-30', '2018-01-01', []],
      ['春节', '2018-02-15', '2018-02-21', ['2018-02-11', '2018-02-24']],
      ['清明节', '2018-04-05', '2018-04-07', ['2018-04-08']],
      ['劳动节', '2018-04-29', '2018-05-01', ['2018-04-28']],
      ['端午节', '2018-06-16', '2018-06-18', []],
      ['中秋节', '2018-09-22', '2018-09-24', []],
      ['国庆节', '2018-10-01', '2018-10-07', ['2018-09-29', '2018-09-30']],
      // From the 2019 notice: 元旦 2019 began on 2018-12-30, and 2018-12-29 was worked.
      ['元旦', '2018-12-30', '2019-01-01', ['2018-12-29']],
    ],
    // 01-01; 02-15, 02-16, 02-19..02-21; 04-05, 04-06; 04-30, 05-01; 06-18; 09-24; 10-01..10-05; 12-31
    weekdays: 261, weekdaysOff: 18, makeUpDays: 7, businessDays: 250,
  },
  {
    year: 2019,
    notice: '国办发明电〔2018〕15号, 劳动节 changed by 国办发明电〔2019〕2号',
    periods: [
      ['元旦', '2018-12-30', '2019-01-01', ['2018-12-29']],
      ['春节', '2019-02-04', '2019-02-10', ['2019-02-02', '2019-02-03']],
      ['清明节', '2019-04-05', '2019-04-07', []],
      ['劳动节', '2019-05-01', '2019-05-04', ['2019-04-28', '2019-05-05']],
      ['端午节', '2019-06-07', '2019-06-09', []],
      ['中秋节', '2019-09-13', '2019-09-15', []],
      ['国庆节', '2019-10-01', '2019-10-07', ['2019-09-29', '2019-10-12']],
    ],
    // 01-01; 02-04..02-08; 04-05; 05-01..05-03; 06-07; 09-13; 10-01..10-04, 10-07
    weekdays: 261, weekdaysOff: 17, makeUpDays: 6, businessDays: 250,
  },
  {
    year: 2020,
    notice: '国办发明电〔2019〕16号, 春节 extended by 国办发明电〔2020〕1号',
    periods: [
      ['元旦', '2020-01-01', '2020-01-01', []],
      // Published as 01-24..01-30 with 01-19 and 02-01 worked; extended to 02-02, 02-01 not worked.
      ['春节', '2020-01-24', '2020-02-02', ['2020-01-19']],
      ['清明节', '2020-04-04', '2020-04-06', []],
      ['劳动节', '2020-05-01', '2020-05-05', ['2020-04-26', '2020-05-09']],
      ['端午节', '2020-06-25', '2020-06-27', ['2020-06-28']],
      ['国庆节、中秋节', '2020-10-01', '2020-10-08', ['2020-09-27', '2020-10-10']],
    ],
    // 01-01; 01-24, 01-27..01-31; 04-06; 05-01, 05-04, 05-05; 06-25, 06-26; 10-01, 10-02, 10-05..10-08
    weekdays: 262, weekdaysOff: 19, makeUpDays: 6, businessDays: 249,
  },
  {
    year: 2021,
    notice: '国办发明电〔2020〕27号',
    periods: [
      ['元旦', '2021-01-01', '2021-01-03', []],
      ['春节', '2021-02-11', '2021-02-17', ['2021-02-07', '2021-02-20']],
      ['清明节', '2021-04-03', '2021-04-05', []],
      ['劳动节', '2021-05-01', '2021-05-05', ['2021-04-25', '2021-05-08']],
      ['端午节', '2021-06-12', '2021-06-14', []],
      ['中秋节', '2021-09-19', '2021-09-21', ['2021-09-18']],
      ['国庆节', '2021-10-01', '2021-10-07', ['2021-09-26', '2021-10-09']],
    ],
    // 01-01; 02-11, 02-12, 02-15..02-17; 04-05; 05-03..05-05; 06-14; 09-20, 09-21; 10-01, 10-04..10-07
    weekdays: 261, weekdaysOff: 18, makeUpDays: 7, businessDays: 250,
  },
  {
    year: 2022,
    notice: '国办发明电〔2021〕11号',
    periods: [
      ['元旦', '2022-01-01', '2022-01-03', []],
      ['春节', '2022-01-31', '2022-02-06', ['2022-01-29', '2022-01-30']],
      ['清明节', '2022-04-03', '2022-04-05', ['2022-04-02']],
      ['劳动节', '2022-04-30', '2022-05-04', ['2022-04-24', '2022-05-07']],
      ['端午节', '2022-06-03', '2022-06-05', []],
      ['中秋节', '2022-09-10', '2022-09-12', []],
      ['国庆节', '2022-10-01', '2022-10-07', ['2022-10-08', '2022-10-09']],
    ],
    // 01-03; 01-31..02-04; 04-04, 04-05; 05-02..05-04; 06-03; 09-12; 10-03..10-07
    weekdays: 260, weekdaysOff: 18, makeUpDays: 7, businessDays: 249,
  },
  {
    year: 2023,
    notice: '国办发明电〔2022〕16号',
    periods: [
      ['元旦', '2022-12-31', '2023-01-02', []],
      ['春节', '2023-01-21', '2023-01-27', ['2023-01-28', '2023-01-29']],
      ['清明节', '2023-04-05', '2023-04-05', []],
      ['劳动节', '2023-04-29', '2023-05-03', ['2023-04-23', '2023-05-06']],
      ['端午节', '2023-06-22', '2023-06-24', ['2023-06-25']],
      ['国庆节、中秋节', '2023-09-29', '2023-10-06', ['2023-10-07', '2023-10-08']],
    ],
    // 01-02; 01-23..01-27; 04-05; 05-01..05-03; 06-22, 06-23; 09-29, 10-02..10-06
    weekdays: 260, weekdaysOff: 18, makeUpDays: 7, businessDays: 249,
  },
  {
    year: 2024,
    notice: '国办发明电〔2023〕7号',
    periods: [
      ['元旦', '2023-12-30', '2024-01-01', []],
      // 除夕 (02-09, a Friday) is a working day: the notice only encourages employers to give it.
      ['春节', '2024-02-10', '2024-02-17', ['2024-02-04', '2024-02-18']],
      ['清明节', '2024-04-04', '2024-04-06', ['2024-04-07']],
      ['劳动节', '2024-05-01', '2024-05-05', ['2024-04-28', '2024-05-11']],
      ['端午节', '2024-06-08', '2024-06-10', []],
      ['中秋节', '2024-09-15', '2024-09-17', ['2024-09-14']],
      ['国庆节', '2024-10-01', '2024-10-07', ['2024-09-29', '2024-10-12']],
    ],
    // 01-01; 02-12..02-16; 04-04, 04-05; 05-01..05-03; 06-10; 09-16, 09-17; 10-01..10-04, 10-07
    weekdays: 262, weekdaysOff: 19, makeUpDays: 8, businessDays: 251,
  },
  {
    year: 2025,
    notice: '国办发明电〔2024〕12号',
    periods: [
      ['元旦', '2025-01-01', '2025-01-01', []],
      ['春节', '2025-01-28', '2025-02-04', ['2025-01-26', '2025-02-08']],
      ['清明节', '2025-04-04', '2025-04-06', []],
      ['劳动节', '2025-05-01', '2025-05-05', ['2025-04-27']],
      ['端午节', '2025-05-31', '2025-06-02', []],
      ['国庆节、中秋节', '2025-10-01', '2025-10-08', ['2025-09-28', '2025-10-11']],
    ],
    // 01-01; 01-28..01-31, 02-03, 02-04; 04-04; 05-01, 05-02, 05-05; 06-02; 10-01..10-03, 10-06..10-08
    weekdays: 261, weekdaysOff: 18, makeUpDays: 5, businessDays: 248,
  },
  {
    year: 2026,
    notice: '国办发明电〔2025〕7号',
    periods: [
      ['元旦', '2026-01-01', '2026-01-03', ['2026-01-04']],
      ['春节', '2026-02-15', '2026-02-23', ['2026-02-14', '2026-02-28']],
      ['清明节', '2026-04-04', '2026-04-06', []],
      ['劳动节', '2026-05-01', '2026-05-05', ['2026-05-09']],
      ['端午节', '2026-06-19', '2026-06-21', []],
      ['中秋节', '2026-09-25', '2026-09-27', []],
      ['国庆节', '2026-10-01', '2026-10-07', ['2026-09-20', '2026-10-10']],
    ],
    // 01-01, 01-02; 02-16..02-20, 02-23; 04-06; 05-01, 05-04, 05-05; 06-19; 09-25; 10-01, 10-02, 10-05..10-07
    weekdays: 261, weekdaysOff: 19, makeUpDays: 6, businessDays: 248,
  },
];

/** Years the table does not hold: their arrangements were not known with certainty when it was written. */
const NOT_PUBLISHED = [2027, 2028];

const DAY_MS = 86_400_000;

function daysOf(from: string, to: string): BusinessDate[] {
  const out: BusinessDate[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += DAY_MS) {
    out.push(new Date(ms).toISOString().slice(0, 10) as BusinessDate);
  }
  return out;
}

const isWeekend = (date: string) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());

/** Statutory days off a year takes from its weekdays (see the comment at the top). */
function statutoryDaysOff(year: number): number {
  const extension2020 = year === 2020 ? 2 : 0;
  return (year <= 2024 ? 11 : 13) + extension2020;
}

describe('the shipped calendar against the State Council notices', () => {
  it('covers 2017-01-01 to 2026-12-31, one row here per year', () => {
    expect(CN_CALENDAR.covers).toEqual({ from: '2017-01-01', to: '2026-12-31' });
    expect(PUBLISHED.map((row) => row.year)).toEqual([2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]);
  });

  describe.each(PUBLISHED)('$year ($notice)', (row) => {
    const year = String(row.year);
    const inYear = (date: string) => date.startsWith(year);

    it('gives every day of every holiday period off, under its name', () => {
      for (const [nameZh, from, to] of row.periods) {
        for (const date of daysOf(from, to).filter(inYear)) {
          expect({ date, business: isBusinessDay(date), name: holidayOn(date)?.nameZh }).toEqual({ date, business: false, name: nameZh });
        }
      }
    });

    it('works every make-up day, and names the holiday it makes up for', () => {
      for (const [nameZh, , , workingDays] of row.periods) {
        for (const date of workingDays.filter(inYear) as BusinessDate[]) {
          expect(isWeekend(date)).toBe(true);
          const day = CN_CALENDAR.dayOn(date);
          expect({ date, business: isBusinessDay(date), kind: day.kind, name: day.holiday?.nameZh }).toEqual({ date, business: true, kind: 'make_up_working_day', name: nameZh });
        }
      }
    });

    it('works every other weekday and rests every other weekend day', () => {
      const off = new Set(row.periods.flatMap(([, from, to]) => daysOf(from, to)));
      const worked = new Set(row.periods.flatMap(([, , , workingDays]) => workingDays));
      const wrong = daysOf(`${year}-01-01`, `${year}-12-31`).filter((date) => {
        const expected = !off.has(date) && (worked.has(date) || !isWeekend(date));
        return isBusinessDay(date) !== expected;
      });
      expect(wrong).toEqual([]);
    });

    it(`has ${row.businessDays} business days, counted by hand from the notice`, () => {
      expect(row.weekdays - row.weekdaysOff + row.makeUpDays).toBe(row.businessDays);
      expect(daysOf(`${year}-01-01`, `${year}-12-31`).filter((date) => !isWeekend(date))).toHaveLength(row.weekdays);
      expect(row.weekdays - statutoryDaysOff(row.year)).toBe(row.businessDays);
      expect(daysOf(`${year}-01-01`, `${year}-12-31`).filter((date) => isBusinessDay(date))).toHaveLength(row.businessDays);
      const listed = calendarYear(row.year)!;
      expect({
        businessDays: listed.businessDayCount,
        weekdaysOff: listed.days.filter((day) => day.kind === 'holiday').length,
        makeUpDays: listed.days.filter((day) => day.kind === 'make_up_working_day').length,
      }).toEqual({ businessDays: row.businessDays, weekdaysOff: row.weekdaysOff, makeUpDays: row.makeUpDays });
    });
  });

  describe.each(NOT_PUBLISHED)('%i (not in the table)', (year) => {
    it('is an explicit error, never a guess', () => {
      expect(calendarYear(year)).toBeNull();
      for (const date of [`${year}-01-01`, `${year}-06-15`, `${year}-12-31`] as BusinessDate[]) {
        expect(() => isBusinessDay(date)).toThrow(DateOutsideCalendarError);
        expect(() => holidayOn(date)).toThrow(DateOutsideCalendarError);
      }
    });
  });

  it('refuses the days before the table too', () => {
    expect(calendarYear(2016)).toBeNull();
    expect(() => isBusinessDay('2016-12-30' as BusinessDate)).toThrow(DateOutsideCalendarError);
  });
});
