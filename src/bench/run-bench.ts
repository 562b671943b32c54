import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { invariant } from '../core/index.js';
import { databaseConfig } from '../main.js';
import type { Engine } from '../storage/database.js';
import { measureApiThroughput } from './api-throughput.js';
import { createBenchDatabase } from './bench-database.js';
import { BATCH_CONTENT_TYPES, type BatchFileFormat } from './batch-file-writer.js';
import { callHub, expectStatus, type ApiAnswer, type BatchAnswer, type TrialBalanceAnswer } from './hub-api.js';
import { HubProcess } from './hub-process.js';
import { seedBench, type BenchHubConfig, type Seeded } from './seed-bench.js';
import { runPayoutPhase, type PayoutFigures } from './payout-phase.js';
import { measureProcesses, type ProcessesFigures } from './processes-phase.js';
import { measureStorageCeiling } from './storage-ceiling.js';

export interface BenchOptions {
  rows: number;
  engines: readonly Engine[];
  format: BatchFileFormat;
  /** Single-debit API phase: debits to send (0 skips it) and concurrent clients. */
  apiDebits: number;
  clients: number;
  /** Completion of the ingested batch through the sandbox; false stops after ingestion and its ceiling (quicker, to iterate on ingestion). */
  completion: boolean;
  /** Payout phase: payouts in its CSV file (0 skips it). */
  payoutRows: number;
  /** The API phase again with `DAIKOU_GROUP_COMMIT=0` (each request its own transaction), to compare. */
  compareGroupCommit: boolean;
  /** PostgreSQL: the API phase again with each of these numbers of hub processes on one database (empty skips it). */
  processes: readonly number[];
  /** The API phase again with the submission workers started only once every debit was accepted: the API's CPU alone, then completion's. */
  apiSplit: boolean;
  /** PostgreSQL: a role that may create databases; each phase gets a fresh one. */
  adminUrl: string | null;
  say: (line: string) => void;
}

/** One engine's figures: the JSON object the bench prints for it. */
export interface EngineResult {
  engine: Engine;
  format: BatchFileFormat;
  rows: number;
  /** Rows accepted as debits (the rest were refused on their row). */
  debits: number;
  rejected: number;
  ingest_s: number;
  ingest_debits_per_s: number;
  /** The hub process's CPU time (user + system) from the upload to the batch's end, and per row: the figure a loaded machine does not inflate. */
  ingest_cpu_s: number | null;
  ingest_cpu_us_per_row: number | null;
  /** Null when completion was not run (--no-completion). */
  complete_s: number | null;
  complete_debits_per_s: number | null;
  ceiling_s: number;
  ceiling_rows: number;
  /** ceiling_s ÷ ingest_s: the share of the storage engine's raw write speed ingestion keeps. */
  ratio: number;
  /**
   * SQLite: the ceiling's CPU time ÷ the hub's CPU time during ingestion — the ratio a loaded
   * machine does not skew (wall times stretch with the load, each phase differently); null on PostgreSQL.
   */
  ceiling_cpu_s: number | null;
  cpu_ratio: number | null;
  /** The larger of the two hub processes' peaks (ingestion, completion). */
  peak_rss_mib: number | null;
  ingest_peak_rss_mib: number | null;
  complete_peak_rss_mib: number | null;
  /** The completion hub process's CPU time (user + system) during completion, sandbox included (it runs embedded). */
  complete_hub_cpu_s: number | null;
  /** complete_hub_cpu_s per completed debit, in µs: the figure that survives a loaded machine. */
  complete_hub_cpu_us_per_debit: number | null;
  trial_balance_total: number | null;
  api_debits: number;
  api_clients: number;
  api_debits_per_s: number | null;
  api_p50_ms: number | null;
  api_p99_ms: number | null;
  /** The hub process's CPU while the API phase's debits were accepted, per debit (workers included: they run in the hub). */
  api_hub_cpu_us_per_debit: number | null;
  /** Bare Fastify answering a trivial POST, the same client in the same run: the API phase's reference. */
  api_bare_requests_per_s: number | null;
  api_bare_p99_ms: number | null;
  api_complete_debits_per_s: number | null;
  api_peak_rss_mib: number | null;
  /** With --compare-group-commit: the API phase again with DAIKOU_GROUP_COMMIT=0, and its own bare Fastify reference (null when not run). */
  api_alone_debits_per_s: number | null;
  api_alone_p99_ms: number | null;
  api_alone_bare_requests_per_s: number | null;
  api_alone_bare_p99_ms: number | null;
  /** The API phase's hub CPU per debit from the end of its accept window until all were final (the workers' rest). */
  api_tail_hub_cpu_us_per_debit: number | null;
  /**
   * With --api-split: the API phase again, its submission workers started only once every debit
   * was accepted — the hub CPU per debit of the API alone (accept window), and of completing them
   * afterwards (sandbox included); null when not run.
   */
  api_split_debits_per_s: number | null;
  api_split_p99_ms: number | null;
  api_split_hub_cpu_us_per_debit: number | null;
  api_split_complete_hub_cpu_us_per_debit: number | null;
  /** The payout phase (null fields when skipped): N payouts from a CSV sent with kind=payout. */
  payout_rows: number;
  payout_ingest_s: number | null;
  payout_ingest_per_s: number | null;
  payout_complete_s: number | null;
  payout_complete_per_s: number | null;
  /**
   * The storage ceiling of this run per batch row (ceiling_s ÷ rows, measured on the debit batch),
   * times the payout rows, ÷ payout_ingest_s: the share of the raw write speed payout ingestion
   * keeps. A payout row also posts its reservation, which the debit ceiling does not write.
   */
  payout_ratio: number | null;
  payout_peak_rss_mib: number | null;
  /** PostgreSQL: the API phase with 1, 2, 4… hub processes sharing the database; null when not run. */
  api_processes: ProcessesFigures[] | null;
}

