import { benchAmountFen } from './batch-file-writer.js';
import { callHub, expectStatus, type TrialBalanceAnswer } from './hub-api.js';
import { HubProcess } from './hub-process.js';
import { driveLoad, KeepAliveClient, type LoadFigures } from './load-client.js';
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
  /**
   * The hub process's CPU (user + system) while the debits were being accepted, per debit, in µs;
   * null without /proc. With the workers running (the default) it holds their share of completing
   * the debits accepted meanwhile; with `workersAfterAccept` it is the API's alone.
   */
  hub_cpu_us_per_debit: number | null;
  /** The hub's CPU from the end of the accept window until every debit was final, per debit, in µs: completion's rest (all of it with `workersAfterAccept`). */
  tail_hub_cpu_us_per_debit: number | null;
  /** Bare Fastify, the same client and clients, the same number of requests, in the same run. */
  bare: LoadFigures & { cpuUsPerRequest: number | null };
  trial_balance_total: number;
  trial_balance_balanced: boolean;
  peak_rss_mib: number | null;
}

/** Mandates the debits are spread over: enough that few debits share a mandate's usage row. */
const MANDATES_MAX = 1_000;
const FINAL_WAIT_MS_MAX = 600_000;
/** Untimed requests to bare Fastify before its measured ones. */
const BARE_WARM_UP_MAX = 5_000;

/**
 * Single-debit API throughput: `debits` POST /v1/debits (each with an Idempotency-Key) from
 * `clients` concurrent keep-alive clients against a fresh hub with everything running, as
 * `daikou start` runs it; then the wait until all are final, and the trial balance. Before it,
 * the same client sends as many trivial POSTs to bare Fastify: the reference. `hubEnv`: more
 * environment for the hub (`DAIKOU_GROUP_COMMIT=0` for the comparison phase). `workersAfterAccept`:
 * the submission workers start only once every debit was accepted, so that the accept window's
 * hub CPU is the API's alone and the tail's is completion's (`--api-split`).
 */
export async function measureApiThroughput(
  config: BenchHubConfig,
  options: { debits: number; clients: number; progress: (line: string) => void; hubEnv?: Record<string, string>; workersAfterAccept?: boolean },
): Promise<ApiResult> {
  const bare = await measureBareFastify(config, options);
  options.progress(`reference: bare Fastify answered ${bare.requests} trivial POSTs at ${bare.perSecond}/s, p50 ${bare.p50Ms.toFixed(2)} ms, p99 ${bare.p99Ms.toFixed(2)} ms, its CPU ${bare.cpuUsPerRequest ?? '?'} µs per request`);
  const mandateCount = Math.min(MANDATES_MAX, options.debits);
  const seeded = await seedBench({ ...config, mandates: mandateCount, file: null, keepMandateIds: true, progress: options.progress });
  const mandateIds = seeded.mandateIds;
  const hub = await HubProcess.start(options.workersAfterAccept === true ? 'api-first' : 'all', config, options.hubEnv);
  const client = new KeepAliveClient(hub.url, options.clients);
  try {
    const groupsBefore = await groupCommitted(hub.url, config.operatorKey);
    const cpuBefore = hub.cpuSeconds();
    const started = performance.now();
    const load = await driveLoad(options.debits, options.clients, async (i) => {
      const answer = await client.post(
        '/v1/debits',
        { authorization: `Bearer ${seeded.merchantKey}`, 'idempotency-key': `bench-${i}` },
        { mandate_id: mandateIds[i % mandateCount], amount: benchAmountFen(i + 1), currency: 'CNY', reference: `API-${i}` },
      );
      if (answer.status !== 201) throw new Error(`debit ${i}: HTTP ${answer.status} ${answer.body.slice(0, 500)}`);
    });
    const cpuAfter = hub.cpuSeconds();
    const hubCpuUsPerDebit = cpuBefore === null || cpuAfter === null ? null : Math.round(((cpuAfter - cpuBefore) * 1e6) / options.debits);
    const groupsAfter = await groupCommitted(hub.url, config.operatorKey);
    const groups = groupsAfter.groups - groupsBefore.groups;
    const meanGroup = groups === 0 ? null : (groupsAfter.requests - groupsBefore.requests) / groups;
    options.progress(
      `${options.debits} debits accepted in ${load.seconds.toFixed(2)} s, hub CPU ${hubCpuUsPerDebit ?? '?'} µs per debit, ` +
        `${groups} commit groups (mean ${meanGroup === null ? '–' : meanGroup.toFixed(1)} requests); waiting until all are final`,
    );
    if (options.workersAfterAccept === true) hub.startWorkers();
    await waitUntilFinal(hub.url, seeded.merchantKey, started);
    const completeSeconds = (performance.now() - started) / 1000;
    const cpuFinal = hub.cpuSeconds();
    const tailCpuUsPerDebit = cpuAfter === null || cpuFinal === null ? null : Math.round(((cpuFinal - cpuAfter) * 1e6) / options.debits);
    const trial = expectStatus(await callHub<TrialBalanceAnswer>(hub.url, config.operatorKey, 'GET', '/v1/ledger/trial-balance'), [200], 'trial balance');
    const peakRssMib = hub.peakRssMib();
    return {
      debits: options.debits,
      clients: options.clients,
      accept_s: load.seconds,
      complete_s: completeSeconds,
      p50_ms: load.p50Ms,
      p99_ms: load.p99Ms,
      hub_cpu_us_per_debit: hubCpuUsPerDebit,
      tail_hub_cpu_us_per_debit: tailCpuUsPerDebit,
      bare,
      trial_balance_total: trial.total,
      trial_balance_balanced: trial.balanced,
      peak_rss_mib: peakRssMib,
    };
  } finally {
    client.close();
    await hub.stop();
  }
}

