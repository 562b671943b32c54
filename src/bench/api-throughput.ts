import { benchAmountFen } from './batch-file-writer.js';
import { callHub, expectStatus, type TrialBalanceAnswer } from './hub-api.js';
import { HubProcess } from './hub-process.js';
import { percentile } from './percentile.js';
import { seedBench, type BenchHubConfig } from './seed-bench.js';

export interface ApiResult {
  debits: number;
  clients: number;
  /** Requests → answered (stored, routed, priced); the rate the clients see. */
  accept_s: number;
  /** Until every debit was final (succeeded or failed) and posted, from the first request. */
  complete_s: number;
  p50_ms: number;
  p99_ms: number;
  trial_balance_total: number;
  trial_balance_balanced: boolean;
  peak_rss_mib: number | null;
}

/** Mandates the debits are spread over: enough that few debits share a mandate's usage row. */
const MANDATES_MAX = 1_000;
const FINAL_WAIT_MS_MAX = 600_000;

/**
 * Single-debit API throughput: `debits` POST /v1/debits (each with an Idempotency-Key) from
 * `clients` concurrent clients against a fresh hub with everything running, as `daikou start`
 * runs it; then the wait until all are final, and the trial balance.
 */
export async function measureApiThroughput(config: BenchHubConfig, options: { debits: number; clients: number; progress: (line: string) => void }): Promise<ApiResult> {
  const mandateCount = Math.min(MANDATES_MAX, options.debits);
  const seeded = await seedBench({ ...config, mandates: mandateCount, file: null, keepMandateIds: true, progress: options.progress });
  const mandateIds = seeded.mandateIds;
  const hub = await HubProcess.start('all', config);
  try {
    const latenciesMs: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        while (next < options.debits) {
          const i = next;
          next += 1;
          const sent = performance.now();
          const answer = await callHub(hub.url, seeded.merchantKey, 'POST', '/v1/debits', {
            json: { mandate_id: mandateIds[i % mandateCount], amount: benchAmountFen(i + 1), currency: 'CNY', reference: `API-${i}` },
            headers: { 'idempotency-key': `bench-${i}` },
          });
          latenciesMs.push(performance.now() - sent);
          expectStatus(answer, [201], `debit ${i}`);
        }
      }),
    );
    const acceptSeconds = (performance.now() - started) / 1000;
    options.progress(`${options.debits} debits accepted in ${acceptSeconds.toFixed(2)} s; waiting until all are final`);
    for (;;) {
      const open = await Promise.all(
        ['pending', 'submitted'].map(async (status) => expectStatus(await callHub<{ data: unknown[] }>(hub.url, seeded.merchantKey, 'GET', `/v1/debits?status=${status}&limit=1`), [200], 'list debits').data.length),
      );
      if (open.every((n) => n === 0)) break;
      if (performance.now() - started > FINAL_WAIT_MS_MAX) throw new Error(`debits still open after ${FINAL_WAIT_MS_MAX / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const completeSeconds = (performance.now() - started) / 1000;
    const trial = expectStatus(await callHub<TrialBalanceAnswer>(hub.url, config.operatorKey, 'GET', '/v1/ledger/trial-balance'), [200], 'trial balance');
    const peakRssMib = hub.peakRssMib();
    latenciesMs.sort((a, b) => a - b);
    return {
      debits: options.debits,
      clients: options.clients,
      accept_s: acceptSeconds,
      complete_s: completeSeconds,
      p50_ms: percentile(latenciesMs, 50),
      p99_ms: percentile(latenciesMs, 99),
      trial_balance_total: trial.total,
      trial_balance_balanced: trial.balanced,
      peak_rss_mib: peakRssMib,
    };
  } finally {
    await hub.stop();
  }
}