export interface BenchOutcome {
  results: EngineResult[];
  /** Results that do not add up (a trial balance off zero, rows refused, debits not final): the command exits non-zero. */
  problems: string[];
}

/**
 * Worker batch size for completion, unless DAIKOU_WORKER_BATCH_SIZE says otherwise: debits
 * claimed per round, and so per debit-batches message to the sandbox — the protocol's most,
 * ~300 KB of bench debits (the sandbox takes up to 4 MiB a message). At 20,000 rows on a busy
 * 2-core machine, completion ran at ~5,300 debits/s on SQLite and ~3,300 on PostgreSQL with
 * 1,000, ~5,100 and ~2,500 with 500, ~4,600 on SQLite with 200.
 */
const COMPLETION_WORKER_BATCH_SIZE = '1000';
/** The ingestion hub's request timeout (DAIKOU_REQUEST_TIMEOUT_MS, unless set): the upload of the whole file is one request. */
const INGEST_REQUEST_TIMEOUT_MS = String(30 * 60_000);
/** Polls of a batch are spaced at least this far apart… */
const POLL_MS_MIN = 100;
/** …and at least this many times the last poll's own duration (a batch's live counts are a count over its debits), at most POLL_MS_MAX. */
const POLL_COST_FACTOR = 10;
const POLL_MS_MAX = 2_000;
/**
 * Ingestion's polls: its time is the hub's own stamp of the batch's end (`completed_at`), not when
 * a poll sees it, so they can be spaced further without making the figure late; each one counts
 * the batch's debits (~80 ms at 200k rows, ~0.4 s at 1M), hub CPU the ingestion figures would carry.
 */
const INGEST_POLL = { costFactor: 50, msMax: 10_000 };
const PROGRESS_EVERY_MS = 5_000;
/** A phase whose counts do not move for this long has stalled. */
const STALL_MS_MAX = 300_000;

const round = (value: number, digits: number) => Number(value.toFixed(digits));
/** CPU µs per item (row, debit). */
const cpuUsPer = (cpuSeconds: number, count: number) => (count > 0 ? Math.round((cpuSeconds * 1e6) / count) : 0);
const perSecond = (count: number, seconds: number) => (seconds > 0 ? Math.round(count / seconds) : 0);
const maxOrNull = (...values: (number | null)[]) => (values.some((v) => v !== null) ? Math.max(...values.filter((v): v is number => v !== null)) : null);

