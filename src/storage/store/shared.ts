import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { invariant, isIssued, type AttemptChange, type InstructionChange } from '../../core/index.js';
import type { Page } from '../../app/ports.js';
import { bulkInsertQueries, columnArrays, insertRowsSqlite, insertText, preparedOn, type BulkTable, type SQLiteConnection } from '../bulk.js';
import type { Engine } from '../database.js';
import type { Database } from '../schema.js';

export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * What every area of the store works on: the executor (the database, or one transaction) and
 * the engine behind it. Where the engines differ (row locks), `engine` decides; SQLite has one
 * writer, so its transactions are serial anyway.
 *
 * Conditions that select a partial index (pending debits, open attempts, live references) are
 * written with literals, not parameters: SQLite uses a partial index only when it can prove the
 * index's WHERE from the query's text.
 */
export interface StoreContext {
  /** Read at each use: the store's own context checks there that no transaction is running. */
  readonly db: Executor;
  readonly engine: Engine;
  /** SQLite's connection, given only to transactions: they hold it, so raw statements join them. */
  readonly sqlite?: SQLiteConnection | undefined;
}

export function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  return { data: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Status writes take only the transition table's changes: a forged one (a cast) is a bug. */
export function assertIssued(change: InstructionChange | AttemptChange): void {
  invariant(isIssued(change), 'a status change that the transition table did not issue');
}

/**
 * `${head} in (the list)` as one statement whose text does not depend on the list's length,
 * so that it is prepared once: the list travels as one JSON parameter on SQLite and as one
 * array on PostgreSQL. `head` numbers its own parameters $1, $2, …
 */
export async function selectIn<Row>(context: StoreContext, head: string, parameters: readonly unknown[], list: readonly string[]): Promise<Row[]> {
  if (list.length === 0) return [];
  const position = parameters.length + 1;
  const text =
    context.engine === 'postgres'
      ? `${head} = any($${position}::text[])`
      : `${head.replace(/\$\d+/g, '?')} in (select value from json_each(?))`;
  const values = context.engine === 'postgres' ? [...list] : JSON.stringify(list);
  return (await context.db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters, values]))).rows;
}

/**
 * Applies each row's patch where the row still passes `fence`, and returns the rows changed, as
 * they are now. Rows whose patches set the same columns go in one statement on PostgreSQL
 * (an UPDATE … FROM unnest(…)); on SQLite in a transaction, one prepared statement runs per row.
 */
export async function updateMany<Row extends { id: string }>(
  context: StoreContext,
  table: BulkTable<Row>,
  updates: readonly { id: string; patch: Partial<Row> }[],
  at: string,
  fence: { text: (param: (index: number) => string, qualifier: string) => string; parameters: readonly unknown[] },
): Promise<Row[]> {
  const changed: Row[] = [];
  const shapes = new Map<string, { columns: (keyof Row & string)[]; updates: { id: string; patch: Partial<Row> }[] }>();
  for (const update of updates) {
    const columns = (Object.keys(update.patch) as (keyof Row & string)[]).filter((column) => update.patch[column] !== undefined).sort();
    const key = columns.join(',');
    const shape = shapes.get(key) ?? { columns, updates: [] };
    shape.updates.push(update);
    shapes.set(key, shape);
  }
  for (const { columns, updates: group } of shapes.values()) {
    if (context.engine === 'postgres') {
      const type = (column: string) => table.columns.find((c) => c.name === column)!.type;
      const sets = [...columns.map((column) => `"${column}" = v."${column}"`), `updated_at = $1`].join(', ');
      const arrays = ['id', ...columns].map((column, index) => `$${index + 2}::${column === 'id' ? 'text' : type(column)}[]`).join(', ');
      const names = ['id', ...columns].map((column) => `"${column}"`).join(', ');
      const first = columns.length + 3;
      // `t.id = any($2)` as well as the join: it lets the planner see that only these rows are
      // touched and take them by primary key. Without it, a fence on a column whose statistics
      // say it is rare (status = 'submitted' right after a bulk load) can make it drive from a
      // scan of the whole table, joining each row against the array: seconds, not milliseconds.
      const text = `update "${table.name}" as t set ${sets} from unnest(${arrays}) as v(${names}) where t.id = any($2::text[]) and t.id = v.id and ${fence.text((index) => `$${first + index}`, 't.')} returning t.*`;
      const parameters = [at, group.map((update) => update.id), ...columns.map((column) => group.map((update) => update.patch[column] ?? null)), ...fence.parameters];
      changed.push(...(await context.db.executeQuery<Row>(CompiledQuery.raw(text, parameters))).rows);
      continue;
    }
    const text = `update "${table.name}" set ${[...columns, 'updated_at'].map((column) => `"${column}" = ?`).join(', ')} where id = ? and ${fence.text(() => '?', '')} returning *`;
    for (const update of group) {
      const parameters = [...columns.map((column) => update.patch[column] ?? null), at, update.id, ...fence.parameters];
      const row = context.sqlite !== undefined ? (preparedOn(context.sqlite, text).get(parameters) as Row | undefined) : (await context.db.executeQuery<Row>(CompiledQuery.raw(text, parameters))).rows[0];
      if (row !== undefined) changed.push(row);
    }
  }
  return changed;
}

/** Inserts the rows that do not conflict with existing ones; returns the ids of those inserted. */
export async function insertNew<Row extends { id: string }>(context: StoreContext, table: BulkTable<Row>, rows: readonly Row[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  if (rows.length === 0) return inserted;
  const generic = table as unknown as BulkTable<never>;
  const tail = ' on conflict do nothing returning id';
  if (context.engine === 'postgres') {
    const query = CompiledQuery.raw(insertText('postgres', generic, rows.length, tail), columnArrays(table, rows));
    for (const row of (await context.db.executeQuery<{ id: string }>(query)).rows) inserted.add(row.id);
    return inserted;
  }
  const text = insertText('sqlite', generic, 1, tail);
  for (const row of rows) {
    const values = table.values(row);
    const added = context.sqlite !== undefined ? (preparedOn(context.sqlite, text).get(values) as { id: string } | undefined) : (await context.db.executeQuery<{ id: string }>(CompiledQuery.raw(text, values))).rows[0];
    if (added !== undefined) inserted.add(added.id);
  }
  return inserted;
}

export async function insertMany<Row>(context: StoreContext, table: BulkTable<Row>, rows: readonly Row[]): Promise<void> {
  if (context.sqlite !== undefined) {
    insertRowsSqlite(context.sqlite, table, rows);
    return;
  }
  for (const query of bulkInsertQueries(context.engine, table, rows)) await context.db.executeQuery(query);
}
