import { afterEach, describe, expect, it } from 'vitest';
import { SandboxStore } from '../../src/channels/sandbox/sandbox-store.js';
import { type TestSandbox, request, startTestSandbox } from './harness.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

/** The sandbox's own clock endpoint (what `daikou sandbox` exposes standalone) keeps to 2000–2100. */
describe('sandbox clock bounds', () => {
  it.each([
    // body, pointer of the refusal
    [{ advance: 'P99999999D' }, '/advance'],
    [{ advance: `P${'9'.repeat(60)}D` }, '/advance'],
    [{ advance: 'P36500D' }, '/advance'],
    [{ now: '1999-12-31T23:59:59+08:00' }, '/now'],
    [{ now: '2101-01-01T00:00:00+08:00' }, '/now'],
    [{ now: '9999-12-31T00:00:00Z' }, '/now'],
  ] as const)('%o → 400 at %s, and the clock does not move', async (body, pointer) => {
    t = await startTestSandbox();
    await t.control.setClock({ now: '2017-12-07T09:30:00+08:00' });
    const before = t.sandbox.clock.offsetMs;
    const answer = await request(t.url, 'POST', '/v1/sandbox/clock', { body });
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body.errors).toEqual([{ pointer, code: 'out_of_range', detail: expect.stringMatching(/2000.*2100/) }]);
    expect(t.sandbox.clock.offsetMs).toBe(before);
    expect((await t.control.getClock()).business_date).toBe('2017-12-07');
  });

  it('a clock saved out of range by an older version is reset on start, not restored', async () => {
    t = await startTestSandbox();
    await t.sandbox.close();
    const store = new SandboxStore(t.dataDir);
    store.saveClockOffsetMs(8.64e15);
    store.close();
    await t.restart();
    expect(t.sandbox.clock.offsetMs).toBe(0);
    expect((await request(t.url, 'GET', '/v1/sandbox/clock')).status).toBe(200);
  });
});