export async function runBench(options: BenchOptions): Promise<BenchOutcome> {
  const results: EngineResult[] = [];
  const problems: string[] = [];
  for (const engine of options.engines) {
    const say = (line: string) => options.say(`[${engine}] ${line}`);
    const result = await benchEngine(engine, options, say, (problem) => problems.push(`${engine}: ${problem}`));
    results.push(result);
    say(
      `ingestion ${result.ingest_debits_per_s} debits/s (${result.ingest_s} s, hub CPU ${result.ingest_cpu_s ?? '?'} s = ${result.ingest_cpu_us_per_row ?? '?'} µs/row), completion ${result.complete_debits_per_s} debits/s (${result.complete_s} s), ` +
        `ceiling ${result.ceiling_s} s, ratio ${result.ratio}${result.cpu_ratio === null ? '' : ` (CPU ratio ${result.cpu_ratio})`}, peak RSS ${result.peak_rss_mib ?? '?'} MiB` +
        (result.api_debits_per_s === null ? '' : `; API ${result.api_debits_per_s} debits/s, p50 ${result.api_p50_ms} ms, p99 ${result.api_p99_ms} ms (bare Fastify ${result.api_bare_requests_per_s}/s, p99 ${result.api_bare_p99_ms} ms)`) +
        (result.payout_ingest_per_s === null ? '' : `; payouts ${result.payout_ingest_per_s}/s ingested (ratio ${result.payout_ratio}), ${result.payout_complete_per_s}/s paid`),
    );
  }
  return { results, problems };
}

