import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../storage/database.js';
import { createPostgresDatabase } from './bench-database.js';
import { keysetPageSql, quoteIdentifier, singleRowInsertSql, toColumnArrays, unnestInsertSql, type CeilingColumn } from './ceiling-sql.js';

/**
 * The storage ceiling of an ingestion run: the time to write exactly the rows ingestion wrote
 * into a fresh database of the same engine, migrated by the same code (same tables, same
 * indexes, same constraints), with raw prepared statements in large transactions — what the
 * engine can do with no query builder, no per-chunk decisions and no small commits.
 *
 * The rows are read from the ingested database in keyset pages of PAGE_ROWS in primary-key order,
 * so that memory stays flat at a million rows; only the writes are timed. The rows they point
 * to (merchant, mandates, channels, the batch) are copied first, untimed, so that foreign keys
 * are checked as they were during ingestion.
 */

/** Parents of the written rows: copied first, not timed. */
const CONTEXT_TABLES = ['merchants', 'mandates', 'channels', 'batches'] as const;
/** What ingestion writes per row, in an order that satisfies the foreign keys; empty ones are skipped. */
const WRITTEN_TABLES = ['debits', 'debit_events', 'events', 'batch_rows', 'mandate_usage', 'allowance_usage'] as const;
/** Set up by the hub and the seeding, not by ingestion. */
const SETUP_TABLES = new Set(['settings', 'api_keys', 'fee_plans', 'routing_rules', 'kysely_migration', 'kysely_migration_lock']);

/** Rows read per page, and written per transaction. */
export const PAGE_ROWS = 50_000;
/** PostgreSQL: rows per execution of the unnest statement. */
export const POSTGRES_EXECUTION_ROWS = 10_000;

export interface CeilingResult {
  seconds: number;
  /**
   * SQLite: this process's CPU time (user + system) over the same writes — the engine runs in
   * process, so this is what the writes cost whatever the machine's load; null on PostgreSQL,
   * whose work is done in the server's processes.
   */
  cpuSeconds: number | null;
  rows: number;
  rowsByTable: Record<string, number>;
  /** How the target was set up (SQLite pragmas; PostgreSQL statement shape), for the report. */
  settings: string;
  /** Tables holding rows that are neither set up, nor a parent, nor written above: the ceiling leaves them out. */
  uncovered: string[];
}

export type CeilingSourceConfig = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string; adminUrl: string };

interface Source {
  tablesWithRows(): Promise<string[]>;
  readPage(table: string, columns: readonly string[], key: readonly string[], after: readonly unknown[] | null): Promise<unknown[][]>;
  close(): Promise<void>;
}

interface Target {
  settings: string;
  columns(table: string): Promise<CeilingColumn[]>;
  primaryKey(table: string): Promise<string[]>;
  /** Writes the rows in one transaction; returns the seconds that took, and the CPU seconds where they can be told (SQLite). */
  write(table: string, columns: readonly CeilingColumn[], rows: readonly unknown[][]): Promise<{ seconds: number; cpuSeconds: number | null }>;
  close(): Promise<void>;
}

