import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import type { Engine } from './dialects/dialect.js';
import { migrationProvider } from './migrations/index.js';
import { Checkpointer, WAL_PAGES_MAX } from './sqlite-checkpointer.js';
import type { Database } from './schema.js';

export type { Engine };

/** SQLite's page cache per connection, in KiB. */
const CACHE_KIB = 64 * 1024;

/**
 * `checkpointAfterCommits`: commits after which the SQLite checkpointer thread starts
 * (CHECKPOINT_AFTER_COMMITS unless said; tests make it 0).
 */
export type DatabaseConfig = { engine: 'sqlite'; file: string; checkpointAfterCommits?: number } | { engine: 'postgres'; url: string; poolSize?: number };

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: Engine;
  /**
   * SQLite's connection itself, for set-based writes inside a transaction
   * (src/storage/dialects/sqlite.ts): the one connection Kysely's transaction holds, so statements
   * run on it are part of it.
   */
  sqlite?: SQLite.Database;
  /** SQLite's checkpointer thread (sqlite-checkpointer.ts). */
  checkpointer?: Checkpointer;
  close(): Promise<void>;
}

// int8 (bigint) columns hold fen; parse them as numbers, refusing any that a number cannot hold exactly.
pg.types.setTypeParser(pg.types.builtins.INT8, (text: string) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint out of the safe integer range: ${text}`);
  return value;
});

export function openDatabase(config: DatabaseConfig): DatabaseHandle {
  if (config.engine === 'sqlite') {
    fs.mkdirSync(path.dirname(path.resolve(config.file)), { recursive: true });
    const sqlite = new SQLite(config.file);
    sqlite.pragma('journal_mode = WAL');
    // FULL: an attempt row must be on disk before its request leaves (DESIGN-NOTES §1), even
    // if the machine, not just the process, goes down.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // A page cache of 64 MiB (SQLite's default is 2 MiB): the mandates, debits and indexes a
    // day's work reads again and again stay in it rather than being read back from the file.
    sqlite.pragma(`cache_size = ${-CACHE_KIB}`);
    // Checkpoints run on a thread of their own (sqlite-checkpointer.ts); this connection
    // checkpoints only past a larger mark.
    sqlite.pragma(`wal_autocheckpoint = ${WAL_PAGES_MAX}`);
    const checkpointer = new Checkpointer(path.resolve(config.file), { startAfter: config.checkpointAfterCommits });
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, () => checkpointer.commit()) }) });
    async function close(): Promise<void> {
      await checkpointer.stop();
      await db.destroy();
    }
    return { db, engine: 'sqlite', sqlite, checkpointer, close };
  }
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize ?? 10, Client: PreparingClient });
  // An idle connection the server ends (restart, failover, an administrator) is dropped by the
  // pool, which then emits 'error'; with no listener that would end the process. The next
  // query simply opens a new connection.
  pool.on('error', () => {});
  // pg-pool's end() resolves before its connections have closed; close() waits for them, so
  // that a caller that closes and then drops or stops the server sees no late errors.
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (client) => {
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  async function close(): Promise<void> {
    const ending = [...open].map((client) => new Promise((resolve) => client.once('end', resolve)));
    await db.destroy();
    await Promise.all(ending);
  }
  return { db, engine: 'postgres', close };
}

/** Statement names given at most, per process: the texts are the code's (placeholders, not values), so the bound is a guard. */
const PREPARED_MAX = 1_000;
/** Texts seen once (not yet named), at most: a text is named the second time it runs. */
const SEEN_MAX = 10_000;

/**
 * Names for the statements the process runs again and again. A text with parameters is named the
 * second time it runs (so that one-off texts are not kept), and from then on goes to PostgreSQL
 * as a named prepared statement: each connection parses it once (pg remembers which it has
 * parsed) and the server skips parsing and, once it settles on a generic plan, planning. The same
 * text keeps the same name for the process's life, on every connection.
 */
class StatementNames {
  readonly #names = new Map<string, string>();
  readonly #seen = new Set<string>();

  nameOf(text: string): string | undefined {
    const name = this.#names.get(text);
    if (name !== undefined || this.#names.size >= PREPARED_MAX) return name;
    if (!this.#seen.has(text)) {
      if (this.#seen.size >= SEEN_MAX) this.#seen.clear();
      this.#seen.add(text);
      return undefined;
    }
    this.#seen.delete(text);
    const named = `daikou_${this.#names.size + 1}`;
    this.#names.set(text, named);
    return named;
  }
}

const statementNames = new StatementNames();

/**
 * pg's Client, sending the statements Kysely runs (`query(text, values)`) named where
 * StatementNames says so. Statements without parameters (BEGIN, COMMIT, SAVEPOINT) go as they
 * are. A named statement whose tables a later migration changes is re-planned by the server; one
 * whose result columns change (`select *` after a new column) is refused, so the hub migrates
 * before it serves.
 */
class PreparingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((...args: unknown[]) => {
      const [text, values, callback] = args;
      if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined) {
        const name = statementNames.nameOf(text);
        if (name !== undefined) return query({ name, text, values });
      }
      return query(...args);
    }) as typeof this.query;
  }
}

/**
 * A transaction PostgreSQL aborted for its conflict with another — a deadlock (40P01) or a
 * serialization failure (40001) — which may succeed when run again.
 */
export function isTransactionConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`migration failed${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/**
 * Kysely prepares every query it runs; preparing costs more than running a small statement, so
 * prepared statements are kept by SQL text (the SQL has placeholders, so the set is small and
 * bounded by the code's queries; the bound is a guard against a runaway caller). Kysely's
 * `commit` tells `committed` once it has run.
 */
function withStatementCache(sqlite: SQLite.Database, committed: () => void, size = 512): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = sql === 'commit' ? afterRun(sqlite.prepare(sql), committed) : sqlite.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement as unknown as SqliteStatement;
    },
  };
}

/** `statement`, telling `then` each time it has run. */
function afterRun(statement: SQLite.Statement, then: () => void): SQLite.Statement {
  const run = statement.run.bind(statement);
  statement.run = (...parameters: unknown[]) => {
    const result = run(...parameters);
    then();
    return result;
  };
  return statement;
}
