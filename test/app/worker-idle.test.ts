import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { DEFAULT_WORKER_SETTINGS } from '../../src/app/context.js';
import { SubmissionWorker } from '../../src/app/submission-worker.js';

/**
 * An idle worker backs off (issue 15, several processes): every process's two loops polled the
 * database every idleMs (100 ms) with a claim transaction each, however long nothing came — at 4
 * processes most of the statements PostgreSQL ran during the bench. Idle rounds now wait twice as
 * long each time, up to idleMsMax; work found, or a wake, brings the wait back to idleMs.
 */
describe('an idle submission worker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function idleWorker(found: () => number) {
    const ctx = { workers: { ...DEFAULT_WORKER_SETTINGS, idleMs: 100, idleMsMax: 1_600 }, logger: { error: () => {} } } as unknown as AppContext;
    const worker = new SubmissionWorker(ctx, 'worker-test');
    const rounds = { submit: 0, query: 0 };
    vi.spyOn(worker, 'submitRound').mockImplementation(async () => {
      rounds.submit += 1;
      return found();
    });
    vi.spyOn(worker, 'queryRound').mockImplementation(async () => {
      rounds.query += 1;
      return 0;
    });
    return { worker, rounds };
  }

  it('waits twice as long after each idle round, up to idleMsMax', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { worker, rounds } = idleWorker(() => 0);
    worker.start();
    // Waits 100, 200, 400, 800, then 1,600 ms: rounds at 0, 100, 300, 700, 1,500, 3,100, 4,700, 6,300, 7,900, 9,500 ms.
    await vi.advanceTimersByTimeAsync(10_000);
    await worker.stop();
    expect(rounds.submit).toBe(10);
    expect(rounds.query).toBe(10);
  });

  it('goes back to idleMs once a round finds work', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let work = 0;
    const { worker, rounds } = idleWorker(() => (work > 0 ? work-- : 0));
    worker.start();
    await vi.advanceTimersByTimeAsync(3_100);
    expect(rounds.submit).toBe(6);
    // Work arrives with a wake: a round at once, which finds it, then another (found work: no wait), then idle waits from 100 ms.
    work = 1;
    worker.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(rounds.submit).toBe(8);
    await vi.advanceTimersByTimeAsync(100);
    expect(rounds.submit).toBe(9);
    await worker.stop();
  });

  it('wakes both loops, not only the one that went idle last', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { worker, rounds } = idleWorker(() => 0);
    worker.start();
    await vi.advanceTimersByTimeAsync(3_100);
    const before = { ...rounds };
    worker.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(rounds).toEqual({ submit: before.submit + 1, query: before.query + 1 });
    await worker.stop();
  });
});
