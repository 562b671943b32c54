/**
 * Fills a migrated daikou database that already holds the cn-2017 channels and rules with a
 * month of past debits for the what-if benchmark (bench/rules-simulate.ts): merchants of mixed
 * categories and settlement regions, mandates of mixed account kinds, media and banks, and N
 * debits over business dates 2017-12-01 … 2017-12-31, each with the channel, cost and routing
 * decision that routing on its own business date gave it (sz-center at 30 fen until 12-06; from
 * 12-07 the Shenzhen notice sends merchants other than Shenzhen utilities and charities to
 * tj-center).
 *
 * It writes set-based, not through the Store: multi-row INSERTs in big transactions on SQLite,
 * `INSERT … SELECT FROM unnest(…)` in batches of 10,000 over two connections on PostgreSQL, with
 * the debits' secondary indexes (and PostgreSQL foreign keys) rebuilt once at the end. Columns the
 * simulation never reads (ciphertexts, masks, names) hold dummy strings; columns of later
 * migrations (fees, batches) keep their defaults. The data is deterministic for a seed.
 *
 * bench/rules-simulate.ts runs it in a process of its own, so that the measuring process's peak
 * RSS and CPU profile hold only what is measured. Progress goes to stderr; the last stdout line
 * is a JSON summary. Alone:
 *
 *   npx tsx bench/support/generate-debits.ts --engine sqlite --file /tmp/x/daikou.sqlite --debits 1000000
 *   npx tsx bench/support/generate-debits.ts --engine postgres --url postgres://…/daikou_bench_x --debits 1000000
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { channelFromRow, routingInput, ruleFromRow } from '../../src/app/routing-table.js';
import { createRouter, type AccountKind, type BusinessDate, type Medium, type MerchantCategory, type Router } from '../../src/core/index.js';
import type { DatabaseConfig } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'sqlite' },
    file: { type: 'string' },
    url: { type: 'string' },
    debits: { type: 'string', default: '1000000' },
    merchants: { type: 'string', default: '200' },
    mandates: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '2017' },
  },
});
const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';
const debitCount = Number(values.debits);
const merchantCount = Number(values.merchants);
const mandateCount = Number(values.mandates);
if (![debitCount, merchantCount, mandateCount].every((n) => Number.isSafeInteger(n) && n > 0)) throw new Error('--debits, --merchants and --mandates are positive integers');
if (mandateCount < merchantCount) throw new Error('--mandates must be at least --merchants (every merchant gets a mandate)');
if (engine === 'sqlite' && !values.file) throw new Error('--engine sqlite needs --file');
if (engine === 'postgres' && !values.url) throw new Error('--engine postgres needs --url');

// ---------------------------------------------------------------------------------------------
// Bulk writers: one table spec, column-oriented batches.

type PgType = 'text' | 'bigint' | 'integer';

interface Column {
  name: string;
  /** The PostgreSQL type of the values given (unnest needs typed arrays). */
  type: PgType;
  /** SQL that turns the bound value (`value` is its placeholder or unnest column) into the stored one. */
  expression?: (value: string) => string;
}

interface TableSpec {
  table: string;
  /** Columns given row by row. */
  columns: readonly Column[];
  /** Columns that hold the same value in every row, as SQL literals: not bound a million times. */
  constants?: readonly (readonly [name: string, literal: string])[];
}

/** One array per column of `spec.columns`, in that order, all the same length. */
type Batch = unknown[][];

/**
 * The routing decisions kept on debits repeat (one per routing profile and date), so they are
 * written once into a scratch table `bench_routing` (dropped at the end) and debits name them by
 * key: a batch of 10,000 debits then carries 40 KB of keys instead of 9 MB of JSON, which
 * PostgreSQL would otherwise parse out of array syntax row by row.
 */
const ROUTING_BY_KEY = (value: string) => `(SELECT json FROM bench_routing WHERE key = ${value})`;

/**
 * Both writers drop a table's secondary indexes before loading it and create them again from their
 * own definitions afterwards (sorting once beats a million random inserts into the indexes by
 * merchant, mandate and reference: 2.5× faster on SQLite). On PostgreSQL its foreign keys go the
 * same way (re-adding one validates it with one join, instead of a trigger query per row; only a
 * superuser could switch the triggers off), while SQLite's loader connection simply does not
 * enforce them. The schema ends exactly as migrated; only those indexes are packed tighter than
 * incrementally built ones, and the simulation's query does not use them. Indexes that back
 * constraints (primary keys) stay: rows arrive in their order.
 */
