import type SQLite from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import type { BulkTable } from '../tables.js';
import type { Database } from '../schema.js';

export type Engine = 'sqlite' | 'postgres';

export type Executor = Kysely<Database> | Transaction<Database>;

export type SQLiteConnection = SQLite.Database;

/** Where a dialect runs its raw statements. */
export interface Connection {
  /** The database, or the transaction the statements belong to. */
  readonly db: Executor;
  /**
   * SQLite's connection, given only to transactions: they hold it, so that statements run on it
   * directly (prepared once, no query builder) are part of them.
   */
  readonly sqlite?: SQLiteConnection | undefined;
}

/** What `updateMany` returns of each row it changed: all of it, or its id. */
export type UpdateReturning = 'row' | 'id';

/** A condition on the rows that `updateMany` may change, written with the statement's placeholders. */
export interface Fence {
  /** The condition's text; `param(i)` is the placeholder of `parameters[i]`, `qualifier` the table's (`t.` or nothing). */
  text(param: (index: number) => string, qualifier: string): string;
  parameters: readonly unknown[];
}

/** A condition's text and the parameters it binds, in order. */
export interface Condition {
  text: string;
  parameters: unknown[];
}

/** A select query that can hold the rows it reads (Kysely's SelectQueryBuilder). */
export interface Lockable<Query> {
  forUpdate(): Query;
  skipLocked(): Query;
}

/**
 * What differs between the engines, so that the store's areas are written once: row locks, lists
 * in fixed-text statements, and the set-based writes that skip the query builder (batch ingestion,
 * worker rounds), whose statement text is kept fixed per row count so that SQLite reuses one
 * prepared statement and PostgreSQL sees one statement per table. `sqlite.ts` and `postgres.ts`
 * have the same shape; `database.ts` picks one when it opens the connection.
 */
export interface Dialect {
  readonly engine: Engine;
  /**
   * Rows a use case should decide and write at a time within one transaction (the store's
   * `partRowsMax`): SQLite runs in-process, so small parts cost nothing extra and let each part's
   * objects die young; PostgreSQL pays a round trip per statement, so it takes them all at once.
   */
  readonly partRowsMax: number;
  /** The query's rows held until the transaction ends (FOR UPDATE), where the engine has row locks. */
  lockRows<Query extends Lockable<Query>>(query: Query): Query;
  /** lockRows, skipping the rows another transaction holds (FOR UPDATE SKIP LOCKED). */
  skipLocked<Query extends Lockable<Query>>(query: Query): Query;
  /** `text` written with numbered placeholders (`$1`, `$2`, …) in this engine's placeholders. */
  placeholders(text: string): string;
  /**
   * `${column} in (list)` for a list of any length, as a text that does not depend on the
   * length (so that it is prepared once): one parameter holding the whole list. `position` is
   * the parameter's number; `column` may be a whole statement's text that ends with the column.
   */
  inList(column: string, list: readonly string[], position: number): Condition;
  /**
   * A fence for `updateMany`: `column` equal to one of a few values (a closed list such as
   * statuses), `=` for one value, as the planner likes best, and the engine's own form for several.
   */
  oneOf(column: string, values: readonly string[]): Fence;
  /** The rows of a raw statement (in the engine's placeholders); on SQLite in a transaction, prepared once on its connection. */
  selectRows<Row>(on: Connection, text: string, parameters: readonly unknown[]): Promise<Row[]>;
  /**
   * selectRows' rows as arrays of the values in the statement's column order: on SQLite the
   * driver builds no object per row (a chunk's mandate terms; the caller builds its own, of one shape).
   */
  selectArrays(on: Connection, text: string, parameters: readonly unknown[]): Promise<unknown[][]>;
  /** Inserts the rows in as few statements as the engine allows. */
  insertMany<Row>(on: Connection, table: BulkTable<Row>, rows: readonly Row[]): Promise<void>;
  /**
   * Inserts the rows under `tail`, an ON CONFLICT clause (DO NOTHING or DO UPDATE), and returns
   * what the tail's RETURNING returns (nothing without one), in as few statements as insertMany.
   */
  insertOrMerge<Row, Returned = never>(on: Connection, table: BulkTable<Row>, rows: readonly Row[], tail: string): Promise<Returned[]>;
  /**
   * Applies each row's patch (and `updated_at = at`) where the row still passes `fence`, and
   * returns the rows changed, as they are now; with `returning` 'id', only their ids (`Returned`
   * is then `{ id: string }`), for a caller that holds the rows: a whole row costs SQLite a copy
   * of every column and Node an object, several times the update's own work for a wide row.
   */
  updateMany<Row extends { id: string }, Returned extends { id: string } = Row>(on: Connection, table: BulkTable<Row>, updates: readonly { id: string; patch: Partial<Row> }[], at: string, fence: Fence, returning?: UpdateReturning): Promise<Returned[]>;
}

/** The columns `updates` set, grouped: rows whose patches set the same columns can share a statement. */
export function byShape<Row>(updates: readonly { id: string; patch: Partial<Row> }[]): { columns: (keyof Row & string)[]; updates: { id: string; patch: Partial<Row> }[] }[] {
  const shapes = new Map<string, { columns: (keyof Row & string)[]; updates: { id: string; patch: Partial<Row> }[] }>();
  for (const update of updates) {
    const columns = (Object.keys(update.patch) as (keyof Row & string)[]).filter((column) => update.patch[column] !== undefined).sort();
    const key = columns.join(',');
    const shape = shapes.get(key) ?? { columns, updates: [] };
    shape.updates.push(update);
    shapes.set(key, shape);
  }
  return [...shapes.values()];
}
