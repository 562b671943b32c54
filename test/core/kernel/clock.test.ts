import { describe, expect, it } from 'vitest';
import {
  CLOCK_INSTANT_MAX_MS,
  CLOCK_INSTANT_MIN_MS,
  SettableClock,
  businessDate,
  isWithinClockRange,
  businessMonth,
  formatInstant,
  isCalendarDate,
  parseDurationMs,
  startOfBusinessDate,
  type BusinessDate,
  type Clock,
} from '../../../src/core/index.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** A base clock the test moves by hand, standing in for the machine's. */
class ManualClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
}

describe('businessDate and businessMonth', () => {
  it.each([
    // instant (UTC), Shanghai date, Shanghai month
    ['2017-11-30T15:59:59.999Z', '2017-11-30', '2017-11'],
    ['2017-11-30T16:00:00.000Z', '2017-12-01', '2017-12'],
    ['2017-11-30T00:00:00.000Z', '2017-11-30', '2017-11'],
    ['2017-12-31T15:59:59.999Z', '2017-12-31', '2017-12'],
    ['2017-12-31T16:00:00.000Z', '2018-01-01', '2018-01'],
    ['2016-02-28T16:00:00.000Z', '2016-02-29', '2016-02'],
    ['2017-12-07T01:30:00+08:00', '2017-12-07', '2017-12'],
  ])('%s → %s, %s', (instant, date, month) => {
    expect(businessDate(new Date(instant))).toBe(date);
    expect(businessMonth(new Date(instant))).toBe(month);
  });

  it.each([
    // Shanghai date, the UTC instant it begins
    ['2017-12-01', '2017-11-30T16:00:00.000Z'],
    ['2018-01-01', '2017-12-31T16:00:00.000Z'],
  ])('%s begins at %s', (date, instant) => {
    const start = startOfBusinessDate(date as BusinessDate);
    expect(start.toISOString()).toBe(instant);
    expect(businessDate(start)).toBe(date);
    expect(businessDate(new Date(start.getTime() - 1))).not.toBe(date);
  });

  it.each([
    // instant, RFC 3339 in Shanghai
    ['2017-11-30T16:00:00.000Z', '2017-12-01T00:00:00.000+08:00'],
    ['2017-12-07T01:30:05.123Z', '2017-12-07T09:30:05.123+08:00'],
  ])('%s is written %s', (instant, text) => {
    expect(formatInstant(new Date(instant))).toBe(text);
    expect(new Date(text).toISOString()).toBe(instant);
  });
});