interface BulkWriter {
  deferIndexes(table: string): Promise<void>;
  /** Creates bench_routing for ROUTING_BY_KEY, committed before any write that names it. */
  putRouting(entries: readonly (readonly [key: number, json: string])[]): Promise<void>;
  write(spec: TableSpec, batch: Batch): Promise<void>;
  /** Waits for every write and commits it, so that later writes on any connection see (and may reference) it. */
  commit(): Promise<void>;
  /** Commits, rebuilds deferred indexes, drops bench_routing, leaves the database as a month-old one would be. */
  finish(): Promise<void>;
}

const targetColumns = (spec: TableSpec) => [...spec.columns.map((column) => column.name), ...(spec.constants ?? []).map(([name]) => name)];

class SqliteBulkWriter implements BulkWriter {
  // SQLite ≥ 3.32 allows 32,766 bound parameters per statement; 500 rows of debits bind 7,500.
  static readonly ROWS_PER_STATEMENT = 500;
  readonly #db: SQLite.Database;
  readonly #statements = new Map<string, SQLite.Statement>();
  readonly #deferred: string[] = [];

  constructor(file: string) {
    this.#db = new SQLite(file);
    // Generated rows need no durability: after a crash the benchmark just runs again.
    this.#db.pragma('synchronous = OFF');
    // A big page cache for building the deferred indexes and for the loaded tables' upper levels.
    this.#db.pragma('cache_size = -1048576');
    // Consistent by construction; checking a million foreign keys would only cost time.
    this.#db.pragma('foreign_keys = OFF');
  }

  deferIndexes(table: string): Promise<void> {
    // Automatic indexes (primary keys, UNIQUE constraints) have no SQL and cannot be dropped.
    const indexes = this.#db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL").all(table) as { name: string; sql: string }[];
    for (const index of indexes) {
      this.#db.exec(`DROP INDEX "${index.name}"`);
      this.#deferred.push(index.sql);
    }
    return Promise.resolve();
  }

  putRouting(entries: readonly (readonly [number, string])[]): Promise<void> {
    this.#db.exec('CREATE TABLE bench_routing (key INTEGER PRIMARY KEY, json TEXT NOT NULL)');
    const insert = this.#db.prepare('INSERT INTO bench_routing (key, json) VALUES (?, ?)');
    this.#db.transaction(() => entries.forEach(([key, json]) => insert.run(key, json)))();
    return Promise.resolve();
  }

  #statement(spec: TableSpec, rows: number): SQLite.Statement {
    const key = `${spec.table}/${rows}`;
    let statement = this.#statements.get(key);
    if (statement === undefined) {
      const tuple = `(${[...spec.columns.map((column) => column.expression?.('?') ?? '?'), ...(spec.constants ?? []).map(([, literal]) => literal)].join(',')})`;
      statement = this.#db.prepare(`INSERT INTO ${spec.table} (${targetColumns(spec).join(',')}) VALUES ${Array(rows).fill(tuple).join(',')}`);
      this.#statements.set(key, statement);
    }
    return statement;
  }

  write(spec: TableSpec, batch: Batch): Promise<void> {
    const rows = batch[0]!.length;
    const width = spec.columns.length;
    const per = SqliteBulkWriter.ROWS_PER_STATEMENT;
    // One transaction per batch (tens of thousands of rows): few commits, a bounded WAL.
    this.#db.transaction(() => {
      for (let start = 0; start < rows; start += per) {
        const count = Math.min(per, rows - start);
        const params: unknown[] = new Array(count * width);
        let k = 0;
        for (let r = start; r < start + count; r += 1) for (let c = 0; c < width; c += 1) params[k++] = batch[c]![r];
        this.#statement(spec, count).run(params);
      }
    })();
    return Promise.resolve();
  }

  commit(): Promise<void> {
    return Promise.resolve(); // each write is its own transaction already
  }

  finish(): Promise<void> {
    for (const sql of this.#deferred.splice(0)) this.#db.exec(sql);
    this.#db.exec('DROP TABLE IF EXISTS bench_routing');
    // Fold the WAL into the main file so that reads do not start by walking a huge WAL. No
    // ANALYZE: daikou never runs it, so a production database has no statistics either.
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    this.#db.close();
    return Promise.resolve();
  }
}

