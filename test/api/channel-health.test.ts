import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { startTestHub, type TestHub } from '../support/hub.js';

/**
 * A channel's health as this hub's circuit breaker sees it, on every channel representation
 * (issue 14: the console's channels page shows it). Three consecutive transport failures open the
 * breaker for 30 s; a success closes it.
 */
for (const engine of ENGINES) {
  describe(`channel health on ${engine}`, () => {
    let t: TestHub;
    let channel: string;

    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false, scenario: 'cn-2017' });
      t.clock.set(new Date('2017-12-04T10:00:00+08:00'));
      channel = 'netsunion';
    });
    afterAll(async () => t?.close());

    const healthOf = async (id: string) => ((await t.call('GET', '/v1/channels')).body.data as { id: string; health: unknown }[]).find((c) => c.id === id)?.health;

    it('shows a healthy channel closed, with no failures', async () => {
      expect(await healthOf(channel)).toEqual({ breaker: 'closed', consecutive_failures: 0, open_until: null });
      expect((await t.call('GET', `/v1/channels/${channel}`)).body.health).toEqual({ breaker: 'closed', consecutive_failures: 0, open_until: null });
    });

    it('shows failures counting up, then the breaker open until the cooldown ends, then closed by a success', async () => {
      const breaker = t.hub.ctx.routing.breaker;
      const now = t.clock.now().getTime();
      breaker.recordFailure(channel, now);
      expect(await healthOf(channel)).toEqual({ breaker: 'closed', consecutive_failures: 1, open_until: null });
      breaker.recordFailure(channel, now);
      breaker.recordFailure(channel, now);
      expect(await healthOf(channel)).toEqual({ breaker: 'open', consecutive_failures: 3, open_until: expect.stringMatching(/^2017-12-04T10:00:30\.\d{3}\+08:00$/) });
      t.clock.set(new Date('2017-12-04T10:00:31+08:00'));
      expect(await healthOf(channel)).toMatchObject({ breaker: 'closed', consecutive_failures: 3 });
      breaker.recordSuccess(channel);
      expect(await healthOf(channel)).toEqual({ breaker: 'closed', consecutive_failures: 0, open_until: null });
    });
  });
}
