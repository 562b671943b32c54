import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { groupCommitted, waitUntilFinal } from './api-throughput.js';
import { backendCpuSeconds, backendCpuSpent } from './bench-database.js';
import { benchAmountFen } from './batch-file-writer.js';
import { callHub, expectStatus, type TrialBalanceAnswer } from './hub-api.js';
import { HubProcess } from './hub-process.js';
import { driveLoad, KeepAliveClient } from './load-client.js';
import { seedBench, type BenchHubConfig } from './seed-bench.js';

/** One run of the API phase with `processes` hub processes on one PostgreSQL database. */
export interface ProcessesFigures {
  processes: number;
  debits: number;
  /** Requests answered per second, all processes together, as the clients saw them. */
  debits_per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** Every debit final (succeeded or failed, posted), from the first request. */
  complete_debits_per_s: number;
  /** While the debits were accepted (the clients' window): the hubs' CPU summed, per debit, in µs; null without /proc. */
  hub_cpu_us_per_debit: number | null;
  /** The same window: the CPU of the PostgreSQL backends serving the database, per debit, in µs (the server's shared processes not counted). */
  pg_cpu_us_per_debit: number | null;
  /** The same window: statements the hubs sent PostgreSQL (round trips, BEGIN and COMMIT included), per debit. */
  queries_per_debit: number;
  /** Commit groups of the API processes in that window, and their mean size. */
  groups: number;
  mean_group: number | null;
  /** From the first request until every debit was final: hub CPU, backend CPU and statements, per debit. */
  final_hub_cpu_us_per_debit: number | null;
  final_pg_cpu_us_per_debit: number | null;
  final_queries_per_debit: number;
  /** Before the load, with nothing to do, for IDLE_MS: the hubs' CPU and statements per second, summed (polling). */
  idle_hub_cpu_ms_per_s: number | null;
  idle_queries_per_s: number;
  /** Messages the sandbox received, and how many of them repeated one it had (a debit sent twice): must be 0. */
  sandbox_received: number;
  sent_twice: number;
  /** The 1-minute load average when the load started. */
  load_average: number;
  trial_balance_total: number;
  trial_balance_balanced: boolean;
}

const MANDATES_MAX = 1_000;
/** How long the hubs are watched idle, before the load, to see what they spend doing nothing. */
const IDLE_MS = 3_000;
/** The sandbox's database file in its data directory (src/channels/sandbox/sandbox-store.ts, which the bench may not import). */
const SANDBOX_DB_FILE = 'sandbox.sqlite';

/** What every hub and the database's backends have spent so far. */
interface Spent {
  hubCpu: number | null;
  queries: number;
  backends: Map<number, number>;
  groups: { groups: number; requests: number };
}

async function spentSoFar(hubs: readonly HubProcess[], databaseUrl: string, operatorKey: string): Promise<Spent> {
  const cpus = hubs.map((hub) => hub.cpuSeconds());
  const queries = await Promise.all(hubs.map((hub) => hub.queries()));
  const groups = await Promise.all(hubs.map((hub) => groupCommitted(hub.url, operatorKey)));
  return {
    hubCpu: cpus.some((cpu) => cpu === null) ? null : cpus.reduce<number>((sum, cpu) => sum + cpu!, 0),
    queries: queries.reduce((sum, n) => sum + n, 0),
    backends: await backendCpuSeconds(databaseUrl),
    groups: groups.reduce((sum, g) => ({ groups: sum.groups + g.groups, requests: sum.requests + g.requests }), { groups: 0, requests: 0 }),
  };
}

/** CPU seconds → µs per item, or null. */
function usPer(seconds: number | null, items: number): number | null {
  return seconds === null ? null : Math.round((seconds * 1e6) / items);
}

/** The sandbox's record of what it received (read once it has stopped): messages, and those that repeated an end-to-end id. */
function sandboxReceipts(sandboxDir: string): { received: number; sentTwice: number } {
  const db = new SQLite(path.join(sandboxDir, SANDBOX_DB_FILE), { readonly: true });
  try {
    const row = db.prepare(`select count(*) as received, count(first_id) as twice from received where direction = 'debit'`).get() as { received: number; twice: number };
    return { received: row.received, sentTwice: row.twice };
  } finally {
    db.close();
  }
}

/**
 * Several processes on one PostgreSQL database (issue 15, item 4): a sandbox in a process of its
 * own, then `processes` hubs each running the API and the workers against the same database and
 * sandbox. The clients spread `debits` POST /v1/debits over the hubs (request i to hub i mod P);
 * the phase ends when every debit is final, across every process's workers, and the trial
 * balance is read. On a machine with fewer cores than processes the processes share them: the
 * figures show what sharing the database costs, not a machine's scaling.
 */
