import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDate, isWithinClockRange } from '../../src/core/index.js';
import { ENGINES } from '../support/engines.js';
import { eventually, startTestHub, type TestHub } from '../support/hub.js';

for (const engine of ENGINES) {
  describe(`the test clock cannot take the hub down (${engine})`, () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub(engine);
    });
    afterAll(async () => t?.close());

    it.each([
      // body, pointer of the refusal
      [{ advance: 'P99999999D' }, '/advance'],
      [{ advance: `P${'9'.repeat(400)}D` }, '/advance'],
      [{ advance: 'P36500D' }, '/advance'],
      [{ now: '1999-12-31T23:59:59+08:00' }, '/now'],
      [{ now: '2101-01-01T00:00:00+08:00' }, '/now'],
    ] as const)('%o → 400 at %s; the clock stays and the API goes on answering', async (body, pointer) => {
      await t.call('POST', '/v1/sandbox/clock', { body: { now: '2017-12-07T09:30:00+08:00' } });
      const answer = await t.call('POST', '/v1/sandbox/clock', { body });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.errors).toEqual([expect.objectContaining({ pointer, detail: expect.stringMatching(/2000.*2100/) })]);
      expect(isWithinClockRange(t.clock.now().getTime())).toBe(true);
      expect(businessDate(t.clock.now())).toBe('2017-12-07');
      expect((await t.call('GET', '/v1/merchants')).status).toBe(200);
    });

    it('a clock within the range is accepted', async () => {
      const answer = await t.call('POST', '/v1/sandbox/clock', { body: { now: '2100-12-31T00:00:00+08:00' } });
      expect(answer.status).toBe(200);
      expect(answer.body.business_date).toBe('2100-12-31');
      await t.call('POST', '/v1/sandbox/clock', { body: { now: '2017-12-07T09:30:00+08:00' } });
    });
  });

  describe(`/healthz reports the workers (${engine})`, () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub(engine);
    });
    afterAll(async () => t?.close());

    it('is 200 with every worker ok while rounds succeed', async () => {
      const answer = await eventually(async () => {
        const health = await t.call('GET', '/healthz');
        return health.body.workers?.submission?.status === 'ok' ? health : undefined;
      }, 15_000, 'worker health');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        status: 'ok',
        database: engine,
        workers: {
          submission: { status: 'ok', consecutive_failures: 0, last_error_at: null },
          queries: { status: 'ok', consecutive_failures: 0, last_error_at: null },
          batches: { status: 'ok', consecutive_failures: 0, last_error_at: null },
        },
      });
    });

    it('is 503 degraded while a worker’s rounds keep failing, and ok again once they succeed', async () => {
      const store = t.hub.ctx.store as unknown as Record<string, unknown>;
      const claim = store.claimOpenAttempts;
      store.claimOpenAttempts = () => Promise.reject(new Error('the database refused'));
      try {
        const degraded = await eventually(async () => {
          const health = await t.call('GET', '/healthz');
          return health.status === 503 ? health : undefined;
        }, 15_000, 'a degraded health report');
        expect(degraded.body).toMatchObject({
          status: 'degraded',
          database: engine,
          workers: {
            submission: { status: 'ok' },
            queries: { status: 'failing', consecutive_failures: expect.any(Number), last_error_at: expect.any(String) },
            batches: { status: 'ok' },
          },
        });
        expect(degraded.body.workers.queries.consecutive_failures).toBeGreaterThanOrEqual(5);
      } finally {
        store.claimOpenAttempts = claim;
      }
      const healthy = await eventually(async () => {
        const health = await t.call('GET', '/healthz');
        return health.status === 200 ? health : undefined;
      }, 15_000, 'a healthy report');
      expect(healthy.body.workers.queries).toMatchObject({ status: 'ok', consecutive_failures: 0, last_error_at: expect.any(String) });
    });
  });
}
