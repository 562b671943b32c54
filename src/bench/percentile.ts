/**
 * The nearest-rank percentile of values sorted ascending: the smallest value with at least p %
 * of all values at or below it. NaN for no values.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new Error(`a percentile is above 0 and at most 100, not ${p}`);
  if (sorted.length === 0) return Number.NaN;
  // The rank p·n/100 is often a whole number that floating point misses by an ulp (99.9 · 1000);
  // without the tolerance, ceil would step one rank too far.
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100 - 1e-9));
  return sorted[rank - 1]!;
}
