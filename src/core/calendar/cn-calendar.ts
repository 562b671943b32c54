import type { BusinessDate } from '../kernel/index.js';
import tableJson from '../../../data/calendar/cn-holidays.json' with { type: 'json' };
import { createBusinessCalendar, type BusinessCalendar, type CalendarDay, type CalendarYear } from './business-calendar.js';
import type { Holiday } from './holiday.js';

/**
 * China's business calendar, from the State Council's arrangement notices in
 * `data/calendar/cn-holidays.json` (see its README for sources and the years it holds).
 */
export const CN_CALENDAR: BusinessCalendar = createBusinessCalendar(tableJson);

// The calendar's methods over the shipped table, for callers that need no other.
export const isBusinessDay = (date: BusinessDate): boolean => CN_CALENDAR.isBusinessDay(date);
export const nextBusinessDay = (date: BusinessDate): BusinessDate => CN_CALENDAR.nextBusinessDay(date);
export const addBusinessDays = (date: BusinessDate, n: number): BusinessDate => CN_CALENDAR.addBusinessDays(date, n);
export const businessDaysBetween = (from: BusinessDate, to: BusinessDate): number => CN_CALENDAR.businessDaysBetween(from, to);
export const holidayOn = (date: BusinessDate): Holiday | null => CN_CALENDAR.holidayOn(date);
export const calendarDayOn = (date: BusinessDate): CalendarDay => CN_CALENDAR.dayOn(date);
export const calendarYear = (year: number): CalendarYear | null => CN_CALENDAR.year(year);
