import { describe, expect, it } from 'vitest';
import { runHttpFuzz } from '../../bench/support/http-fuzz.js';

/**
 * A short seeded run of the HTTP fuzzer (`npm run fuzz` runs 20,000 and more): no answer is a 5xx,
 * every error answer is problem+json with a code, and every request is answered.
 */
describe('the HTTP fuzzer, seeded', () => {
  it('finds no 5xx and no error that is not problem+json in 1,500 requests', async () => {
    const report = await runHttpFuzz({ requests: 1_500, seed: 20_261_201, concurrency: 4 });
    expect(report.failures).toEqual([]);
    expect({ serverErrors: report.serverErrors, notProblemJson: report.notProblemJson, noAnswer: report.noAnswer }).toEqual({ serverErrors: 0, notProblemJson: 0, noAnswer: 0 });
    expect(report.requests).toBe(1_500);
    expect(report.operationsCovered).toBe(report.operations);
    // Requests reached the use cases, not only the guard.
    expect(Object.entries(report.byStatus).filter(([status]) => status.startsWith('2')).length).toBeGreaterThan(0);
    expect(report.byStatus['400']).toBeGreaterThan(0);
  }, 120_000);
});
