import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from 'pino';
import { ENGINES } from '../support/engines.js';
import { startTestHub, type TestHub } from '../support/hub.js';

/**
 * A request's logger (issue 15): pino's child logger, with its bindings serialised and redaction
 * set up, cost a few per cent of an API debit's CPU, made for every request even at a level that
 * writes none of its lines. It is made only once a line at a level the logger writes needs it,
 * and such a line still carries the request's id.
 */
for (const engine of ENGINES) {
  describe(`the request logger on ${engine}`, () => {
    let t: TestHub;
    let logger: Logger;
    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false });
      // Fastify logs through a child of the hub's logger, made when the server was built.
      logger = t.hub.server.log as Logger;
    });
    afterAll(async () => {
      logger.level = 'info';
      await t.close();
    });

    it('makes no child logger for requests that log nothing at the level set', async () => {
      logger.level = 'error';
      const child = vi.spyOn(logger, 'child');
      try {
        for (let i = 0; i < 3; i += 1) expect((await t.call('GET', '/v1/debits?limit=1')).status).toBe(200);
        expect(child).not.toHaveBeenCalled();
      } finally {
        child.mockRestore();
      }
    });

    it('writes the lines of a request at the level set with its request id', async () => {
      logger.level = 'info';
      const answer = await t.call('GET', '/v1/debits?limit=1');
      expect(answer.status).toBe(200);
      const requestId = answer.headers.get('x-request-id');
      expect(requestId).not.toBeNull();
      const lines = t.logs.lines.map((line) => JSON.parse(line) as { reqId?: string; msg?: string }).filter((line) => line.reqId === requestId);
      expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    });
  });
}
