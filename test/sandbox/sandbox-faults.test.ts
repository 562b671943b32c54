import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BALANCE_FEN } from '../../src/channels/sandbox/index.js';
import { ACCOUNT, type TestSandbox, debitBody, endToEndId, query, startTestSandbox, submit } from './harness.js';

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(async () => {
  await t.cleanup();
});

async function expectUntouched(): Promise<void> {
  const account = await t.control.getAccount(ACCOUNT);
  expect(account.received).toEqual([]);
  expect(account.balance).toBe(DEFAULT_BALANCE_FEN);
}

describe('sandbox faults', () => {
  it('unavailable: 503 on submit and query, nothing recorded, other channels unaffected', async () => {
    const fault = await t.control.setFault({ channel: 'sz-center', mode: 'unavailable' });
    expect(fault).toMatchObject({ channel: 'sz-center', mode: 'unavailable', rate: 1, count: null });
    const body = debitBody();
    expect(await submit(t.url, 'sz-center', body)).toMatchObject({ status: 503, body: { code: 'channel_unavailable' } });
    expect(await query(t.url, 'sz-center', body.end_to_end_id as string)).toMatchObject({
      status: 503,
      body: { code: 'channel_unavailable' },
    });
    await expectUntouched();

    await t.control.clearFaults('sz-center');
    expect(await query(t.url, 'sz-center', body.end_to_end_id as string)).toMatchObject({ status: 404 });
    expect((await submit(t.url, 'tj-center', debitBody())).status).toBe(202);
  });

  it('timeout: applies the debit but never answers; the client gives up', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'timeout' });
    const body = debitBody({ amount: 2500 });
    const started = Date.now();
    await expect(submit(t.url, 'sz-center', body, AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);

    const answer = await query(t.url, 'sz-center', body.end_to_end_id as string);
    expect(answer).toMatchObject({ status: 200, body: { status: 'succeeded', amount: 2500 } });
    const account = await t.control.getAccount(ACCOUNT);
    expect(account.balance).toBe(DEFAULT_BALANCE_FEN - 2500);
    expect(account.received.map((entry) => entry.outcome)).toEqual(['succeeded']);
  });

  it('timeout: a held connection is destroyed after holdMsMax', async () => {
    await t.restart({ holdMsMax: 200 });
    await t.control.setFault({ channel: 'sz-center', mode: 'timeout' });
    const outcome = await submit(t.url, 'sz-center', debitBody(), AbortSignal.timeout(10_000)).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    expect(outcome).not.toBe('answered');
    expect(outcome).not.toBe('TimeoutError');
  });

  it('close() does not wait for a held connection', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'timeout' });
    const body = debitBody();
    const pending = submit(t.url, 'sz-center', body).then(
      () => 'answered',
      () => 'failed',
    );
    // Wait until the sandbox has applied the message, i.e. is holding the connection.
    for (let i = 0; i < 100 && (await query(t.url, 'sz-center', body.end_to_end_id as string)).status !== 200; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // A close() that waited for the held connection would outlast the test's timeout.
    await t.sandbox.close();
    expect(await pending).toBe('failed');
  });

  it('drop: neither records nor applies, and never answers', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'drop' });
    const body = debitBody();
    await expect(submit(t.url, 'sz-center', body, AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(await query(t.url, 'sz-center', body.end_to_end_id as string)).toMatchObject({
      status: 404,
      body: { status: 'not_found' },
    });
    await expectUntouched();
  });

  it('delay_ms: answers normally, after the delay', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'delay_ms', delay_ms: 300 });
    const body = debitBody();
    let started = Date.now();
    expect((await submit(t.url, 'sz-center', body)).status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    started = Date.now();
    expect((await query(t.url, 'sz-center', body.end_to_end_id as string)).body.status).toBe('succeeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect((await submit(t.url, 'tj-center', debitBody())).status).toBe(202);
  });

  it('count: affects N requests, then clears itself', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'unavailable', count: 2 });
    expect((await submit(t.url, 'sz-center', debitBody())).status).toBe(503);
    expect(await t.control.listFaults()).toEqual([expect.objectContaining({ mode: 'unavailable', count: 1 })]);
    expect((await submit(t.url, 'sz-center', debitBody())).status).toBe(503);
    expect(await t.control.listFaults()).toEqual([]);
    expect((await submit(t.url, 'sz-center', debitBody())).status).toBe(202);
    expect((await t.control.getAccount(ACCOUNT)).received).toHaveLength(1);
  });

  it('count: a timeout fault counts only the submissions it holds, not queries', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'timeout', count: 1 });
    const held = debitBody();
    expect((await query(t.url, 'sz-center', endToEndId())).status).toBe(404);
    await expect(submit(t.url, 'sz-center', held, AbortSignal.timeout(200))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await submit(t.url, 'sz-center', debitBody())).status).toBe(202);
    expect((await t.control.getAccount(ACCOUNT)).received).toHaveLength(2);
  });

  it('rate: affects a share of requests, reproducibly for the same seed', async () => {
    const pattern = async (): Promise<string> => {
      let statuses = '';
      for (let i = 0; i < 40; i += 1) {
        statuses += (await query(t.url, 'sz-center', 'dbt_never')).status === 503 ? 'x' : '.';
      }
      return statuses;
    };
    await t.control.setFault({ channel: 'sz-center', mode: 'unavailable', rate: 0.5, seed: 42 });
    const first = await pattern();
    await t.control.setFault({ channel: 'sz-center', mode: 'unavailable', rate: 0.5, seed: 42 });
    const second = await pattern();
    await t.control.setFault({ channel: 'sz-center', mode: 'unavailable', rate: 0.5, seed: 43 });
    const third = await pattern();
    expect(second).toBe(first);
    expect(third).not.toBe(first);
    const affected = first.split('').filter((c) => c === 'x').length;
    expect(affected).toBeGreaterThan(8);
    expect(affected).toBeLessThan(32);
  });

  it('rate 0 affects nothing', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'unavailable', rate: 0 });
    for (let i = 0; i < 5; i += 1) expect((await submit(t.url, 'sz-center', debitBody())).status).toBe(202);
  });

  it('lists active faults; mode none clears one channel, DELETE clears all', async () => {
    await t.control.setFault({ channel: 'sz-center', mode: 'unavailable', count: 3 });
    await t.control.setFault({ channel: 'sz-center', mode: 'delay_ms', delay_ms: 10 });
    await t.control.setFault({ channel: 'tj-center', mode: 'drop', rate: 0.25, seed: 7 });
    expect(await t.control.listFaults()).toEqual([
      { channel: 'sz-center', mode: 'unavailable', rate: 1, count: 3, delay_ms: null, seed: expect.any(Number) },
      { channel: 'sz-center', mode: 'delay_ms', rate: 1, count: null, delay_ms: 10, seed: expect.any(Number) },
      { channel: 'tj-center', mode: 'drop', rate: 0.25, count: null, delay_ms: null, seed: 7 },
    ]);
    expect(await t.control.setFault({ channel: 'sz-center', mode: 'none' })).toEqual({ channel: 'sz-center', mode: 'none' });
    expect((await t.control.listFaults()).map((fault) => fault.channel)).toEqual(['tj-center']);
    await t.control.clearFaults();
    expect(await t.control.listFaults()).toEqual([]);
  });
});
