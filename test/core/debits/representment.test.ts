import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CN_CALENDAR, checkRepresent, representDueBefore, type BusinessDate, type PresentedDebit, type RepresentRefusal } from '../../../src/core/index.js';

const failed = (extra: Partial<PresentedDebit> = {}): PresentedDebit => ({ status: 'failed', failureCode: 'insufficient_funds', presentment: 0, failedOn: '2024-09-27' as BusinessDate, ...extra });

describe('checkRepresent (SPEC §9, §14)', () => {
  // 2024-09-27 is a Friday; 2024-09-29 (Sunday) was worked for National Day; 10-01 to 10-07 were off.
  it.each([
    ['a Friday failure on the Saturday', failed(), '2024-09-28', 1, 'represent_too_soon'],
    ['a Friday failure on the Sunday worked for National Day', failed(), '2024-09-29', 1, null],
    ['a Friday failure on the Monday after', failed(), '2024-09-30', 1, null],
    ['two business days: not on the Sunday worked', failed(), '2024-09-29', 2, 'represent_too_soon'],
    ['two business days: on the Monday', failed(), '2024-09-30', 2, null],
    ['a Monday failure during the National Day week', failed({ failedOn: '2024-09-30' as BusinessDate }), '2024-10-07', 1, 'represent_too_soon'],
    ['a Monday failure after the National Day week', failed({ failedOn: '2024-09-30' as BusinessDate }), '2024-10-08', 1, null],
    ['the same day', failed(), '2024-09-27', 1, 'represent_too_soon'],
    ['a pending debit', failed({ status: 'pending', failedOn: null }), '2024-10-08', 1, 'debit_not_failed'],
    ['a succeeded debit', failed({ status: 'succeeded', failureCode: null, failedOn: null }), '2024-10-08', 1, 'debit_not_failed'],
    ['account_closed', failed({ failureCode: 'account_closed' }), '2024-10-08', 1, 'not_retryable'],
    ['unknown', failed({ failureCode: 'unknown' }), '2024-10-08', 1, 'not_retryable'],
    ['limit_exceeded', failed({ failureCode: 'limit_exceeded' }), '2024-10-08', 1, null],
    ['channel_unavailable', failed({ failureCode: 'channel_unavailable' }), '2024-10-08', 1, null],
    ['the first re-presentment', failed({ presentment: 1 }), '2024-10-08', 1, null],
    ['the second re-presentment', failed({ presentment: 2 }), '2024-10-08', 1, 'represent_limit_reached'],
    ['the limit before the wait', failed({ presentment: 2 }), '2024-09-27', 1, 'represent_limit_reached'],
  ] as const)('%s → %s', (_name, debit, today, after, expected: RepresentRefusal | null) => {
    expect(checkRepresent(debit, today as BusinessDate, CN_CALENDAR, after)).toBe(expected);
  });

  it('representDueBefore agrees with checkRepresent on every date and wait', () => {
    const first = Date.UTC(2017, 1, 1);
    const days = Math.floor((Date.UTC(2026, 11, 31) - first) / 86_400_000);
    const date = (n: number) => new Date(first + n * 86_400_000).toISOString().slice(0, 10) as BusinessDate;
    fc.assert(
      fc.property(fc.integer({ min: 30, max: days }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 5 }), (todayN, back, after) => {
        const today = date(todayN);
        const failedOn = date(todayN - back);
        const due = checkRepresent(failed({ failedOn }), today, CN_CALENDAR, after) === null;
        expect(failedOn < representDueBefore(today, after, CN_CALENDAR)).toBe(due);
      }),
      { numRuns: 2_000 },
    );
  });
});