async function benchEngine(engine: Engine, options: BenchOptions, say: (line: string) => void, problem: (text: string) => void): Promise<EngineResult> {
  const keys = () => ({ operatorKey: `bench-operator-${crypto.randomBytes(24).toString('hex')}`, masterKey: crypto.randomBytes(32).toString('hex') });
  const home = await createBenchDatabase(engine, options.adminUrl, 'batch');
  let batch: { ingest: IngestFigures; ceiling: Awaited<ReturnType<typeof measureStorageCeiling>>; complete: CompleteFigures | null };
  let payouts: PayoutFigures | null = null;
  try {
    const config: BenchHubConfig = { dataDir: home.dataDir, databaseUrl: home.databaseUrl, ...keys() };
    say(`data in ${home.dataDir}${home.databaseUrl === null ? '' : ` and PostgreSQL database ${new URL(home.databaseUrl).pathname.slice(1)}`}`);

    const file = path.join(home.dataDir, options.format === 'csv' ? 'bench.csv' : 'bench.xml');
    const setupStarted = performance.now();
    const seeded = await seedBench({ ...config, mandates: options.rows, file: { path: file, format: options.format }, progress: (line) => say(`setup: ${line}`) });
    say(`setup (untimed): a merchant, ${options.rows} mandates (${seeded.mandatesPerS}/s) and a ${seeded.rows}-row ${options.format} file (${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MiB) in ${seconds(setupStarted).toFixed(1)} s`);

    const ingest = await ingestBatch(config, seeded, file, options.format, say);
    say(
      `ingestion: ${ingest.rows} rows (${ingest.accepted} accepted, ${ingest.rejected} rejected) in ${ingest.seconds.toFixed(2)} s (upload ${ingest.uploadSeconds.toFixed(2)} s) = ${perSecond(ingest.accepted, ingest.seconds)} debits/s, ` +
        `hub CPU ${ingest.cpuSeconds === null ? '?' : `${ingest.cpuSeconds.toFixed(2)} s (${cpuUsPer(ingest.cpuSeconds, ingest.rows)} µs/row)`}, hub peak RSS ${ingest.peakRssMib ?? '?'} MiB, load ${loadAverage()}`,
    );
    if (ingest.rows !== seeded.rows || ingest.rejected > 0) problem(`ingestion took ${ingest.rows} of ${seeded.rows} rows and refused ${ingest.rejected}`);

    const source = engine === 'sqlite' ? { engine, file: sqliteFileOf(home.dataDir) } : { engine, url: home.databaseUrl!, adminUrl: options.adminUrl! };
    const ceiling = await measureStorageCeiling(source, (line) => say(`ceiling: ${line}`));
    say(`ceiling: the same ${ceiling.rows} rows (${Object.entries(ceiling.rowsByTable).filter(([, n]) => n > 0).map(([table, n]) => `${table} ${n}`).join(', ')}) written raw in ${ceiling.seconds.toFixed(2)} s${ceiling.cpuSeconds === null ? '' : ` (CPU ${ceiling.cpuSeconds.toFixed(2)} s)`} [${ceiling.settings}], load ${loadAverage()}`);
    if (ceiling.uncovered.length > 0) say(`ceiling: note — these tables hold rows the ceiling does not write: ${ceiling.uncovered.join(', ')}`);

    let complete: CompleteFigures | null = null;
    if (!options.completion) say('completion and the payout phase: skipped (--no-completion)');
    else {
      complete = await completeBatch(config, seeded, ingest, say);
      say(`completion: ${complete.succeeded} succeeded, ${complete.failed} failed in ${complete.seconds.toFixed(2)} s = ${perSecond(ingest.accepted, complete.seconds)} debits/s, hub peak RSS ${complete.peakRssMib ?? '?'} MiB, hub CPU ${complete.cpuSeconds === null ? '?' : `${complete.cpuSeconds.toFixed(2)} s = ${cpuUsPer(complete.cpuSeconds, ingest.accepted)} µs per debit`} (sandbox included)`);
      say(`trial balance: total ${complete.trial.total}, ${complete.trial.accounts.length} accounts, ${complete.trial.balanced ? 'balanced' : `NOT balanced (${complete.trial.mismatched.length} accounts differ from their postings)`}`);
      if (!complete.trial.balanced) problem(`the trial balance is not balanced (total ${complete.trial.total})`);
      if (complete.failed > 0) problem(`${complete.failed} debits failed (the first: ${complete.firstFailure ?? 'unknown'}); every sandbox account holds enough, so none should`);

      if (options.payoutRows > 0) {
        payouts = await runPayoutPhase(config, { id: seeded.merchantId, key: seeded.merchantKey }, path.join(home.dataDir, 'bench-payouts.csv'), options.payoutRows, followBatch, say);
        const ratio = (ceiling.seconds / ingest.rows) * payouts.rows / payouts.ingestSeconds;
        say(
          `payouts: ${payouts.rows} rows (${payouts.accepted} accepted, ${payouts.rejected} rejected) ingested in ${payouts.ingestSeconds.toFixed(2)} s = ${perSecond(payouts.accepted, payouts.ingestSeconds)} payouts/s ` +
            `(ratio to the ceiling ${ratio.toFixed(3)}); ${payouts.succeeded} succeeded, ${payouts.failed} failed in ${payouts.completeSeconds.toFixed(2)} s = ${perSecond(payouts.accepted, payouts.completeSeconds)} payouts/s; ` +
            `trial balance total ${payouts.trial.total}${payouts.trial.balanced ? '' : ' NOT balanced'}`,
        );
        if (payouts.rows !== options.payoutRows || payouts.rejected > 0) problem(`the payout batch took ${payouts.rows} of ${options.payoutRows} rows and refused ${payouts.rejected}`);
        if (payouts.failed > 0) problem(`${payouts.failed} payouts failed; every payee account is open, so none should`);
        if (!payouts.trial.balanced) problem(`the trial balance after the payouts is not balanced (total ${payouts.trial.total})`);
      }
    }
    batch = { ingest, ceiling, complete };
  } finally {
    await home.drop();
  }

  let api: Awaited<ReturnType<typeof measureApiThroughput>> | null = null;
  if (options.apiDebits > 0) {
    const apiHome = await createBenchDatabase(engine, options.adminUrl, 'api');
    try {
      say(`API: ${options.apiDebits} single debits from ${options.clients} clients against a fresh hub`);
      api = await measureApiThroughput({ dataDir: apiHome.dataDir, databaseUrl: apiHome.databaseUrl, ...keys() }, {
        debits: options.apiDebits,
        clients: options.clients,
        progress: (line) => say(`API: ${line}`),
        // Compared: this phase with group commit, whatever the engine's default.
        ...(options.compareGroupCommit ? { hubEnv: { DAIKOU_GROUP_COMMIT: '1' } } : {}),
      });
      say(
        `API: ${perSecond(api.debits, api.accept_s)} debits/s accepted, p50 ${api.p50_ms.toFixed(2)} ms, p99 ${api.p99_ms.toFixed(2)} ms (bare Fastify: ${api.bare.perSecond}/s, p99 ${api.bare.p99Ms.toFixed(2)} ms); all final after ${api.complete_s.toFixed(2)} s; ` +
          `hub CPU after the accept window ${api.tail_hub_cpu_us_per_debit ?? '?'} µs per debit; trial balance total ${api.trial_balance_total}; hub peak RSS ${api.peak_rss_mib ?? '?'} MiB, load ${loadAverage()}`,
      );
      if (!api.trial_balance_balanced) problem(`the API phase's trial balance is not balanced (total ${api.trial_balance_total})`);
    } finally {
      await apiHome.drop();
    }
  }

  let split: Awaited<ReturnType<typeof measureApiThroughput>> | null = null;
  if (options.apiSplit && options.apiDebits > 0) {
    const splitHome = await createBenchDatabase(engine, options.adminUrl, 'api');
    try {
      say(`API alone (workers started once all are accepted): ${options.apiDebits} single debits from ${options.clients} clients against a fresh hub`);
      split = await measureApiThroughput(
        { dataDir: splitHome.dataDir, databaseUrl: splitHome.databaseUrl, ...keys() },
        { debits: options.apiDebits, clients: options.clients, progress: (line) => say(`API alone: ${line}`), workersAfterAccept: true },
      );
      say(
        `API alone: ${perSecond(split.debits, split.accept_s)} debits/s accepted, p99 ${split.p99_ms.toFixed(2)} ms, hub CPU ${split.hub_cpu_us_per_debit ?? '?'} µs per debit (the API alone); ` +
          `then completed by the workers with ${split.tail_hub_cpu_us_per_debit ?? '?'} µs per debit; load ${loadAverage()}`,
      );
      if (!split.trial_balance_balanced) problem(`the API phase alone has an unbalanced trial balance (total ${split.trial_balance_total})`);
    } finally {
      await splitHome.drop();
    }
  }

  let alone: Awaited<ReturnType<typeof measureApiThroughput>> | null = null;
  if (options.compareGroupCommit && options.apiDebits > 0) {
    const aloneHome = await createBenchDatabase(engine, options.adminUrl, 'api');
    try {
      say(`API without group commit (DAIKOU_GROUP_COMMIT=0): ${options.apiDebits} single debits from ${options.clients} clients against a fresh hub`);
      alone = await measureApiThroughput(
        { dataDir: aloneHome.dataDir, databaseUrl: aloneHome.databaseUrl, ...keys() },
        { debits: options.apiDebits, clients: options.clients, progress: (line) => say(`API without group commit: ${line}`), hubEnv: { DAIKOU_GROUP_COMMIT: '0' } },
      );
      say(
        `API without group commit: ${perSecond(alone.debits, alone.accept_s)} debits/s accepted, p50 ${alone.p50_ms.toFixed(2)} ms, p99 ${alone.p99_ms.toFixed(2)} ms ` +
          `(bare Fastify: ${alone.bare.perSecond}/s, p99 ${alone.bare.p99Ms.toFixed(2)} ms)`,
      );
      if (!alone.trial_balance_balanced) problem(`the API phase without group commit has an unbalanced trial balance (total ${alone.trial_balance_total})`);
    } finally {
      await aloneHome.drop();
    }
  }

  let apiProcesses: ProcessesFigures[] | null = null;
  if (options.processes.length > 0 && options.apiDebits > 0) {
    if (engine === 'sqlite') say('processes: skipped on SQLite (one process owns the embedded database)');
    else {
      apiProcesses = [];
      for (const processes of options.processes) {
        const home = await createBenchDatabase(engine, options.adminUrl, `procs${processes}`);
        try {
          const figures = await measureProcesses({ dataDir: home.dataDir, databaseUrl: home.databaseUrl, ...keys() }, { processes, debits: options.apiDebits, clients: options.clients, progress: (line) => say(`processes: ${line}`) });
          apiProcesses.push(figures);
          say(
            `processes: ${processes} hub process(es) on one database: ${figures.debits_per_s} debits/s accepted, p99 ${figures.p99_ms} ms, ` +
              `hub CPU ${figures.hub_cpu_us_per_debit ?? '?'} µs/debit (all processes), PostgreSQL ${figures.pg_cpu_us_per_debit ?? '?'} µs/debit, ${figures.queries_per_debit} statements/debit, ` +
              `${figures.groups} groups (mean ${figures.mean_group ?? '–'}); ${figures.complete_debits_per_s} debits/s final (to final: hub ${figures.final_hub_cpu_us_per_debit ?? '?'} µs, ` +
              `PostgreSQL ${figures.final_pg_cpu_us_per_debit ?? '?'} µs, ${figures.final_queries_per_debit} statements per debit); idle: ${figures.idle_hub_cpu_ms_per_s ?? '?'} ms CPU/s, ` +
              `${figures.idle_queries_per_s} statements/s; load ${figures.load_average}; sandbox received ${figures.sandbox_received}, sent twice ${figures.sent_twice}; trial balance total ${figures.trial_balance_total}`,
          );
          if (!figures.trial_balance_balanced) problem(`with ${processes} processes the trial balance is not balanced (total ${figures.trial_balance_total})`);
          if (figures.sent_twice > 0 || figures.sandbox_received !== figures.debits) problem(`with ${processes} processes the sandbox received ${figures.sandbox_received} messages for ${figures.debits} debits, ${figures.sent_twice} of them sent twice`);
        } finally {
          await home.drop();
        }
      }
    }
  }

  const { ingest, ceiling, complete } = batch;
  return {
    engine,
    format: options.format,
    rows: ingest.rows,
    debits: ingest.accepted,
    rejected: ingest.rejected,
    ingest_s: round(ingest.seconds, 3),
    ingest_debits_per_s: perSecond(ingest.accepted, ingest.seconds),
    ingest_cpu_s: ingest.cpuSeconds === null ? null : round(ingest.cpuSeconds, 2),
    ingest_cpu_us_per_row: ingest.cpuSeconds === null ? null : cpuUsPer(ingest.cpuSeconds, ingest.rows),
    complete_s: complete === null ? null : round(complete.seconds, 3),
    complete_debits_per_s: complete === null ? null : perSecond(ingest.accepted, complete.seconds),
    ceiling_s: round(ceiling.seconds, 3),
    ceiling_rows: ceiling.rows,
    ratio: round(ceiling.seconds / ingest.seconds, 3),
    ceiling_cpu_s: ceiling.cpuSeconds === null ? null : round(ceiling.cpuSeconds, 2),
    cpu_ratio: ceiling.cpuSeconds === null || ingest.cpuSeconds === null || ingest.cpuSeconds === 0 ? null : round(ceiling.cpuSeconds / ingest.cpuSeconds, 3),
    peak_rss_mib: maxOrNull(ingest.peakRssMib, complete?.peakRssMib ?? null),
    ingest_peak_rss_mib: ingest.peakRssMib,
    complete_peak_rss_mib: complete?.peakRssMib ?? null,
    complete_hub_cpu_s: complete === null || complete.cpuSeconds === null ? null : round(complete.cpuSeconds, 2),
    complete_hub_cpu_us_per_debit: complete === null || complete.cpuSeconds === null ? null : cpuUsPer(complete.cpuSeconds, ingest.accepted),
    trial_balance_total: complete?.trial.total ?? null,
    api_debits: api?.debits ?? 0,
    api_clients: options.clients,
    api_debits_per_s: api === null ? null : perSecond(api.debits, api.accept_s),
    api_p50_ms: api === null ? null : round(api.p50_ms, 2),
    api_p99_ms: api === null ? null : round(api.p99_ms, 2),
    api_hub_cpu_us_per_debit: api?.hub_cpu_us_per_debit ?? null,
    api_bare_requests_per_s: api?.bare.perSecond ?? null,
    api_bare_p99_ms: api === null ? null : round(api.bare.p99Ms, 2),
    api_complete_debits_per_s: api === null ? null : perSecond(api.debits, api.complete_s),
    api_peak_rss_mib: api?.peak_rss_mib ?? null,
    api_alone_debits_per_s: alone === null ? null : perSecond(alone.debits, alone.accept_s),
    api_alone_p99_ms: alone === null ? null : round(alone.p99_ms, 2),
    api_alone_bare_requests_per_s: alone?.bare.perSecond ?? null,
    api_alone_bare_p99_ms: alone === null ? null : round(alone.bare.p99Ms, 2),
    api_tail_hub_cpu_us_per_debit: api?.tail_hub_cpu_us_per_debit ?? null,
    api_split_debits_per_s: split === null ? null : perSecond(split.debits, split.accept_s),
    api_split_p99_ms: split === null ? null : round(split.p99_ms, 2),
    api_split_hub_cpu_us_per_debit: split?.hub_cpu_us_per_debit ?? null,
    api_split_complete_hub_cpu_us_per_debit: split?.tail_hub_cpu_us_per_debit ?? null,
    payout_rows: payouts?.rows ?? 0,
    payout_ingest_s: payouts === null ? null : round(payouts.ingestSeconds, 3),
    payout_ingest_per_s: payouts === null ? null : perSecond(payouts.accepted, payouts.ingestSeconds),
    payout_complete_s: payouts === null ? null : round(payouts.completeSeconds, 3),
    payout_complete_per_s: payouts === null ? null : perSecond(payouts.accepted, payouts.completeSeconds),
    payout_ratio: payouts === null ? null : round(((ceiling.seconds / ingest.rows) * payouts.rows) / payouts.ingestSeconds, 3),
    payout_peak_rss_mib: payouts === null ? null : maxOrNull(payouts.ingestPeakRssMib, payouts.completePeakRssMib),
    api_processes: apiProcesses,
  };
}

