/**
 * What-if simulation throughput (SPEC §6, `POST /v1/rules/simulate`): `simulateRules` replaying
 * a month of past debits — December 2017 of the cn-2017 scenario, routed as if on 2018-01-01 when
 * 银办发[2017]110号 closes the collection centers to all but utilities and charities — on a fresh
 * SQLite database (or PostgreSQL with --engine postgres and DAIKOU_DATABASE_URL, a role that may
 * create databases; a database `daikou_bench_<random>` is made and dropped).
 *
 * Beside it, in the same run, the storage ceiling: the very SQL listSimulationRows runs (captured
 * from the store, so the same join, columns and keyset pages of 5,000) on the bare driver, with no
 * query builder and no routing; the better of a pass before and a pass after the simulation. The
 * ratio ceiling/simulate says how much of that speed the simulation keeps. The store's own read
 * (Kysely, no routing) is shown too, to tell the query builder's share from routing's, and so is
 * the engine's plan for a page: the ceiling is only as good as the plan.
 *
 * Generation (bench/support/generate-debits.ts, in a process of its own so that peak RSS and a
 * CPU profile hold only what is measured) is timed separately and not part of the result.
 * The last line is one JSON object. It exits non-zero when the result does not add up (every
 * debit replayed, cost_before as written, cost_after above it).
 *
 * Four passes over the window are made (ceiling, store read, simulation, ceiling). On SQLite, with
 * the page query as it is (it sorts the whole window for every page; see the plan line), a 1,000,000
 * debit run takes about 15 minutes; on PostgreSQL about 2.
 *
 *   npx tsx bench/rules-simulate.ts --debits 1000000 [--engine sqlite|postgres]
 *   node --cpu-prof --import tsx bench/rules-simulate.ts --debits 1000000   # profiles the measuring process only
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { simulateRules, type SimulationResult } from '../src/app/simulation.js';
import type { Clock, BusinessDate } from '../src/core/index.js';
import { migrateToLatest, type DatabaseConfig } from '../src/storage/database.js';
import { createStore, openStore } from '../src/storage/kysely-store.js';
import type { Database } from '../src/storage/schema.js';
import type { SimulationCursor } from '../src/app/ports.js';
import { createBenchDatabase, loadCn2017 } from './support/bench-database.js';

const { values } = parseArgs({
  options: {
    debits: { type: 'string', default: '1000000' },
    engine: { type: 'string', default: 'sqlite' },
    merchants: { type: 'string', default: '200' },
    mandates: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '2017' },
    /** Keep the database afterwards (its location is printed), e.g. to look at plans by hand. */
    keep: { type: 'boolean', default: false },
  },
});
const debitCount = Number(values.debits);
if (!Number.isSafeInteger(debitCount) || debitCount <= 0) throw new Error('--debits is a positive integer');
if (values.engine !== 'sqlite' && values.engine !== 'postgres') throw new Error('--engine is sqlite or postgres');
const engine = values.engine;

const WINDOW = { from: '2017-12-01' as BusinessDate, to: '2017-12-31' as BusinessDate };
const AT = '2018-01-01' as BusinessDate;
/** The page size of simulateRules (src/app/simulation.ts, PAGE); the ceiling reads the same pages. */
const PAGE = 5_000;
const clock: Clock = { now: () => new Date('2018-01-01T09:00:00+08:00') };

const seconds = (startMs: number) => (performance.now() - startMs) / 1000;
const fixed = (value: number, digits = 3) => Number(value.toFixed(digits));

interface PageSql {
  sql: string;
  parameters: readonly unknown[];
}

/**
 * The SQL of one page as KyselyStore.listSimulationRows itself builds it, so that the ceiling reads
 * exactly what the simulation reads even as that query changes: the store runs once, on a
 * connection of its own, with stand-in arguments (an empty window of 1970), and Kysely's query log
 * hands over the SQL and parameters; the stand-ins are then swapped for the real values.
 */
