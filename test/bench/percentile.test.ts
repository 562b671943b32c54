import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/bench/percentile.js';

const oneToThousand = Array.from({ length: 1000 }, (_, i) => i + 1);

describe('percentile (nearest rank)', () => {
  it.each([
    // values, p, expected
    [[5], 50, 5],
    [[5], 99, 5],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 75, 3],
    [[1, 2, 3, 4], 76, 4],
    [[1, 2, 3, 4], 100, 4],
    [oneToThousand, 50, 500],
    [oneToThousand, 99, 990],
    [oneToThousand, 99.9, 999],
    [oneToThousand, 0.1, 1],
  ])('%#: p%s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 99)).toBeNaN();
  });

  it.each([0, -1, 101, Number.NaN])('refuses p = %s', (p) => {
    expect(() => percentile([1], p)).toThrow(/percentile/);
  });
});