/** Where the hub keeps its SQLite database in a data directory. */
function sqliteFileOf(dataDir: string): string {
  const config = databaseConfig(dataDir, null);
  invariant(config.engine === 'sqlite', 'a data directory without a database URL holds an SQLite database');
  return config.file;
}

/** The machine's 1-minute load average, to read a run's figures by (null where /proc is not there). */
function loadAverage(): string {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').split(' ', 1)[0]!;
  } catch {
    return '?';
  }
}

function seconds(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}

interface IngestFigures {
  batchId: string;
  rows: number;
  accepted: number;
  rejected: number;
  seconds: number;
  uploadSeconds: number;
  /** The hub process's CPU time (user + system) from just before the upload to the batch's end. */
  cpuSeconds: number | null;
  peakRssMib: number | null;
}

/**
 * Ingestion, timed from the start of the upload to the batch's `completed_at`: the file
 * goes up over HTTP to a hub with the submission workers off, so that the debits stay pending.
 */
async function ingestBatch(config: BenchHubConfig, seeded: Seeded, file: string, format: BatchFileFormat, say: (line: string) => void): Promise<IngestFigures> {
  // The upload is one request, checked as it streams in (a pain.008's totals are parsed on the way):
  // a million-row pain.008 (~390 MiB) can take longer than the server's default 60 s, which would
  // refuse it 408 and measure nothing.
  const hub = await HubProcess.start('batches', config, { DAIKOU_REQUEST_TIMEOUT_MS: process.env.DAIKOU_REQUEST_TIMEOUT_MS ?? INGEST_REQUEST_TIMEOUT_MS });
  try {
    const cpuBefore = hub.cpuSeconds();
    const started = performance.now();
    const startedAt = Date.now();
    const uploaded = expectStatus(
      await callHub<BatchAnswer>(hub.url, seeded.merchantKey, 'POST', '/v1/batches', {
        headers: { 'content-type': BATCH_CONTENT_TYPES[format] },
        body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>,
      }),
      [202],
      'upload the batch file',
    );
    const uploadSeconds = seconds(started);
    const done = await followBatch(hub.url, seeded.merchantKey, uploaded.id, {
      finished: (batch) => batch.status !== 'processing',
      progress: (batch) => batch.counts.rows,
      total: seeded.rows,
      unit: 'rows',
      started,
      say: (line) => say(`ingestion: ${line}`),
      poll: INGEST_POLL,
    });
    // The hub stamps the batch when its last chunk commits (same machine, same clock): exact,
    // where the poll that sees it is late by up to its spacing.
    const elapsed = done.completed_at === null ? seconds(started) : (Date.parse(done.completed_at) - startedAt) / 1000;
    if (done.status !== 'completed') throw new Error(`the batch ended ${done.status}: ${done.error === null ? 'no error given' : `${done.error.code}: ${done.error.detail}`}`);
    const cpuAfter = hub.cpuSeconds();
    const cpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
    return { batchId: done.id, rows: done.counts.rows, accepted: done.counts.accepted, rejected: done.counts.rejected, seconds: elapsed, uploadSeconds, cpuSeconds, peakRssMib: hub.peakRssMib() };
  } finally {
    await hub.stop();
  }
}

