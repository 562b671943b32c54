import { invariant } from './invariant.js';

/**
 * Time. Every date rule reads one Clock; business dates and months are Asia/Shanghai
 * (UTC+08:00, no daylight saving), never the machine's local zone.
 */
export interface Clock {
  now(): Date;
}

// The one reading of the machine's time; everything else receives a Clock.
// eslint-disable-next-line no-restricted-syntax
export const systemClock: Clock = { now: () => new Date() };

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

/** A business date, `YYYY-MM-DD` in Asia/Shanghai. */
export type BusinessDate = string & { readonly __brand: 'BusinessDate' };
/** A calendar month, `YYYY-MM` in Asia/Shanghai. */
export type BusinessMonth = string & { readonly __brand: 'BusinessMonth' };

export function businessDate(instant: Date): BusinessDate {
  // Asked for once or more per debit, nearly always for the same day: the last answer is kept.
  const day = Math.floor((instant.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS);
  if (day !== lastDay.day) lastDay = { day, date: new Date(day * DAY_MS).toISOString().slice(0, 10) as BusinessDate };
  return lastDay.date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
let lastDay = { day: Number.NaN, date: '' as BusinessDate };

export function businessMonth(instant: Date): BusinessMonth {
  return businessDate(instant).slice(0, 7) as BusinessMonth;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `text` is a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(text: string): text is BusinessDate {
  const match = DATE_PATTERN.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/** RFC 3339 with the Shanghai offset, e.g. `2017-12-07T09:30:00.000+08:00`. */
export function formatInstant(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().replace('Z', '+08:00');
}

/** The instant at which a Shanghai business date begins. */
export function startOfBusinessDate(date: BusinessDate): Date {
  return new Date(Date.parse(`${date}T00:00:00+08:00`));
}

const DURATION_PATTERN = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Parses the subset of ISO 8601 durations a test clock needs: days, hours, minutes, seconds
 * (`P1D`, `PT36H`, `P2DT3H4M5.5S`). Months and years have no fixed length and are refused.
 */
export function parseDurationMs(text: string): number | null {
  const match = DURATION_PATTERN.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return null;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  return Math.round((((days! * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * 1000);
}

/**
 * The range a settable clock may be moved within: years 2000 to 2100 in Asia/Shanghai. Every
 * date rule, stored timestamp and business date is written for these years; beyond them a Date
 * overflows (an "advance" of P99999999D is an invalid date) and every later call would fail.
 */
export const CLOCK_INSTANT_MIN_MS = Date.parse('2000-01-01T00:00:00.000+08:00');
/** The last millisecond of 2100 in Shanghai. */
export const CLOCK_INSTANT_MAX_MS = Date.parse('2101-01-01T00:00:00.000+08:00') - 1;
/** How the range is named in refusals. */
export const CLOCK_RANGE_TEXT = 'from 2000-01-01 to 2100-12-31 (Asia/Shanghai)';

/** True when a clock may read `instantMs`: a finite instant within the years 2000 to 2100. */
export function isWithinClockRange(instantMs: number): boolean {
  return Number.isFinite(instantMs) && instantMs >= CLOCK_INSTANT_MIN_MS && instantMs <= CLOCK_INSTANT_MAX_MS;
}

/**
 * A clock an operator can set or advance (the sandbox's test clock). It runs on from where it
 * was set, at the pace of the underlying clock. It refuses (a bug: callers check the range
 * first and answer with a pointer) to be moved outside the years 2000 to 2100.
 */
export class SettableClock implements Clock {
  #offsetMs: number;
  constructor(
    private readonly base: Clock = systemClock,
    offsetMs = 0,
  ) {
    this.#offsetMs = offsetMs;
  }
  now(): Date {
    return new Date(this.base.now().getTime() + this.#offsetMs);
  }
  set(instant: Date): void {
    const instantMs = instant.getTime();
    invariant(isWithinClockRange(instantMs), `the clock may only be set ${CLOCK_RANGE_TEXT}`);
    this.#offsetMs = instantMs - this.base.now().getTime();
  }
  advance(ms: number): void {
    invariant(isWithinClockRange(this.now().getTime() + ms), `the clock may only be moved ${CLOCK_RANGE_TEXT}`);
    this.#offsetMs += ms;
  }
  get offsetMs(): number {
    return this.#offsetMs;
  }
}
