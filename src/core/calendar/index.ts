/**
 * The business calendar (SPEC §14): which Asia/Shanghai dates are business days under China's
 * public holidays and make-up working days (调休), from a table of the State Council's notices.
 * Pure: no clock; dates beyond the table are refused, never guessed.
 */
export * from './holiday.js';
export * from './business-calendar.js';
export * from './cn-calendar.js';
export { calendarDatePlus } from './calendar-day-number.js';
