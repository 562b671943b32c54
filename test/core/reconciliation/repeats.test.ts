import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RepeatedKeys, type StatementDirection } from '../../../src/core/index.js';

/**
 * RepeatedKeys, the match's list of the keys that may repeat (docs/reconciliation.md): a Bloom
 * filter, so it may list a key no line repeats, but must list every key a later line repeats.
 */
describe('RepeatedKeys', () => {
  const key = fc.record({ direction: fc.constantFrom<StatementDirection>('debit', 'credit'), endToEndId: fc.string({ minLength: 1, maxLength: 8 }) });

  it('lists every key that a later line repeats, in its direction', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 200 }), (keys) => {
        const repeated = new RepeatedKeys();
        for (const { direction, endToEndId } of keys) repeated.add(direction, endToEndId);
        const listed = repeated.keys()!;
        const seen = new Set<string>();
        for (const { direction, endToEndId } of keys) {
          const id = `${direction}|${endToEndId}`;
          if (seen.has(id)) expect(listed[direction]).toContain(endToEndId);
          seen.add(id);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('lists few keys that no line repeats: at 100,000 distinct keys, under 1 in 1,000', () => {
    const repeated = new RepeatedKeys();
    for (let index = 0; index < 100_000; index += 1) repeated.add(index % 2 === 0 ? 'debit' : 'credit', `dbt_${index.toString(16).padStart(32, '0')}`);
    const listed = repeated.keys()!;
    expect(listed.debit.length + listed.credit.length).toBeLessThan(100);
  });

  it('gives up listing (null: check every line) past 50,000 keys', () => {
    const repeated = new RepeatedKeys();
    for (let round = 0; round < 2; round += 1) for (let index = 0; index < 50_001; index += 1) repeated.add('debit', `k${index}`);
    expect(repeated.keys()).toBeNull();
  });
});
