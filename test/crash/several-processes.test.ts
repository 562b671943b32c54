import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { eventually } from '../support/hub.js';
import { call, launch, OPERATOR_KEY, SANDBOX_TOKEN, sandboxReceipts, seedMerchantWithMandates } from '../support/processes.js';

/**
 * Issue 15, item 4: several hub processes on one PostgreSQL database — one serving the API
 * (`--api-only`), two running the workers (`--workers-only`) — and one of the workers killed with
 * SIGKILL while debits are on the wire. The other takes its leased work over when the lease
 * expires: every debit ends once, the sandbox (the channel, a process of its own) has received
 * none twice, and the ledger balances. PostgreSQL only: the embedded SQLite database serves one
 * process, and `--workers-only` refuses it.
 */
describe.skipIf(!ENGINES.includes('postgres'))('several processes on one PostgreSQL database', () => {
  const running: ChildProcess[] = [];
  let database: TestDatabase;
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await database?.drop();
  });

  it('a workers-only process killed mid-flight: the other finishes its work, nothing is sent twice', async () => {
    database = await freshDatabase('postgres');
    const sandbox = await launch(['sandbox', '--port', '0', '--data', `${database.dataDir}/sandbox`], { DAIKOU_SANDBOX_TOKEN: SANDBOX_TOKEN }, /running at (http:\/\/\S+)/);
    running.push(sandbox.child);
    const env = {
      DAIKOU_OPERATOR_KEY: OPERATOR_KEY,
      DAIKOU_SANDBOX_URL: sandbox.url,
      DAIKOU_SANDBOX_TOKEN: SANDBOX_TOKEN,
      DAIKOU_WORKER_LEASE_MS: '1000',
      DAIKOU_DATABASE_URL: database.databaseUrl!,
    };
    const start = async (role: string, name: string) => {
      const hub = await launch(['start', role, '--port', '0', '--data', `${database.dataDir}/${name}`], env, /daikou is running at (http:\/\/\S+)/);
      running.push(hub.child);
      return hub;
    };
    const api = await start('--api-only', 'api');
    const first = await start('--workers-only', 'workers-1');
    const second = await start('--workers-only', 'workers-2');

    // A workers-only process answers health, and nothing of the API.
    expect((await call(first.url, 'GET', '/healthz')).body).toMatchObject({ status: 'ok', database: 'postgres' });
    expect((await call(first.url, 'GET', '/v1/merchants')).status).toBe(404);

    const { merchantKey, cards, mandates } = await seedMerchantWithMandates(api.url, 8_000, 10);
    // Slow the channel so that both workers hold debits on the wire when one of them dies.
    await call(api.url, 'POST', '/v1/sandbox/faults', { channel: 'sandbox-clearing', mode: 'delay_ms', delay_ms: 250 });
    for (let i = 0; i < 60; i += 1) {
      const created = await call(api.url, 'POST', '/v1/debits', { mandate_id: mandates[i % mandates.length], amount: 1_000 + i, currency: 'CNY', reference: `MP-${i}` }, merchantKey, { 'idempotency-key': `mp-${i}` });
      expect(created.status).toBe(201);
    }
    await eventually(async () => {
      const submitted = await call(api.url, 'GET', '/v1/debits?status=submitted&limit=100');
      return submitted.body.data.length >= 5;
    }, 20_000, 'debits on the wire');
    first.child.kill('SIGKILL');
    await call(api.url, 'DELETE', '/v1/sandbox/faults');

    const all = await eventually(async () => {
      const list = await call(api.url, 'GET', '/v1/debits?limit=100');
      return list.body.data.every((d: { status: string }) => d.status === 'succeeded' || d.status === 'failed') ? list.body.data : null;
    }, 60_000, 'every debit to end, through the surviving worker');
    expect(all).toHaveLength(60);

    const received = await sandboxReceipts(api.url, cards);
    for (const debit of all) {
      const outcomes = received.get(debit.id);
      expect(outcomes, `${debit.id} received once`).toHaveLength(1);
      expect(outcomes![0]).toBe(debit.status === 'succeeded' ? 'succeeded' : debit.failure.code);
    }
    expect(all.some((d: { status: string }) => d.status === 'failed')).toBe(true);
    const trial = await call(api.url, 'GET', '/v1/ledger/trial-balance');
    expect(trial.body).toMatchObject({ total: 0, balanced: true });
    expect((await call(second.url, 'GET', '/healthz')).body.status).toBe('ok');
  }, 180_000);
});

describe('daikou start with one role only', () => {
  it('refuses the embedded SQLite database and a missing shared sandbox, and both roles at once', async () => {
    const refusals: [string[], Record<string, string>, RegExp][] = [
      [['--api-only'], { DAIKOU_DATABASE_URL: '' }, /--api-only runs daikou as one of several processes on one PostgreSQL database: set DAIKOU_DATABASE_URL/],
      [['--workers-only'], { DAIKOU_DATABASE_URL: 'postgres://daikou:daikou@127.0.0.1:5432/daikou', DAIKOU_SANDBOX_URL: '' }, /--workers-only needs the sandbox every process reaches/],
      [['--api-only', '--workers-only'], {}, /--api-only and --workers-only exclude each other/],
    ];
    for (const [flags, env, message] of refusals) {
      const started = launch(['start', ...flags, '--port', '0', '--data', '/tmp/daikou-never-created'], env, /(never matches)^/);
      await expect(started).rejects.toThrow(message);
    }
  });
});
