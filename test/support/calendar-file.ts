import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** `data/calendar/cn-holidays.json`'s shape, writable: tests change it. */
export interface TableJson {
  covers: { from: string; to: string };
  years: { year: number; notices: { number: string; title: string }[]; periods: { holiday: string; from: string; to: string; working_days: string[] }[] }[];
}

/** The shipped table, parsed afresh. */
export function shippedCalendarTable(): TableJson {
  return JSON.parse(readFileSync(path.join(import.meta.dirname, '../../data/calendar/cn-holidays.json'), 'utf8'));
}

/**
 * The shipped table with a made-up 2027 (TEST DATA, not the State Council's arrangement): New
 * Year's Day off from Friday 2027-01-01 to Sunday 2027-01-03, nothing else.
 */
export function tableWithTestYear2027(): TableJson {
  const table = shippedCalendarTable();
  table.covers.to = '2027-12-31';
  table.years.push({
    year: 2027,
    notices: [{ number: 'TEST-2027', title: 'a made-up arrangement for tests' }],
    periods: [{ holiday: 'new_year', from: '2027-01-01', to: '2027-01-03', working_days: [] }],
  });
  return table;
}

export function writeCalendarFile(dir: string, table: unknown, name = 'calendar.json'): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof table === 'string' ? table : JSON.stringify(table));
  return file;
}