async function capturePageSql(config: DatabaseConfig): Promise<(after: SimulationCursor | null) => PageSql> {
  const STAND_IN = { from: '1970-01-01', to: '1970-01-02', afterDate: '1969-12-31', afterId: 'dbt_stand_in' } as const;
  const captured: PageSql[] = [];
  const log = (event: LogEvent) => {
    if (event.level === 'query') captured.push({ sql: event.query.sql, parameters: event.query.parameters });
  };
  const dialect =
    config.engine === 'sqlite'
      ? new SqliteDialect({ database: new SQLite(config.file, { readonly: true }) })
      : new PostgresDialect({ pool: new pg.Pool({ connectionString: config.url, max: 1 }) });
  const db = new Kysely<Database>({ dialect, log });
  const store = createStore({ db, engine: config.engine, close: () => db.destroy() });
  try {
    await store.listSimulationRows(STAND_IN.from, STAND_IN.to, null, PAGE);
    await store.listSimulationRows(STAND_IN.from, STAND_IN.to, { business_date: STAND_IN.afterDate, id: STAND_IN.afterId }, PAGE);
  } finally {
    await store.close();
  }
  const [first, next] = captured;
  if (first === undefined || next === undefined || captured.length !== 2) throw new Error(`listSimulationRows ran ${captured.length} queries for two pages, not one each: update the ceiling`);
  const realValue = new Map<unknown, unknown>([
    [STAND_IN.from, WINDOW.from],
    [STAND_IN.to, WINDOW.to],
  ]);
  for (const [query, standIns] of [[first, [STAND_IN.from, STAND_IN.to]], [next, [STAND_IN.to, STAND_IN.afterDate, STAND_IN.afterId]]] as const) {
    const missing = standIns.filter((value) => !query.parameters.includes(value));
    if (missing.length > 0) throw new Error(`listSimulationRows no longer binds ${missing.join(', ')} as parameters: update the ceiling`);
  }
  const bind = (query: PageSql, after: SimulationCursor | null) => ({
    sql: query.sql,
    parameters: query.parameters.map((value) =>
      value === STAND_IN.afterId ? after?.id : value === STAND_IN.afterDate ? after?.business_date : realValue.has(value) ? realValue.get(value) : value,
    ),
  });
  return (after) => (after === null ? bind(first, null) : bind(next, after));
}

/** Reads one page on the bare driver: rows as objects, as the store receives them. */
type PageReader = (sql: string, parameters: readonly unknown[]) => Promise<{ id: string }[]>;

interface RawReader {
  read: PageReader;
  /** The engine's plan for a query, one line per node. */
  plan(sql: string, parameters: readonly unknown[]): Promise<string[]>;
  close(): Promise<void>;
}

async function rawReader(config: DatabaseConfig): Promise<RawReader> {
  if (config.engine === 'sqlite') {
    // Its own connection with the default page cache, like the store's; prepared once per SQL
    // text, as the store's statement cache does.
    const db = new SQLite(config.file, { readonly: true });
    const statements = new Map<string, SQLite.Statement>();
    const prepare = (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) statements.set(sql, (statement = db.prepare(sql)));
      return statement;
    };
    return {
      read: (sql, parameters) => Promise.resolve(prepare(sql).all(...parameters) as { id: string }[]),
      plan: (sql, parameters) => Promise.resolve((db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]).map((row) => row.detail)),
      close: async () => {
        db.close();
      },
    };
  }
  // One connection, queried the way Kysely's PostgresDriver does (text + values).
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  return {
    read: async (sql, parameters) => (await client.query<{ id: string }>(sql, [...parameters])).rows,
    plan: async (sql, parameters) => (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, [...parameters])).rows.map((row) => row['QUERY PLAN']),
    close: () => client.end(),
  };
}

/** Reads the whole window in keyset pages through `readPage`; returns the rows read and the time. */
async function readAllPages(readPage: (after: SimulationCursor | null) => Promise<SimulationCursor[]>): Promise<{ rows: number; seconds: number; mid: SimulationCursor | null }> {
  const started = performance.now();
  let after: SimulationCursor | null = null;
  let rows = 0;
  let mid: SimulationCursor | null = null;
  for (;;) {
    const page = await readPage(after);
    if (page.length === 0) break;
    rows += page.length;
    const last = page[page.length - 1]!;
    after = { business_date: last.business_date, id: last.id };
    if (mid === null && rows >= debitCount / 2) mid = after;
    if (page.length < PAGE) break;
  }
  return { rows, seconds: seconds(started), mid };
}