export async function measureStorageCeiling(source: CeilingSourceConfig, progress: (line: string) => void): Promise<CeilingResult> {
  const { reader, target } = source.engine === 'sqlite' ? await sqliteSides(source.file) : await postgresSides(source.url, source.adminUrl);
  try {
    const rowsByTable: Record<string, number> = {};
    let seconds = 0;
    let cpuSeconds: number | null = 0;
    for (const table of [...CONTEXT_TABLES, ...WRITTEN_TABLES]) {
      const timed = (WRITTEN_TABLES as readonly string[]).includes(table);
      const columns = await target.columns(table);
      const key = await target.primaryKey(table);
      const keyAt = key.map((name) => columns.findIndex((column) => column.name === name));
      const names = columns.map((column) => column.name);
      let after: unknown[] | null = null;
      let copied = 0;
      for (;;) {
        const rows = await reader.readPage(table, names, key, after);
        if (rows.length === 0) break;
        const took = await target.write(table, columns, rows);
        if (timed) {
          seconds += took.seconds;
          cpuSeconds = cpuSeconds === null || took.cpuSeconds === null ? null : cpuSeconds + took.cpuSeconds;
        }
        copied += rows.length;
        const last = rows[rows.length - 1]!;
        after = keyAt.map((i) => last[i]);
        if (rows.length < PAGE_ROWS) break;
      }
      if (timed) {
        rowsByTable[table] = copied;
        if (copied > 0) progress(`${table}: ${copied} rows, ${seconds.toFixed(2)} s so far`);
      }
    }
    const known = new Set<string>([...CONTEXT_TABLES, ...WRITTEN_TABLES, ...SETUP_TABLES]);
    const uncovered = (await reader.tablesWithRows()).filter((table) => !known.has(table));
    const rows = Object.values(rowsByTable).reduce((sum, n) => sum + n, 0);
    return { seconds, cpuSeconds, rows, rowsByTable, settings: target.settings, uncovered };
  } finally {
    await reader.close();
    await target.close();
  }
}

// ---------------------------------------------------------------------------------------------
// SQLite

/**
 * The connection settings the hub's own database handle runs with, as that connection reports
 * them: openDatabase (src/storage/database.ts) sets them, and reading them back from it keeps
 * the ceiling on the same settings whatever that file sets today.
 */
const SQLITE_CONNECTION_PRAGMAS = ['journal_mode', 'synchronous', 'foreign_keys', 'cache_size', 'temp_store', 'mmap_size', 'wal_autocheckpoint', 'journal_size_limit', 'locking_mode', 'busy_timeout'] as const;

