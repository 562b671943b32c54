import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { waitUntilFinal } from './api-throughput.js';
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
  trial_balance_total: number;
  trial_balance_balanced: boolean;
}

const MANDATES_MAX = 1_000;

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
  fs.mkdirSync(path.join(config.dataDir, 'sandbox'), { recursive: true });
  const sandbox = await HubProcess.start('sandbox', { ...config, dataDir: path.join(config.dataDir, 'sandbox') }, { DAIKOU_SANDBOX_TOKEN: token });
  const hubs: HubProcess[] = [];
  const clients: KeepAliveClient[] = [];
  try {
    for (let p = 0; p < options.processes; p += 1) {
      hubs.push(await HubProcess.start('all', { ...config, dataDir: path.join(config.dataDir, `hub-${p}`) }, { DAIKOU_SANDBOX_URL: sandbox.url, DAIKOU_SANDBOX_TOKEN: token }));
    }
    for (const hub of hubs) clients.push(new KeepAliveClient(hub.url, Math.ceil(options.clients / hubs.length)));
    const started = performance.now();
    const load = await driveLoad(options.debits, options.clients, async (i) => {
      const answer = await clients[i % clients.length]!.post(
        '/v1/debits',
        { authorization: `Bearer ${seeded.merchantKey}`, 'idempotency-key': `bench-${i}` },
        { mandate_id: mandateIds[i % mandateCount], amount: benchAmountFen(i + 1), currency: 'CNY', reference: `API-${i}` },
      );
      if (answer.status !== 201) throw new Error(`debit ${i}: HTTP ${answer.status} ${answer.body.slice(0, 500)}`);
    });
    options.progress(`${options.processes} processes: ${options.debits} debits accepted in ${load.seconds.toFixed(2)} s; waiting until all are final`);
    await waitUntilFinal(hubs[0]!.url, seeded.merchantKey, started);
    const completeSeconds = (performance.now() - started) / 1000;
    const trial = expectStatus(await callHub<TrialBalanceAnswer>(hubs[0]!.url, config.operatorKey, 'GET', '/v1/ledger/trial-balance'), [200], 'trial balance');
    return {
      processes: options.processes,
      debits: options.debits,
      debits_per_s: load.perSecond,
      p50_ms: Number(load.p50Ms.toFixed(2)),
      p99_ms: Number(load.p99Ms.toFixed(2)),
      complete_debits_per_s: Math.round(options.debits / completeSeconds),
      trial_balance_total: trial.total,
      trial_balance_balanced: trial.balanced,
    };
  } finally {
    for (const client of clients) client.close();
    for (const hub of hubs) await hub.stop();
    await sandbox.stop();
  }
}
