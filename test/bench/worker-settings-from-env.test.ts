import { describe, expect, it } from 'vitest';
import { UsageError, workerSettingsFromEnv } from '../../src/cli/options.js';

/** The worker settings `daikou start` and the bench's hub read from the environment. */
describe('workerSettingsFromEnv', () => {
  it.each([
    // environment, settings
    [{}, {}],
    [{ DAIKOU_WORKER_LEASE_MS: '', DAIKOU_WORKER_BATCH_SIZE: '' }, {}],
    [{ DAIKOU_WORKER_LEASE_MS: '20000' }, { leaseMs: 20_000 }],
    [{ DAIKOU_WORKER_BATCH_SIZE: '200' }, { batchSize: 200 }],
    [{ DAIKOU_WORKER_LEASE_MS: '500', DAIKOU_WORKER_BATCH_SIZE: '1000' }, { leaseMs: 500, batchSize: 1000 }],
  ])('%j → %j', (env, settings) => {
    expect(workerSettingsFromEnv(env)).toEqual(settings);
  });

  it.each([
    // environment, refusal
    [{ DAIKOU_WORKER_LEASE_MS: '499' }, /DAIKOU_WORKER_LEASE_MS must be a whole number of milliseconds, at least 500/],
    [{ DAIKOU_WORKER_BATCH_SIZE: '0' }, /DAIKOU_WORKER_BATCH_SIZE must be a whole number from 1 to 1000/],
    [{ DAIKOU_WORKER_BATCH_SIZE: '1001' }, /from 1 to 1000/],
    [{ DAIKOU_WORKER_BATCH_SIZE: '2.5' }, /from 1 to 1000/],
    [{ DAIKOU_WORKER_BATCH_SIZE: 'many' }, /from 1 to 1000/],
  ])('%j is refused', (env, message) => {
    expect(() => workerSettingsFromEnv(env)).toThrow(UsageError);
    expect(() => workerSettingsFromEnv(env)).toThrow(message);
  });
});