interface CompleteFigures {
  succeeded: number;
  failed: number;
  seconds: number;
  trial: TrialBalanceAnswer;
  /** The failure code and message of one failed debit, if any failed. */
  firstFailure: string | null;
  peakRssMib: number | null;
  /** The hub process's CPU time from the start of completion to its end (sandbox included). */
  cpuSeconds: number | null;
}

/**
 * Completion, timed from the moment a hub with every worker running is up (its workers start
 * just before it reports its address) to every accepted debit final, through the sandbox, with
 * its ledger postings.
 */
async function completeBatch(config: BenchHubConfig, seeded: Seeded, ingest: IngestFigures, say: (line: string) => void): Promise<CompleteFigures> {
  const hub = await HubProcess.start('all', config, { DAIKOU_WORKER_BATCH_SIZE: process.env.DAIKOU_WORKER_BATCH_SIZE ?? COMPLETION_WORKER_BATCH_SIZE });
  try {
    const started = performance.now();
    const cpuAtStart = hub.cpuSeconds();
    const done = await followBatch(hub.url, seeded.merchantKey, ingest.batchId, {
      finished: (batch) => batch.counts.succeeded + batch.counts.failed >= batch.counts.accepted,
      progress: (batch) => batch.counts.succeeded + batch.counts.failed,
      total: ingest.accepted,
      unit: 'debits final',
      started,
      say: (line) => say(`completion: ${line}`),
    });
    const elapsed = seconds(started);
    const cpuAtEnd = hub.cpuSeconds();
    const trial = expectStatus(await callHub<TrialBalanceAnswer>(hub.url, config.operatorKey, 'GET', '/v1/ledger/trial-balance'), [200], 'trial balance');
    let firstFailure: string | null = null;
    if (done.counts.failed > 0) {
      const failed = expectStatus(await callHub<{ data: { failure?: { code?: string; message?: string } | null }[] }>(hub.url, seeded.merchantKey, 'GET', '/v1/debits?status=failed&limit=1'), [200], 'list failed debits');
      const failure = failed.data[0]?.failure;
      firstFailure = failure ? `${failure.code}: ${failure.message}` : null;
    }
    return { succeeded: done.counts.succeeded, failed: done.counts.failed, seconds: elapsed, trial, firstFailure, peakRssMib: hub.peakRssMib(), cpuSeconds: cpuAtStart === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart };
  } finally {
    await hub.stop();
  }
}