describe('isCalendarDate', () => {
  it.each([
    // text, is a calendar date
    ['2017-12-31', true],
    ['2016-02-29', true],
    ['2000-02-29', true],
    ['2017-02-28', true],
    ['2017-02-29', false],
    ['1900-02-29', false],
    ['2017-04-31', false],
    ['2017-13-01', false],
    ['2017-00-10', false],
    ['2017-12-00', false],
    ['2017-12-32', false],
    ['2017-4-1', false],
    ['20171201', false],
    ['2017-12-01T00:00:00Z', false],
    [' 2017-12-01', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(isCalendarDate(text)).toBe(expected);
  });
});

describe('parseDurationMs', () => {
  it.each([
    // text, milliseconds
    ['P1D', DAY_MS],
    ['PT36H', 36 * HOUR_MS],
    ['PT90M', 90 * 60_000],
    ['PT1H30M', 90 * 60_000],
    ['PT5S', 5_000],
    ['PT0.5S', 500],
    ['PT0S', 0],
    ['P0D', 0],
    ['P2DT3H4M5.5S', ((2 * 24 + 3) * 60 + 4) * 60_000 + 5_500],
    ['P10DT1H', 10 * DAY_MS + HOUR_MS],
  ])('%j → %i ms', (text, expected) => {
    expect(parseDurationMs(text)).toBe(expected);
  });

  it.each([
    // text: refused
    'P',
    'PT',
    'P1DT',
    'P1M',
    'P1Y',
    'P1W',
    'PT1.5M',
    'PT1.5H',
    'P-1D',
    'PT-5S',
    '1D',
    'pt1h',
    ' P1D',
    'P1D ',
    'PT1S1H',
    '',
  ])('%j → null', (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });
});

describe('SettableClock', () => {
  const T0 = Date.parse('2017-12-07T01:30:00.000Z');

  it('reads its base clock until it is set', () => {
    const base = new ManualClock(T0);
    const clock = new SettableClock(base);
    expect(clock.now().toISOString()).toBe('2017-12-07T01:30:00.000Z');
    expect(clock.offsetMs).toBe(0);
    base.ms += 1_000;
    expect(clock.now().getTime()).toBe(T0 + 1_000);
  });

  it('starts from a given offset', () => {
    const clock = new SettableClock(new ManualClock(T0), DAY_MS);
    expect(clock.now().getTime()).toBe(T0 + DAY_MS);
  });

  it('jumps to the instant it is set to, then runs on at the base clock pace', () => {
    const base = new ManualClock(T0);
    const clock = new SettableClock(base);
    clock.set(new Date('2017-11-30T16:00:00.000Z'));
    expect(clock.now().toISOString()).toBe('2017-11-30T16:00:00.000Z');
    expect(clock.offsetMs).toBe(Date.parse('2017-11-30T16:00:00.000Z') - T0);
    base.ms += 5_000;
    expect(clock.now().toISOString()).toBe('2017-11-30T16:00:05.000Z');
  });

  it('advances by a duration, on top of where it was set', () => {
    const base = new ManualClock(T0);
    const clock = new SettableClock(base);
    clock.set(new Date('2017-11-30T15:00:00.000Z'));
    clock.advance(parseDurationMs('PT1H')!);
    expect(businessDate(clock.now())).toBe('2017-12-01');
    clock.advance(DAY_MS);
    expect(clock.now().toISOString()).toBe('2017-12-01T16:00:00.000Z');
    base.ms += 1;
    expect(clock.now().toISOString()).toBe('2017-12-01T16:00:00.001Z');
  });
});

describe('the settable clock keeps to years 2000 to 2100 (Asia/Shanghai)', () => {
  const T0 = Date.parse('2017-12-07T01:30:00.000Z');

  it.each([
    // instant, within the range
    ['1999-12-31T23:59:59.999+08:00', false],
    ['2000-01-01T00:00:00.000+08:00', true],
    ['2100-12-31T23:59:59.999+08:00', true],
    ['2101-01-01T00:00:00.000+08:00', false],
    ['9999-12-31T00:00:00.000Z', false],
  ])('%s → %s', (instant, expected) => {
    expect(isWithinClockRange(Date.parse(instant))).toBe(expected);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, CLOCK_INSTANT_MIN_MS - 1, CLOCK_INSTANT_MAX_MS + 1])('%s ms is outside', (ms) => {
    expect(isWithinClockRange(ms)).toBe(false);
  });

  it.each([
    // how it is moved: refused, and the clock stays where it was
    ['set to 1999', (clock: SettableClock) => clock.set(new Date('1999-12-31T15:59:59.999Z'))],
    ['set to 2101', (clock: SettableClock) => clock.set(new Date('2101-01-01T00:00:00+08:00'))],
    ['set to an invalid date', (clock: SettableClock) => clock.set(new Date(Number.NaN))],
    ['advanced by P99999999D', (clock: SettableClock) => clock.advance(parseDurationMs('P99999999D')!)],
    ['advanced past 2100', (clock: SettableClock) => clock.advance(Date.parse('2101-01-01T00:00:00+08:00') - T0)],
    ['moved back before 2000', (clock: SettableClock) => clock.advance(-20 * 366 * DAY_MS)],
    ['advanced by an infinite duration', (clock: SettableClock) => clock.advance(Number.POSITIVE_INFINITY)],
  ])('%s: refused', (_label, move) => {
    const clock = new SettableClock(new ManualClock(T0));
    expect(() => move(clock)).toThrow(/2000/);
    expect(clock.offsetMs).toBe(0);
    expect(clock.now().getTime()).toBe(T0);
  });

  it('may be set to the first and last instants of the range', () => {
    const clock = new SettableClock(new ManualClock(T0));
    clock.set(new Date(CLOCK_INSTANT_MIN_MS));
    expect(formatInstant(clock.now())).toBe('2000-01-01T00:00:00.000+08:00');
    clock.set(new Date(CLOCK_INSTANT_MAX_MS));
    expect(formatInstant(clock.now())).toBe('2100-12-31T23:59:59.999+08:00');
  });
});
