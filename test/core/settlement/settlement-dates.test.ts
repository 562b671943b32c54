import { describe, expect, it } from 'vitest';
import { CN_CALENDAR, settlementDates, type BusinessDate } from '../../../src/core/index.js';

/** Where each business date stands on a given day (SPEC §14): a row is the date, today, then the answer. */
describe('settlementDates', () => {
  it.each([
    ['2024-09-23', '2024-09-24', 'due', '2024-09-24'],
    ['2024-09-23', '2024-09-23', 'not_yet_due', '2024-09-24'],
    // Friday → Monday over a plain weekend.
    ['2024-09-06', '2024-09-08', 'not_yet_due', '2024-09-09'],
    // Friday → the Sunday worked before National Day (调休).
    ['2024-09-27', '2024-09-29', 'due', '2024-09-29'],
    // The last day before National Day week → the Tuesday after it.
    ['2024-09-30', '2024-10-07', 'not_yet_due', '2024-10-08'],
    ['2024-09-30', '2024-10-08', 'due', '2024-10-08'],
    // A day of the holiday itself (a debit accepted on it) settles on the first day back too.
    ['2024-10-03', '2024-10-08', 'due', '2024-10-08'],
    // Years later: a catch-up.
    ['2024-09-30', '2026-01-01', 'due', '2024-10-08'],
  ] as const)('%s on %s is %s (settles on %s)', (date, today, kind, settlesOn) => {
    expect(settlementDates(CN_CALENDAR, [date as BusinessDate], today as BusinessDate)).toEqual([{ kind, businessDate: date, settlesOn }]);
  });

  it('refuses to guess the day after the end of the calendar', () => {
    const [plan] = settlementDates(CN_CALENDAR, ['2026-12-31' as BusinessDate], '2027-01-04' as BusinessDate);
    expect(plan).toMatchObject({ kind: 'calendar_not_covered', businessDate: '2026-12-31' });
    expect(plan!.kind === 'calendar_not_covered' && plan!.detail).toContain('covers 2017-01-01 to 2026-12-31');
  });
});