/**
 * Polls GET /v1/batches/{id} until `finished`, with a progress line every few seconds. Polls are
 * spaced by POLL_MS_MIN, or by POLL_COST_FACTOR times what the last one took, whichever is
 * longer: each answer counts the batch's debits, and at a million rows polling every 100 ms
 * would take a good share of the hub's time from the work being measured.
 */
async function followBatch(
  url: string,
  key: string,
  batchId: string,
  watch: {
    finished: (batch: BatchAnswer) => boolean;
    progress: (batch: BatchAnswer) => number;
    total: number;
    unit: string;
    started: number;
    say: (line: string) => void;
    /** Spacing of polls other than POLL_COST_FACTOR and POLL_MS_MAX. */
    poll?: { costFactor: number; msMax: number };
  },
): Promise<BatchAnswer> {
  let reportedAt = performance.now();
  let movedAt = reportedAt;
  let last = -1;
  for (;;) {
    const polled = performance.now();
    const batch = expectStatus(await readBatch(url, key, batchId), [200], 'read the batch');
    const now = performance.now();
    if (watch.finished(batch)) return batch;
    const done = watch.progress(batch);
    if (done !== last) {
      last = done;
      movedAt = now;
    } else if (now - movedAt > STALL_MS_MAX) {
      throw new Error(`stalled: ${done}/${watch.total} ${watch.unit} and no change for ${STALL_MS_MAX / 1000} s (batch status ${batch.status})`);
    }
    if (now - reportedAt >= PROGRESS_EVERY_MS) {
      reportedAt = now;
      watch.say(`${done}/${watch.total} ${watch.unit}, ${perSecond(done, (now - watch.started) / 1000)}/s`);
    }
    const { costFactor, msMax } = watch.poll ?? { costFactor: POLL_COST_FACTOR, msMax: POLL_MS_MAX };
    await new Promise((resolve) => setTimeout(resolve, Math.min(msMax, Math.max(POLL_MS_MIN, costFactor * (now - polled)))));
  }
}

/** Failed polls in a row that followBatch waits through before giving up. */
const POLL_FAILURES_MAX = 5;

/**
 * GET /v1/batches/{id}, asked again when the request itself fails (Node's fetch: "fetch failed"):
 * on a loaded machine a keep-alive connection can be closed by the hub's timer the moment its
 * event loop comes back from a long chunk, just as the next poll reuses it. A read repeats safely.
 */
async function readBatch(url: string, key: string, batchId: string): Promise<ApiAnswer<BatchAnswer>> {
  for (let failures = 1; ; failures += 1) {
    try {
      return await callHub<BatchAnswer>(url, key, 'GET', `/v1/batches/${batchId}`);
    } catch (error) {
      if (!(error instanceof TypeError) || failures >= POLL_FAILURES_MAX) throw error;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS_MIN * failures));
    }
  }
}