/**
 * Bare Fastify in a process of its own, `debits` trivial POSTs from the same keep-alive client,
 * after as many again untimed (at most BARE_WARM_UP_MAX): measured cold, its first requests ran
 * unoptimised code and the reference was slower than Fastify is, which flattered the hub.
 */
async function measureBareFastify(config: BenchHubConfig, options: { debits: number; clients: number }): Promise<LoadFigures & { cpuUsPerRequest: number | null }> {
  const server = await HubProcess.start('bare', config);
  const client = new KeepAliveClient(server.url, options.clients);
  const post = async (i: number) => {
    const answer = await client.post('/v1/debits', { authorization: 'Bearer bare' }, { mandate_id: 'mdt_bare', amount: benchAmountFen(i + 1), currency: 'CNY', reference: `API-${i}` });
    if (answer.status !== 201) throw new Error(`bare POST ${i}: HTTP ${answer.status}`);
  };
  try {
    await driveLoad(Math.min(options.debits, BARE_WARM_UP_MAX), options.clients, post);
    const cpuBefore = server.cpuSeconds();
    const figures = await driveLoad(options.debits, options.clients, post);
    const cpuAfter = server.cpuSeconds();
    return { ...figures, cpuUsPerRequest: cpuBefore === null || cpuAfter === null ? null : Math.round(((cpuAfter - cpuBefore) * 1e6) / options.debits) };
  } finally {
    client.close();
    await server.stop();
  }
}

/** Waits until the merchant has no pending or submitted debit left; gives up FINAL_WAIT_MS_MAX after `started`. */
export async function waitUntilFinal(url: string, merchantKey: string, started: number): Promise<void> {
  for (;;) {
    const open = await Promise.all(
      ['pending', 'submitted'].map(async (status) => expectStatus(await callHub<{ data: unknown[] }>(url, merchantKey, 'GET', `/v1/debits?status=${status}&limit=1`), [200], 'list debits').data.length),
    );
    if (open.every((n) => n === 0)) return;
    if (performance.now() - started > FINAL_WAIT_MS_MAX) throw new Error(`debits still open after ${FINAL_WAIT_MS_MAX / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The hub's group commit counts (`/metrics`): groups committed since its start and the requests they held. */
export async function groupCommitted(url: string, operatorKey: string): Promise<{ groups: number; requests: number }> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${operatorKey}` } })).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { groups: gauge('daikou_group_commit_groups'), requests: gauge('daikou_group_commit_requests') };
}
