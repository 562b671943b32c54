import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settle } from '../../src/cli/webhooks.js';

/**
 * Where `daikou webhooks listen` starts its next poll: never back, never past an event seen too
 * recently to be sure that nothing below it is still to commit, and what it forgets lies below it.
 */
describe('settle (webhooks listen)', () => {
  const seenArbitrary = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 100 })), { selector: ([id]) => id, maxLength: 30 });
  const id = (n: number) => `evt_${String(n).padStart(3, '0')}`;

  it('moves to the newest id seen at or before the cut, never back, and forgets only what lies at or below it', () => {
    fc.assert(
      fc.property(seenArbitrary, fc.option(fc.integer({ min: 0, max: 999 }), { nil: null }), fc.integer({ min: 0, max: 100 }), (entries, settledAt, before) => {
        const seen = new Map(entries.map(([n, at]) => [id(n), at]));
        const settled = settledAt === null ? null : id(settledAt);
        const next = settle(seen, settled, before);
        const oldEnough = entries.filter(([, at]) => at <= before).map(([n]) => id(n));
        const expected = [settled, ...oldEnough].filter((x): x is string => x !== null).sort().at(-1) ?? null;
        expect(next).toBe(expected);
        for (const [n] of entries) expect(seen.has(id(n))).toBe(next === null || id(n) > next);
      }),
    );
  });

  it('keeps an event seen just now above the point even when an older-seen one has a smaller id', () => {
    const seen = new Map([
      ['evt_002', 10],
      ['evt_005', 99],
    ]);
    expect(settle(seen, 'evt_001', 50)).toBe('evt_002');
    expect([...seen.keys()]).toEqual(['evt_005']);
  });
});
