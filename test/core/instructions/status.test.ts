import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_STATES,
  DEBIT_STATUSES,
  INSTRUCTION_STATUSES,
  InvariantError,
  OPEN_ATTEMPT_STATES,
  assertTransition,
  canTransition,
  isFinal,
  type DebitStatus,
} from '../../../src/core/index.js';

/**
 * Every (from, to) pair of debit statuses. `submitted → pending` is the only way back, and only
 * once the channel has said it does not hold the debit (DESIGN-NOTES §1).
 */
const ALLOWED: readonly (readonly [DebitStatus, DebitStatus])[] = [
  ['pending', 'submitted'],
  ['pending', 'failed'],
  ['submitted', 'succeeded'],
  ['submitted', 'failed'],
  ['submitted', 'pending'],
];

const PAIRS = DEBIT_STATUSES.flatMap((from) =>
  DEBIT_STATUSES.map((to) => [from, to, ALLOWED.some(([a, b]) => a === from && b === to)] as const),
);

describe('debit state machine', () => {
  it('has the five statuses of SPEC §5', () => {
    expect([...DEBIT_STATUSES].sort()).toEqual(['failed', 'pending', 'rejected', 'submitted', 'succeeded']);
    expect(DEBIT_STATUSES).toBe(INSTRUCTION_STATUSES);
    expect(PAIRS).toHaveLength(25);
  });

  it.each(PAIRS)('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition('debit', from, to)).toBe(allowed);
    if (allowed) {
      expect(() => assertTransition('debit', from, to)).not.toThrow();
    } else {
      expect(() => assertTransition('debit', from, to)).toThrow(InvariantError);
    }
  });

  it.each([
    // status, final
    ['pending', false],
    ['submitted', false],
    ['succeeded', true],
    ['failed', true],
    ['rejected', true],
  ] as const)('%s is final: %s', (status, final) => {
    expect(isFinal('debit', status)).toBe(final);
  });

  it('lets nothing leave a final status, and nothing enter rejected', () => {
    for (const [from, to, allowed] of PAIRS) {
      if (isFinal('debit', from) || to === 'rejected') expect({ from, to, allowed }).toEqual({ from, to, allowed: false });
    }
  });

  it('names the transition it refuses', () => {
    expect(() => assertTransition('debit', 'succeeded', 'failed')).toThrow('a debit cannot go from succeeded to failed');
  });

  it.each([
    // created in, allowed
    ['pending', true],
    ['rejected', true],
    ['submitted', false],
    ['succeeded', false],
    ['failed', false],
  ] as const)('a new debit created %s: allowed %s', (to, allowed) => {
    expect(canTransition('debit', null, to)).toBe(allowed);
  });
});

describe('attempt states', () => {
  it.each([
    // state, open (the channel may hold the debit)
    ['sending', true],
    ['accepted', true],
    ['unknown', true],
    ['not_sent', false],
    ['not_found', false],
    ['succeeded', false],
    ['failed', false],
  ] as const)('%s is open: %s', (state, open) => {
    expect((OPEN_ATTEMPT_STATES as readonly string[]).includes(state)).toBe(open);
    expect(ATTEMPT_STATES).toContain(state);
  });

  it('covers every attempt state in the table above', () => {
    expect(ATTEMPT_STATES).toHaveLength(7);
  });
});
