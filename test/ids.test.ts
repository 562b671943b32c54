import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Uuidv7Ids } from '../src/ids.js';

const UUIDV7 = /^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/;

describe('UUIDv7 ids', () => {
  it('are the prefix and 32 hex digits with version 7 and the RFC 9562 variant', () => {
    const ids = new Uuidv7Ids();
    for (let i = 0; i < 2_000; i += 1) {
      const id = ids.next('debit');
      expect(id).toMatch(/^dbt_/);
      expect(id.slice(4)).toMatch(UUIDV7);
    }
  });

  it('carry the millisecond timestamp in the first 48 bits', () => {
    const ids = new Uuidv7Ids(() => Date.UTC(2017, 11, 1, 0, 0, 0, 123));
    expect(parseInt(ids.uuid().slice(0, 12), 16)).toBe(Date.UTC(2017, 11, 1, 0, 0, 0, 123));
  });

  it('always increase, whether the clock moves on, stands still or steps back', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 300 }), (steps) => {
        let now = 1_700_000_000_000;
        const ids = new Uuidv7Ids(() => now);
        let previous = '';
        for (const step of steps) {
          now += step;
          const id = ids.uuid();
          expect(id).toMatch(UUIDV7);
          expect(id > previous).toBe(true);
          previous = id;
        }
      }),
    );
  });

  it('differ between sources in the same millisecond (random counter start and tail)', () => {
    const seen = new Set(Array.from({ length: 1_000 }, () => new Uuidv7Ids(() => 1_700_000_000_000).uuid()));
    expect(seen.size).toBe(1_000);
  });

  it('draw randomness from the system in blocks, not once per id', () => {
    let fills = 0;
    const ids = new Uuidv7Ids(Date.now, (buffer) => {
      fills += 1;
      buffer.fill(fills);
    });
    for (let i = 0; i < 1_000; i += 1) ids.uuid();
    expect(fills).toBeLessThanOrEqual(5);
  });
});