/** Runs the generator in its own process; its progress goes to our stderr, its JSON summary back. */
function generate(location: string): Promise<Record<string, unknown>> {
  const script = fileURLToPath(new URL('./support/generate-debits.ts', import.meta.url));
  const args = ['--import', 'tsx', script, '--engine', engine, engine === 'sqlite' ? '--file' : '--url', location];
  args.push('--debits', String(debitCount), '--merchants', values.merchants, '--mandates', values.mandates, '--seed', values.seed);
  // Not process.execArgv: a --cpu-prof given to this process must not profile the generator.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`generator exited with ${code}`));
      try {
        resolve(JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, unknown>);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

const database = await createBenchDatabase(engine, process.env.DAIKOU_DATABASE_URL);
let failures: string[] = [];
try {
  const { store, db } = openStore(database.config);
  let raw: RawReader | null = null;
  try {
    const setupStarted = performance.now();
    await migrateToLatest(db);
    const scenario = await loadCn2017(store, '2017-11-01T00:00:00.000Z');
    console.log(`${engine}: fresh database ${database.location}; migrated, cn-2017 loaded (${scenario.channels} channels, ${scenario.rules} rules) in ${seconds(setupStarted).toFixed(2)} s`);

    const generated = await generate(database.location);
    console.log(
      `generated ${String(generated.merchants)} merchants, ${String(generated.mandates)} mandates, ${debitCount} debits in ${String(generated.generate_s)} s ` +
        `(debits ${String(generated.debits_s)} s, then indexes + ${engine === 'sqlite' ? 'checkpoint' : 'VACUUM ANALYZE'} ${String(generated.finish_s)} s); ` +
        `database ${String(generated.database_mib)} MiB, routing JSON ~${String(generated.routing_json_avg_bytes)} B/debit — not measured`,
    );
    console.log(`routed then: ${JSON.stringify(generated.channels_before)}`);

    const pageSql = await capturePageSql(database.config);
    raw = await rawReader(database.config);
    const reader = raw;
    const rawPage = async (after: SimulationCursor | null) => {
      const { sql, parameters } = pageSql(after);
      return (await reader.read(sql, parameters)) as SimulationCursor[];
    };

    // Measured: the ceiling before and after the simulation (the better of the two, so that a
    // cold first pass does not flatter the ratio), the store's read without routing, the simulation.
    const ceilingFirst = await readAllPages(rawPage);
    const storeRead = await readAllPages((after) => store.listSimulationRows(WINDOW.from, WINDOW.to, after, PAGE));
    const simulateStarted = performance.now();
    const result: SimulationResult = await simulateRules({ store, clock }, { at: AT, window: WINDOW });
    const simulateSeconds = seconds(simulateStarted);
    const ceilingSecond = await readAllPages(rawPage);
    const ceilingSeconds = Math.min(ceilingFirst.seconds, ceilingSecond.seconds);
    const peakRssMib = process.resourceUsage().maxRSS / 1024;

    const mid = pageSql(ceilingFirst.mid);
    const plan = await raw.plan(mid.sql, mid.parameters);
    const { totals } = result;
    console.log(`read ceiling (bare driver, same query, pages of ${PAGE}): ${ceilingFirst.seconds.toFixed(2)} s, again ${ceilingSecond.seconds.toFixed(2)} s → ${Math.round(debitCount / ceilingSeconds)} rows/s`);
    console.log(`store read (listSimulationRows, no routing): ${storeRead.seconds.toFixed(2)} s → ${Math.round(debitCount / storeRead.seconds)} rows/s`);
    console.log(`simulateRules: ${simulateSeconds.toFixed(2)} s → ${Math.round(debitCount / simulateSeconds)} debits/s; ceiling/simulate ${(ceilingSeconds / simulateSeconds).toFixed(2)}; peak RSS ${peakRssMib.toFixed(0)} MiB`);
    console.log(`plan of a mid-window page: ${plan.map((line) => line.trim()).join(' | ')}`);
    console.log(`result: ${totals.merchants} merchants, ${totals.count} debits, cost ${totals.cost_before} → ${totals.cost_after} fen, ${totals.unroutable} unroutable`);
    console.log(`  before: ${JSON.stringify(totals.channels_before)}`);
    console.log(`  after:  ${JSON.stringify(totals.channels_after)}`);

    // Sanity: every generated debit was replayed, the window read whole, and closing the
    // collection centers to most merchants can only make routing dearer.
    if (totals.count !== debitCount) failures.push(`totals.count ${totals.count} != ${debitCount}`);
    if (ceilingFirst.rows !== debitCount || ceilingSecond.rows !== debitCount) failures.push(`ceiling read ${ceilingFirst.rows}/${ceilingSecond.rows} rows, not ${debitCount}`);
    if (storeRead.rows !== debitCount) failures.push(`store read ${storeRead.rows} rows, not ${debitCount}`);
    if (totals.cost_before !== generated.cost_before) failures.push(`cost_before ${totals.cost_before} != ${String(generated.cost_before)} written`);
    if (!(totals.cost_after > totals.cost_before)) failures.push(`cost_after ${totals.cost_after} is not above cost_before ${totals.cost_before}`);
    if (values.keep) console.log(`kept: ${database.location}`);

    console.log(
      JSON.stringify({
        engine,
        debits: debitCount,
        simulate_s: fixed(simulateSeconds),
        read_ceiling_s: fixed(ceilingSeconds),
        ratio: fixed(ceilingSeconds / simulateSeconds),
        debits_per_s: Math.round(debitCount / simulateSeconds),
        peak_rss_mib: Math.round(peakRssMib),
        merchants: totals.merchants,
        cost_before: totals.cost_before,
        cost_after: totals.cost_after,
      }),
    );
  } finally {
    await raw?.close();
    await store.close();
  }
} catch (error) {
  failures = [...failures, error instanceof Error ? (error.stack ?? error.message) : String(error)];
} finally {
  if (!values.keep) await database.drop();
}
if (failures.length > 0) {
  for (const failure of failures) console.error(`FAILED: ${failure}`);
  process.exitCode = 1;
}