/** One PostgreSQL connection of the writer, with the insert it is running and its open transaction. */
interface Lane {
  client: pg.Client;
  running: Promise<unknown>;
  /** Rows written in the open transaction; null when none is open. */
  rowsInTransaction: number | null;
}

class PostgresBulkWriter implements BulkWriter {
  /**
   * The server, not this process, is the bottleneck (parsing the arrays, heap and primary key
   * inserts, WAL): two connections take turns, so that two backends insert at once while this
   * process builds the next batch. Batches of the two interleave in the heap in runs of 10,000.
   */
  static readonly CONNECTIONS = 2;
  /** Rows per transaction: big enough that commits do not count, small enough to keep WAL moving. */
  static readonly ROWS_PER_TRANSACTION = 200_000;
  readonly #lanes: Lane[];
  #turn = 0;
  readonly #deferred: string[] = [];
  /** `ALTER TABLE … ADD CONSTRAINT …` statements that restore dropped foreign keys. */
  readonly #deferredForeignKeys: string[] = [];

  private constructor(lanes: Lane[]) {
    this.#lanes = lanes;
  }

  static async open(url: string): Promise<PostgresBulkWriter> {
    const lanes: Lane[] = [];
    for (let i = 0; i < PostgresBulkWriter.CONNECTIONS; i += 1) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      // Generated rows need no durability; do not wait for WAL flushes at each commit.
      await client.query('SET synchronous_commit = off');
      // Room to sort in memory when the deferred indexes are built.
      await client.query("SET maintenance_work_mem = '512MB'");
      lanes.push({ client, running: Promise.resolve(), rowsInTransaction: null });
    }
    return new PostgresBulkWriter(lanes);
  }

  get #admin(): pg.Client {
    return this.#lanes[0]!.client;
  }

  async deferIndexes(table: string): Promise<void> {
    const { rows } = await this.#admin.query<{ name: string; definition: string }>(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
         FROM pg_index i
        WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
      [table],
    );
    for (const index of rows) {
      await this.#admin.query(`DROP INDEX ${index.name}`);
      this.#deferred.push(index.definition);
    }
    const { rows: foreignKeys } = await this.#admin.query<{ name: string; definition: string }>(
      "SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'",
      [table],
    );
    for (const foreignKey of foreignKeys) {
      await this.#admin.query(`ALTER TABLE ${table} DROP CONSTRAINT "${foreignKey.name}"`);
      this.#deferredForeignKeys.push(`ALTER TABLE ${table} ADD CONSTRAINT "${foreignKey.name}" ${foreignKey.definition}`);
    }
  }

  async putRouting(entries: readonly (readonly [number, string])[]): Promise<void> {
    // Unlogged and committed at once: every lane reads it; it is scratch, dropped in finish().
    await this.#admin.query('CREATE UNLOGGED TABLE bench_routing (key integer PRIMARY KEY, json text NOT NULL)');
    await this.#admin.query('INSERT INTO bench_routing SELECT * FROM unnest($1::integer[], $2::text[])', [entries.map(([key]) => key), entries.map(([, json]) => json)]);
  }

  /** Sends the insert on the next lane and returns at once; that lane's previous insert is awaited first. */
  async write(spec: TableSpec, batch: Batch): Promise<void> {
    const lane = this.#lanes[this.#turn++ % this.#lanes.length]!;
    await lane.running;
    if (lane.rowsInTransaction !== null && lane.rowsInTransaction >= PostgresBulkWriter.ROWS_PER_TRANSACTION) {
      await lane.client.query('COMMIT');
      lane.rowsInTransaction = null;
    }
    if (lane.rowsInTransaction === null) {
      await lane.client.query('BEGIN');
      lane.rowsInTransaction = 0;
    }
    const arrays = spec.columns.map((column, i) => `$${i + 1}::${column.type}[]`).join(', ');
    const names = spec.columns.map((_, i) => `c${i}`);
    const select = [...spec.columns.map((column, i) => column.expression?.(`u.${names[i]}`) ?? `u.${names[i]}`), ...(spec.constants ?? []).map(([, literal]) => literal)];
    // unnest yields the rows in array order, so a batch lands in the heap in id order.
    const running = lane.client.query(`INSERT INTO ${spec.table} (${targetColumns(spec).join(', ')}) SELECT ${select.join(', ')} FROM unnest(${arrays}) AS u(${names.join(', ')})`, batch);
    // Awaited by the lane's next turn; this only keeps a failure from counting as unhandled meanwhile.
    running.catch(() => undefined);
    lane.running = running;
    lane.rowsInTransaction += batch[0]!.length;
  }

  async commit(): Promise<void> {
    for (const lane of this.#lanes) {
      await lane.running;
      if (lane.rowsInTransaction !== null) await lane.client.query('COMMIT');
      lane.rowsInTransaction = null;
    }
  }

  async finish(): Promise<void> {
    await this.commit();
    // Build the deferred indexes two at a time, one per lane.
    const definitions = this.#deferred.splice(0);
    await Promise.all(
      this.#lanes.map(async (lane, i) => {
        for (let k = i; k < definitions.length; k += this.#lanes.length) await lane.client.query(definitions[k]!);
      }),
    );
    // One at a time: validating a foreign key locks out index builds and other validations.
    for (const statement of this.#deferredForeignKeys.splice(0)) await this.#admin.query(statement);
    await this.#admin.query('DROP TABLE IF EXISTS bench_routing');
    // What autovacuum would have done to a month of debits: set hint bits and the visibility
    // map (else the first read writes them) and give the planner statistics.
    await this.#admin.query('VACUUM (ANALYZE) merchants, mandates, debits');
    for (const lane of this.#lanes) await lane.client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// The world.

/** mulberry32: a small, fast, seedable PRNG, so that runs are reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function weighted<T>(entries: readonly (readonly [T, number])[]): (r: number) => T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let running = 0;
  const cumulative = entries.map(([value, weight]) => [value, (running += weight) / total] as const);
  return (r) => cumulative.find(([, upTo]) => r < upTo)?.[0] ?? cumulative.at(-1)![0];
}

/** Ids shaped like daikou's (prefix + 32 hex of a UUIDv7), time-ordered by `ms`, then `seq`. */
function timeId(prefix: string, ms: number, seq: number): string {
  return `${prefix}_${ms.toString(16).padStart(12, '0')}7${seq.toString(16).padStart(19, '0')}`;
}

const CATEGORIES = weighted([
  ['utility', 30],
  ['public_welfare', 8],
  ['telecom', 12],
  ['insurance', 14],
  ['loan_repayment', 16],
  ['education', 8],
  ['government', 6],
  ['other', 6],
] as const);
// Shenzhen (4403, its collection center's region) heavily, and enough elsewhere that the rules bite.
const REGIONS = weighted([
  ['440300', 34],
  ['110000', 14],
  ['120000', 10],
  ['310000', 12],
  ['440100', 6],
  ['610100', 8],
  ['140100', 8],
  ['330100', 8],
] as const);
const BANKS = weighted([
  ['ICBC', 28],
  ['CCB', 24],
  ['CMB', 15],
  ['ABC', 18],
  [null, 15],
] as const);
const PERSONAL_MEDIA = weighted([
  ['bank_card', 75],
  ['virtual_account', 15],
  ['bank_account', 10],
] as const);

const DAYS = 31; // business dates 2017-12-01 … 2017-12-31
const SHANGHAI_MS = 8 * 3_600_000;
const businessDateOf = (day: number) => `2017-12-${String(day + 1).padStart(2, '0')}` as BusinessDate;
/** 00:00 Asia/Shanghai of December `day + 1`, 2017, in epoch ms. */
const dayStartMs = (day: number) => Date.UTC(2017, 11, day + 1) - SHANGHAI_MS;

interface Merchant {
  id: string;
  category: MerchantCategory;
  settlement_region_code: string;
}

interface Mandate {
  id: string;
  merchant: Merchant;
  account_kind: AccountKind;
  medium: Medium;
  bank_code: string | null;
  region_code: string | null;
  /** Index of the mandate's routing profile (merchant category and region, payer kind, medium, bank). */
  profile: number;
}

const rand = random(Number(values.seed));
const started = performance.now();
const lap = (() => {
  let last = started;
  return () => {
    const now = performance.now();
    const seconds = (now - last) / 1000;
    last = now;
    return seconds;
  };
})();
const progress = (text: string) => process.stderr.write(`generate: ${text}\n`);

// The router the debits were routed with: the same channels and rules the simulation reads,
// each debit routed on its own business date.
const config: DatabaseConfig = engine === 'sqlite' ? { engine, file: values.file! } : { engine, url: values.url! };
const { store } = openStore(config);
const [channelRows, ruleRows] = await Promise.all([store.listChannels(), store.listCurrentRules()]);
await store.close();
const router: Router = createRouter(channelRows.map(channelFromRow), ruleRows.filter((row) => row.retired === 0).map(ruleFromRow));

const writer: BulkWriter = engine === 'sqlite' ? new SqliteBulkWriter(values.file!) : await PostgresBulkWriter.open(values.url!);

// Merchants, signed up an hour apart from 2017-03-01.
const merchants: Merchant[] = [];
{
  const columns: Batch = Array.from({ length: 12 }, () => []);
  for (let i = 0; i < merchantCount; i += 1) {
    const createdMs = Date.UTC(2017, 2, 1) + i * 3_600_000;
    const merchant = { id: timeId('mer', createdMs, i), category: CATEGORIES(rand()), settlement_region_code: REGIONS(rand()) };
    merchants.push(merchant);
    const bank = BANKS(rand()) ?? 'BOC';
    const row = [
      merchant.id,
      `Bench merchant ${i} (${merchant.category})`,
      merchant.category,
      'dummy-ciphertext',
      `dummy-index-mer-${i}`,
      '440301******8901',
      bank,
      merchant.settlement_region_code,
      `Bench merchant ${i} Co., Ltd.`,
      merchant.category === 'public_welfare' ? 'welfare' : 'standard',
      null,
      new Date(createdMs).toISOString(),
    ];
    row.forEach((value, c) => columns[c]!.push(value));
  }
  await writer.write(
    {
      table: 'merchants',
      columns: [
        { name: 'id', type: 'text' },
        { name: 'name', type: 'text' },
        { name: 'category', type: 'text' },
        { name: 'settlement_account_ciphertext', type: 'text' },
        { name: 'settlement_account_index', type: 'text' },
        { name: 'settlement_account_masked', type: 'text' },
        { name: 'settlement_bank_code', type: 'text' },
        { name: 'settlement_region_code', type: 'text' },
        { name: 'settlement_holder_name', type: 'text' },
        { name: 'fee_plan', type: 'text' },
        { name: 'payer_fee_plan', type: 'text' },
        { name: 'created_at', type: 'text' },
      ],
    },
    columns,
  );
  await writer.commit(); // mandates reference merchants, possibly from another connection
}

// Mandates, signed over 2017-07 … 2017-11. The first `merchantCount` go one to each merchant so
// that every merchant has debits; the rest lean towards the first merchants (a few large billers).
const mandates: Mandate[] = [];
const profiles = new Map<string, number>();
/** The first mandate of each routing profile, by profile index. */
const profileMandates: Mandate[] = [];
{
  const columns: Batch = Array.from({ length: 13 }, () => []);
  const firstMs = Date.UTC(2017, 6, 1);
  const stepMs = Math.floor((Date.UTC(2017, 10, 30) - firstMs) / mandateCount);
  for (let i = 0; i < mandateCount; i += 1) {
    const merchant = merchants[i < merchantCount ? i : Math.floor(merchantCount * rand() ** 1.7)]!;
    const corporate = rand() < 0.12;
    const medium = corporate ? 'bank_account' : PERSONAL_MEDIA(rand());
    const bank = BANKS(rand());
    const where = rand();
    const region = where < 0.5 ? merchant.settlement_region_code : where < 0.8 ? REGIONS(rand()) : null;
    const createdMs = firstMs + i * stepMs;
    // What routing reads, but the payer's region: no cn-2017 rule tests it (and it would multiply the profiles).
    const profileKey = `${merchant.category}|${merchant.settlement_region_code}|${corporate}|${medium}|${bank}`;
    let profile = profiles.get(profileKey);
    if (profile === undefined) profiles.set(profileKey, (profile = profiles.size));
    const mandate: Mandate = { id: timeId('mdt', createdMs, i), merchant, account_kind: corporate ? 'corporate' : 'personal', medium, bank_code: bank, region_code: region, profile };
    mandates.push(mandate);
    profileMandates[profile] ??= mandate;
    const row = [
      mandate.id,
      merchant.id,
      `AGR-${i}`,
      'dummy-ciphertext',
      `dummy-index-mdt-${i}`,
      '622202******0128',
      mandate.account_kind,
      medium,
      bank,
      region,
      'dummy holder',
      new Date(createdMs).toISOString().slice(0, 10),
      new Date(createdMs).toISOString(),
    ];
    row.forEach((value, c) => columns[c]!.push(value));
  }
  await writer.write(
    {
      table: 'mandates',
      columns: [
        { name: 'id', type: 'text' },
        { name: 'merchant_id', type: 'text' },
        { name: 'agreement_number', type: 'text' },
        { name: 'account_ciphertext', type: 'text' },
        { name: 'account_index', type: 'text' },
        { name: 'account_masked', type: 'text' },
        { name: 'account_kind', type: 'text' },
        { name: 'medium', type: 'text' },
        { name: 'bank_code', type: 'text' },
        { name: 'region_code', type: 'text' },
        { name: 'holder_name', type: 'text' },
        { name: 'signed_at', type: 'text' },
        { name: 'created_at', type: 'text' },
      ],
      constants: [
        ['status', "'active'"],
        ['id_number_ciphertext', 'NULL'],
        ['id_number_index', 'NULL'],
        ['id_number_masked', 'NULL'],
        ['phone_ciphertext', 'NULL'],
        ['phone_index', 'NULL'],
        ['phone_masked', 'NULL'],
        ['valid_from', 'NULL'],
        ['valid_until', 'NULL'],
        ['per_debit_max', 'NULL'],
        ['monthly_max', 'NULL'],
        ['revoked_at', 'NULL'],
      ],
    },
    columns,
  );
  await writer.commit(); // debits reference mandates
}
progress(`${merchantCount} merchants, ${mandateCount} mandates (${profiles.size} routing profiles) in ${lap().toFixed(2)} s`);

// Debits, in creation order (so ids ascend with time, as UUIDv7 ids do), spread evenly over the
// 31 business dates between 08:00 and 20:00 Shanghai time; all final: 97 % succeeded, 3 % failed.
const DEBITS_SPEC: TableSpec = {
  table: 'debits',
  columns: [
    { name: 'id', type: 'text' },
    { name: 'merchant_id', type: 'text' },
    { name: 'mandate_id', type: 'text' },
    { name: 'reference', type: 'text' },
    { name: 'amount', type: 'bigint' },
    { name: 'status', type: 'text' },
    { name: 'business_date', type: 'text' },
    { name: 'channel_id', type: 'text' },
    { name: 'channel_cost', type: 'bigint' },
    { name: 'routing', type: 'integer', expression: ROUTING_BY_KEY },
    { name: 'failure_code', type: 'text' },
    { name: 'failure_message', type: 'text' },
    { name: 'failure_retryable', type: 'integer' },
    { name: 'created_at', type: 'text' },
    { name: 'updated_at', type: 'text' },
  ],
  constants: [
    ['currency', "'CNY'"],
    ['description', 'NULL'],
    ['metadata', 'NULL'],
    ['next_action_at', 'NULL'],
    ['attempt_count', '1'],
  ],
};
const BATCH = engine === 'sqlite' ? 50_000 : 10_000;
// The routing decision kept on each debit (~0.9 KB of JSON) makes a debit row as wide as a real
// one, which is what a scan of the table pays for. It depends on the routing profile and the date
// (and on the amount only through the percentage channels' costs: a 100-yuan bill stands in), so
// there is one per profile and date, stored once (ROUTING_BY_KEY) under key profile × 31 + day.
const REPRESENTATIVE_AMOUNT = 10_000;
const routingLength: number[] = [];
{
  const entries: [number, string][] = [];
  profileMandates.forEach((mandate, profile) => {
    for (let day = 0; day < DAYS; day += 1) {
      const json = JSON.stringify(router.route(routingInput(mandate.merchant, mandate, REPRESENTATIVE_AMOUNT, businessDateOf(day))));
      entries.push([profile * DAYS + day, json]);
      routingLength[profile * DAYS + day] = json.length;
    }
  });
  await writer.putRouting(entries);
}
await writer.deferIndexes('debits');
const channelsBefore: Record<string, number> = {};
let costBefore = 0;
let routingBytes = 0;
for (let first = 0; first < debitCount; first += BATCH) {
  const size = Math.min(BATCH, debitCount - first);
  const columns: Batch = DEBITS_SPEC.columns.map(() => new Array<unknown>(size));
  for (let k = 0; k < size; k += 1) {
    const i = first + k;
    const day = Math.floor((i * DAYS) / debitCount);
    const dayFirst = Math.ceil((day * debitCount) / DAYS);
    const dayCount = Math.ceil(((day + 1) * debitCount) / DAYS) - dayFirst;
    const createdMs = dayStartMs(day) + 8 * 3_600_000 + Math.floor(((i - dayFirst) / dayCount) * 12 * 3_600_000);
    const date = businessDateOf(day);
    const mandate = mandates[Math.floor(rand() * mandateCount)]!;
    const band = rand();
    // Bills of 20–300 yuan mostly, some premiums, a tail of loan instalments up to 50,000 yuan.
    const amount = band < 0.7 ? 2_000 + Math.floor(rand() * 28_000) : band < 0.9 ? 30_000 + Math.floor(rand() * 270_000) : 300_000 + Math.floor(rand() * 4_700_000);
    const input = routingInput(mandate.merchant, mandate, amount, date);
    const chosen = router.choose(input);
    const routingKey = mandate.profile * DAYS + day;
    routingBytes += routingLength[routingKey]!;
    const failed = chosen !== null && rand() < 0.03;
    const at = new Date(createdMs).toISOString();
    columns[0]![k] = timeId('dbt', createdMs, i);
    columns[1]![k] = mandate.merchant.id;
    columns[2]![k] = mandate.id;
    columns[3]![k] = `INV-201712-${i}`;
    columns[4]![k] = amount;
    // Unroutable then (never with cn-2017 in December): rejected, as daikou stores it.
    columns[5]![k] = chosen === null ? 'rejected' : failed ? 'failed' : 'succeeded';
    columns[6]![k] = date;
    columns[7]![k] = chosen?.channel ?? null;
    columns[8]![k] = chosen?.cost ?? 0;
    columns[9]![k] = routingKey;
    columns[10]![k] = chosen === null ? 'no_eligible_channel' : failed ? 'insufficient_funds' : null;
    columns[11]![k] = chosen === null ? 'No channel may carry this debit today.' : failed ? 'The payer account holds too little money.' : null;
    columns[12]![k] = failed ? 1 : null;
    columns[13]![k] = at;
    columns[14]![k] = at;
    const channel = chosen?.channel ?? 'none';
    channelsBefore[channel] = (channelsBefore[channel] ?? 0) + 1;
    costBefore += chosen?.cost ?? 0;
  }
  await writer.write(DEBITS_SPEC, columns);
  const written = first + size;
  if (written % 100_000 < BATCH || written === debitCount) progress(`${written} debits, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
const debitSeconds = lap();
await writer.finish();
const finishSeconds = lap();

let databaseBytes: number;
if (engine === 'sqlite') {
  databaseBytes = fs.statSync(values.file!).size;
} else {
  const client = new pg.Client({ connectionString: values.url! });
  await client.connect();
  const { rows } = await client.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size');
  databaseBytes = Number(rows[0]!.size);
  await client.end();
}

console.log(
  JSON.stringify({
    merchants: merchantCount,
    mandates: mandateCount,
    debits: debitCount,
    generate_s: Number(((performance.now() - started) / 1000).toFixed(2)),
    debits_s: Number(debitSeconds.toFixed(2)),
    finish_s: Number(finishSeconds.toFixed(2)),
    database_mib: Math.round(databaseBytes / 2 ** 20),
    routing_json_avg_bytes: Math.round(routingBytes / debitCount),
    channels_before: channelsBefore,
    cost_before: costBefore,
  }),
);