export async function measureProcesses(config: BenchHubConfig, options: { processes: number; debits: number; clients: number; progress: (line: string) => void }): Promise<ProcessesFigures> {
  const mandateCount = Math.min(MANDATES_MAX, options.debits);
  const seeded = await seedBench({ ...config, mandates: mandateCount, file: null, keepMandateIds: true, progress: options.progress });
  const mandateIds = seeded.mandateIds;
  const token = crypto.randomBytes(24).toString('hex');
  const sandboxDir = path.join(config.dataDir, 'sandbox');
  fs.mkdirSync(sandboxDir, { recursive: true });
  const sandbox = await HubProcess.start('sandbox', { ...config, dataDir: sandboxDir }, { DAIKOU_SANDBOX_TOKEN: token });
  const databaseUrl = config.databaseUrl;
  if (databaseUrl === null) throw new Error('several hub processes share a PostgreSQL database: no database URL');
  const hubs: HubProcess[] = [];
  const clients: KeepAliveClient[] = [];
  try {
    for (let p = 0; p < options.processes; p += 1) {
      hubs.push(await HubProcess.start('all', { ...config, dataDir: path.join(config.dataDir, `hub-${p}`) }, { DAIKOU_SANDBOX_URL: sandbox.url, DAIKOU_SANDBOX_TOKEN: token }));
    }
    for (const hub of hubs) clients.push(new KeepAliveClient(hub.url, Math.ceil(options.clients / hubs.length)));
    const idleFrom = await spentSoFar(hubs, databaseUrl, config.operatorKey);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idleTo = await spentSoFar(hubs, databaseUrl, config.operatorKey);
    const loadAverage = os.loadavg()[0]!;
    const before = await spentSoFar(hubs, databaseUrl, config.operatorKey);
    const started = performance.now();
    const load = await driveLoad(options.debits, options.clients, async (i) => {
      const answer = await clients[i % clients.length]!.post(
        '/v1/debits',
        { authorization: `Bearer ${seeded.merchantKey}`, 'idempotency-key': `bench-${i}` },
        { mandate_id: mandateIds[i % mandateCount], amount: benchAmountFen(i + 1), currency: 'CNY', reference: `API-${i}` },
      );
      if (answer.status !== 201) throw new Error(`debit ${i}: HTTP ${answer.status} ${answer.body.slice(0, 500)}`);
    });
    const accepted = await spentSoFar(hubs, databaseUrl, config.operatorKey);
    const debits = options.debits;
    const groups = accepted.groups.groups - before.groups.groups;
    const hubCpu = accepted.hubCpu === null || before.hubCpu === null ? null : accepted.hubCpu - before.hubCpu;
    options.progress(
      `${options.processes} processes: ${debits} debits accepted in ${load.seconds.toFixed(2)} s, hub CPU ${usPer(hubCpu, debits) ?? '?'} µs per debit, ` +
        `PostgreSQL backends ${usPer(backendCpuSpent(before.backends, accepted.backends), debits) ?? '?'} µs, ${((accepted.queries - before.queries) / debits).toFixed(2)} statements per debit; waiting until all are final`,
    );
    await waitUntilFinal(hubs[0]!.url, seeded.merchantKey, started);
    const completeSeconds = (performance.now() - started) / 1000;
    const final = await spentSoFar(hubs, databaseUrl, config.operatorKey);
    const trial = expectStatus(await callHub<TrialBalanceAnswer>(hubs[0]!.url, config.operatorKey, 'GET', '/v1/ledger/trial-balance'), [200], 'trial balance');
    for (const client of clients.splice(0)) client.close();
    for (const hub of hubs.splice(0)) await hub.stop();
    await sandbox.stop();
    const receipts = sandboxReceipts(sandboxDir);
    const idleHubCpu = idleTo.hubCpu === null || idleFrom.hubCpu === null ? null : idleTo.hubCpu - idleFrom.hubCpu;
    return {
      processes: options.processes,
      debits: options.debits,
      debits_per_s: load.perSecond,
      p50_ms: Number(load.p50Ms.toFixed(2)),
      p99_ms: Number(load.p99Ms.toFixed(2)),
      complete_debits_per_s: Math.round(options.debits / completeSeconds),
      hub_cpu_us_per_debit: usPer(hubCpu, debits),
      pg_cpu_us_per_debit: usPer(backendCpuSpent(before.backends, accepted.backends), debits),
      queries_per_debit: Number(((accepted.queries - before.queries) / debits).toFixed(2)),
      groups,
      mean_group: groups === 0 ? null : Number(((accepted.groups.requests - before.groups.requests) / groups).toFixed(1)),
      final_hub_cpu_us_per_debit: usPer(final.hubCpu === null || before.hubCpu === null ? null : final.hubCpu - before.hubCpu, debits),
      final_pg_cpu_us_per_debit: usPer(backendCpuSpent(before.backends, final.backends), debits),
      final_queries_per_debit: Number(((final.queries - before.queries) / debits).toFixed(2)),
      idle_hub_cpu_ms_per_s: idleHubCpu === null ? null : Number(((idleHubCpu * 1000) / (IDLE_MS / 1000)).toFixed(1)),
      idle_queries_per_s: Number(((idleTo.queries - idleFrom.queries) / (IDLE_MS / 1000)).toFixed(1)),
      sandbox_received: receipts.received,
      sent_twice: receipts.sentTwice,
      load_average: Number(loadAverage.toFixed(2)),
      trial_balance_total: trial.total,
      trial_balance_balanced: trial.balanced,
    };
  } finally {
    for (const client of clients) client.close();
    for (const hub of hubs) await hub.stop();
    await sandbox.stop();
  }
}