async function sqliteSides(sourceFile: string): Promise<{ reader: Source; target: Target }> {
  const targetFile = path.join(path.dirname(sourceFile), 'ceiling.sqlite');
  const handle = openDatabase({ engine: 'sqlite', file: targetFile });
  const pragmas: [string, string][] = [];
  try {
    await migrateToLatest(handle.db);
    for (const name of SQLITE_CONNECTION_PRAGMAS) {
      const { rows } = await sql<Record<string, unknown>>`PRAGMA ${sql.raw(name)}`.execute(handle.db);
      const value = rows[0] === undefined ? undefined : Object.values(rows[0])[0];
      if (typeof value === 'number' || (typeof value === 'string' && /^\w+$/.test(value))) pragmas.push([name, String(value)]);
    }
  } finally {
    await handle.close();
  }
  const db = new SQLite(targetFile);
  for (const [name, value] of pragmas) db.pragma(`${name} = ${value}`);
  const source = new SQLite(sourceFile, { readonly: true, fileMustExist: true });

  const pages = new Map<string, SQLite.Statement>();
  const inserts = new Map<string, (rows: readonly unknown[][]) => void>();
  const reader: Source = {
    async tablesWithRows() {
      const tables = (source.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
      return tables.filter((table) => source.prepare(`SELECT EXISTS (SELECT 1 FROM ${quoteIdentifier(table)})`).pluck().get() === 1);
    },
    async readPage(table, columns, key, after) {
      const id = `${table}|${after === null ? 'first' : 'after'}`;
      let statement = pages.get(id);
      if (statement === undefined) {
        statement = source.prepare(keysetPageSql('sqlite', table, columns, key, after !== null, PAGE_ROWS)).raw();
        pages.set(id, statement);
      }
      return statement.all(...(after ?? [])) as unknown[][];
    },
    async close() {
      source.close();
    },
  };
  const target: Target = {
    settings: pragmas.map(([name, value]) => `${name}=${value}`).join(' '),
    async columns(table) {
      const info = db.prepare(`PRAGMA table_info(${quoteIdentifier(table)})`).all() as { name: string; type: string }[];
      return info.map((column) => ({ name: column.name, type: column.type.toLowerCase() }));
    },
    async primaryKey(table) {
      const info = db.prepare(`PRAGMA table_info(${quoteIdentifier(table)})`).all() as { name: string; pk: number }[];
      return info.filter((column) => column.pk > 0).sort((a, b) => a.pk - b.pk).map((column) => column.name);
    },
    async write(table, columns, rows) {
      let insertAll = inserts.get(table);
      if (insertAll === undefined) {
        const insert = db.prepare(singleRowInsertSql(table, columns));
        insertAll = db.transaction((list: readonly unknown[][]) => {
          for (const row of list) insert.run(row);
        });
        inserts.set(table, insertAll);
      }
      const started = performance.now();
      const cpu = process.cpuUsage();
      insertAll(rows);
      const used = process.cpuUsage(cpu);
      return { seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
    },
    async close() {
      db.close();
    },
  };
  return { reader, target };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

async function postgresSides(sourceUrl: string, adminUrl: string): Promise<{ reader: Source; target: Target }> {
  const fresh = await createPostgresDatabase(adminUrl);
  const source = new pg.Client({ connectionString: sourceUrl });
  const db = new pg.Client({ connectionString: fresh.url });
  try {
    const handle = openDatabase({ engine: 'postgres', url: fresh.url, poolSize: 1 });
    try {
      await migrateToLatest(handle.db);
    } finally {
      await handle.close();
    }
    await source.connect();
    await db.connect();
  } catch (error) {
    await source.end().catch(() => undefined);
    await db.end().catch(() => undefined);
    await fresh.drop();
    throw error;
  }

  const reader: Source = {
    async tablesWithRows() {
      const { rows } = await source.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
      );
      const withRows: string[] = [];
      for (const { table_name: table } of rows) {
        const { rows: found } = await source.query<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quoteIdentifier(table)}) AS found`);
        if (found[0]?.found === true) withRows.push(table);
      }
      return withRows;
    },
    async readPage(table, columns, key, after) {
      const result = await source.query<unknown[]>({
        text: keysetPageSql('postgres', table, columns, key, after !== null, PAGE_ROWS),
        values: after === null ? [] : [...after],
        rowMode: 'array',
      });
      return result.rows;
    },
    async close() {
      await source.end();
    },
  };
  const target: Target = {
    settings: `unnest INSERT, ${POSTGRES_EXECUTION_ROWS} rows per execution, ${PAGE_ROWS} per transaction`,
    async columns(table) {
      const { rows } = await db.query<{ column_name: string; data_type: string }>(
        'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position',
        [table],
      );
      return rows.map((row) => ({ name: row.column_name, type: row.data_type }));
    },
    async primaryKey(table) {
      const { rows } = await db.query<{ column_name: string }>(
        `SELECT k.column_name FROM information_schema.table_constraints c
           JOIN information_schema.key_column_usage k
             ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name AND k.table_name = c.table_name
          WHERE c.table_schema = current_schema() AND c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY'
          ORDER BY k.ordinal_position`,
        [table],
      );
      return rows.map((row) => row.column_name);
    },
    async write(table, columns, rows) {
      const text = unnestInsertSql(table, columns);
      // Shaping the rows into column arrays is the reader's side: done before the clock starts.
      const executions: unknown[][][] = [];
      for (let start = 0; start < rows.length; start += POSTGRES_EXECUTION_ROWS) executions.push(toColumnArrays(rows.slice(start, start + POSTGRES_EXECUTION_ROWS), columns.length));
      const started = performance.now();
      await db.query('BEGIN');
      try {
        for (const values of executions) await db.query({ name: `ceiling_${table}`, text, values });
        await db.query('COMMIT');
      } catch (error) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      return { seconds: (performance.now() - started) / 1000, cpuSeconds: null };
    },
    async close() {
      await db.end();
      await fresh.drop();
    },
  };
  return { reader, target };
}
