import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CN_CALENDAR, createBusinessCalendar, InvariantError, jsonPointer, type BusinessCalendar, type CalendarTable } from '../core/index.js';
import { UsageError } from './options.js';

/** `YYYY-MM-DD`, a real date. */
const IsoDate = z.string().refine((text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text), 'a date as YYYY-MM-DD');

/** The shape of `data/calendar/cn-holidays.json`; its consistency (no overlaps, make-up days on weekends…) is the calendar's own check. */
const CalendarTableFile = z.object({
  covers: z.object({ from: IsoDate, to: IsoDate }),
  years: z.array(
    z.object({
      year: z.number().int().min(1900).max(9999),
      notices: z.array(z.object({ number: z.string().min(1), title: z.string().min(1) })).min(1),
      periods: z.array(
        z.object({
          holiday: z.string(),
          from: IsoDate,
          to: IsoDate,
          working_days: z.array(IsoDate),
          changed_by: z.string().optional(),
        }),
      ),
    }),
  ),
});

/**
 * `DAIKOU_CALENDAR_FILE`: a business calendar table of the shipped table's shape, used instead of
 * `data/calendar/cn-holidays.json` — so that a year the State Council has published since the
 * release (its notice comes each November or December) can be added without a new build. It must
 * cover every date the shipped table covers: a shorter file would take back days that settlement
 * and re-presentment already count on. Unset: the shipped table.
 */
export function calendarFromEnv(env: NodeJS.ProcessEnv): BusinessCalendar | undefined {
  const file = env.DAIKOU_CALENDAR_FILE;
  if (file === undefined || file === '') return undefined;
  return loadCalendarFile(file);
}

export function loadCalendarFile(file: string): BusinessCalendar {
  const refuse = (why: string): UsageError => new UsageError(`DAIKOU_CALENDAR_FILE ${file}: ${why}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw refuse(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw refuse(`is not JSON (${(error as Error).message}).`);
  }
  const parsed = CalendarTableFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw refuse(`${jsonPointer(issue.path) || '/'}: ${issue.message}. It takes the shape of data/calendar/cn-holidays.json.`);
  }
  const table: CalendarTable = parsed.data;
  let calendar: BusinessCalendar;
  try {
    calendar = createBusinessCalendar(table);
  } catch (error) {
    if (error instanceof InvariantError) throw refuse(`${error.message}.`);
    throw error;
  }
  const shipped = CN_CALENDAR.covers;
  if (calendar.covers.from > shipped.from || calendar.covers.to < shipped.to) {
    throw refuse(`covers ${calendar.covers.from} to ${calendar.covers.to}, less than the shipped table (${shipped.from} to ${shipped.to}): copy data/calendar/cn-holidays.json and add to it.`);
  }
  return calendar;
}
