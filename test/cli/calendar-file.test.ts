import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { calendarFromEnv, loadCalendarFile } from '../../src/cli/calendar-file.js';
import { UsageError } from '../../src/cli/options.js';
import { CN_CALENDAR, type BusinessDate } from '../../src/core/index.js';
import { shippedCalendarTable, tableWithTestYear2027, writeCalendarFile } from '../support/calendar-file.js';

/**
 * `DAIKOU_CALENDAR_FILE`: the business calendar's table from a file the operator gives, so that a
 * year published after the release can be added without a new build. Refusals name the file, the
 * place in it and the reason.
 */
describe('DAIKOU_CALENDAR_FILE', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daikou-calendar-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is not needed: unset or empty, the shipped table is used', () => {
    expect(calendarFromEnv({})).toBeUndefined();
    expect(calendarFromEnv({ DAIKOU_CALENDAR_FILE: '' })).toBeUndefined();
  });

  it('extends the calendar by the years the file adds, and answers the shipped years alike', () => {
    const calendar = calendarFromEnv({ DAIKOU_CALENDAR_FILE: writeCalendarFile(dir, tableWithTestYear2027()) })!;
    expect(CN_CALENDAR.years.last).toBe(2026);
    expect(calendar.years).toEqual({ first: 2017, last: 2027 });
    expect(() => CN_CALENDAR.nextBusinessDay('2026-12-31' as BusinessDate)).toThrow(/covers 2017-01-01 to 2026-12-31/);
    expect(calendar.nextBusinessDay('2026-12-31' as BusinessDate)).toBe('2027-01-04');
    expect(calendar.year(2027)!.notices).toEqual([{ number: 'TEST-2027', title: 'a made-up arrangement for tests' }]);
    for (const year of [2017, 2020, 2024, 2026]) expect(calendar.year(year)).toEqual(CN_CALENDAR.year(year));
  });

  const refusals: [string, unknown, RegExp][] = [
    ['text that is not JSON', '{"covers":', /is not JSON/],
    ['a date that is not a date', (() => { const t = tableWithTestYear2027(); t.years.at(-1)!.periods[0]!.to = '2027-02-30'; return t; })(), /\/years\/10\/periods\/0\/to: a date as YYYY-MM-DD/],
    ['a year without a notice', (() => { const t = tableWithTestYear2027(); t.years.at(-1)!.notices = []; return t; })(), /\/years\/10\/notices/],
    ['overlapping periods', (() => { const t = tableWithTestYear2027(); t.years.at(-1)!.periods.push({ holiday: 'spring_festival', from: '2027-01-02', to: '2027-01-05', working_days: [] }); return t; })(), /holiday periods overlap on 2027-01-02/],
    ['an unknown holiday', (() => { const t = tableWithTestYear2027(); t.years.at(-1)!.periods[0]!.holiday = 'christmas'; return t; })(), /unknown holiday christmas in 2027/],
    ['a make-up day on a weekday', (() => { const t = tableWithTestYear2027(); t.years.at(-1)!.periods[0]!.working_days.push('2027-01-06'); return t; })(), /make-up working day 2027-01-06 is not on a weekend/],
    ['covers a year it lists no arrangement for', (() => { const t = shippedCalendarTable(); t.covers.to = '2027-12-31'; return t; })(), /covers 2027 but lists no arrangement/],
    ['less than the shipped table', (() => { const t = shippedCalendarTable(); t.covers.to = '2025-12-31'; t.years = t.years.filter((entry) => entry.year <= 2025); return t; })(), /covers 2017-01-01 to 2025-12-31, less than the shipped table \(2017-01-01 to 2026-12-31\)/],
  ];
  it.each(refusals)('refuses %s, naming the file and the reason', (_, table, reason) => {
    const file = writeCalendarFile(dir, table, 'refused.json');
    let error: unknown;
    try {
      loadCalendarFile(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`DAIKOU_CALENDAR_FILE ${file}: `);
    expect((error as Error).message).toMatch(reason);
  });

  it('refuses a file it cannot read', () => {
    const missing = path.join(dir, 'missing.json');
    expect(() => calendarFromEnv({ DAIKOU_CALENDAR_FILE: missing })).toThrow(`DAIKOU_CALENDAR_FILE ${missing}: cannot be read (ENOENT).`);
  });
});
