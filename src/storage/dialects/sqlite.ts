import type SQLite from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import type { BulkTable } from '../tables.js';
import { byShape, type Connection, type Dialect, type Fence, type Lockable, type SQLiteConnection, type UpdateReturning } from './dialect.js';

const PARAMETERS_MAX = 32_766;
const ROWS_MAX = 500;

/** Rows per multi-row statement for a table: as many as the parameter limit allows, at most 500. */
export function rowsPerStatement(columnCount: number): number {
  return Math.min(ROWS_MAX, Math.floor(PARAMETERS_MAX / columnCount));
}

/**
 * Rows per prepared multi-row statement in a transaction: each `run` crosses from JavaScript into
 * SQLite once for this many rows. 100 rows took 3.5 s of CPU for a million statement lines where
 * one statement per row took 5.8 s and 500 rows 4.4 s (bigger parameter arrays to fill and bind).
 */
const PREPARED_ROWS = 100;

export function preparedRowsPerStatement(columnCount: number): number {
  return Math.min(PREPARED_ROWS, rowsPerStatement(columnCount));
}

/** The texts already built, by table, row count and tail. */
const insertTexts = new Map<string, string>();

/** `INSERT … VALUES (?,…),(?,…)…` of `rowCount` rows, followed by `tail` (e.g. an ON CONFLICT clause). */
export function insertText(table: BulkTable<never>, rowCount: number, tail = ''): string {
  const key = `${table.name}|${rowCount}|${tail}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const names = table.columns.map((column) => `"${column.name}"`).join(', ');
    const tuple = `(${table.columns.map(() => '?').join(',')})`;
    text = `insert into "${table.name}" (${names}) values ${Array.from({ length: rowCount }, () => tuple).join(',')}${tail}`;
    // The shorter last statement of an unprepared insert varies in length: keep only the prepared
    // sizes (up to preparedRowsPerStatement, a bounded set) and full-size ones.
    if (rowCount <= preparedRowsPerStatement(table.columns.length) || rowCount === rowsPerStatement(table.columns.length)) insertTexts.set(key, text);
  }
  return text;
}

/** The multi-row statements that insert `rows` into `table`, in order, rows per statement kept under SQLite's parameter limit. */
export function insertQueries<Row>(table: BulkTable<Row>, rows: readonly Row[]): CompiledQuery[] {
  const columns = table.columns;
  const perStatement = rowsPerStatement(columns.length);
  const queries: CompiledQuery[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const end = Math.min(rows.length, start + perStatement);
    const parameters = new Array<unknown>((end - start) * columns.length);
    let at = 0;
    for (let index = start; index < end; index += 1) {
      for (const value of table.values(rows[index]!)) parameters[at++] = value ?? null;
    }
    queries.push(CompiledQuery.raw(insertText(table as unknown as BulkTable<never>, end - start), parameters));
  }
  return queries;
}

/** Texts with `$n` already written with `?`: the callers' texts are fixed, and each runs per group or per chunk. */
const questionMarkedTexts = new Map<string, string>();
const QUESTION_MARKED_TEXTS_MAX = 1_000;

function questionMarked(text: string): string {
  let marked = questionMarkedTexts.get(text);
  if (marked === undefined) {
    marked = text.replace(/\$\d+/g, '?');
    if (questionMarkedTexts.size < QUESTION_MARKED_TEXTS_MAX) questionMarkedTexts.set(text, marked);
  }
  return marked;
}

const prepared = new WeakMap<SQLiteConnection, Map<string, SQLite.Statement>>();

/** The connection's prepared statement for `text`, prepared on first use. */
export function preparedOn(connection: SQLiteConnection, text: string): SQLite.Statement {
  let statements = prepared.get(connection);
  if (statements === undefined) {
    statements = new Map();
    prepared.set(connection, statements);
  }
  let statement = statements.get(text);
  if (statement === undefined) {
    statement = connection.prepare(text);
    statements.set(text, statement);
  }
  return statement;
}

/**
 * SQLite: one writer, so transactions are serial and need no row locks. It is in-process: inside
 * a transaction a prepared statement costs no round trip and no parsing, so set-based writes run
 * prepared statements on the connection the transaction holds — inserts 100 rows per statement
 * (the rest in one statement of its size, prepared once per size), updates one statement per set of
 * columns.
 */
export const sqlite: Dialect = {
  engine: 'sqlite',
  partRowsMax: 500,

  lockRows: <Query extends Lockable<Query>>(query: Query) => query,
  skipLocked: <Query extends Lockable<Query>>(query: Query) => query,

  placeholders: questionMarked,

  inList: (column, list) => ({ text: `${column} in (select value from json_each(?))`, parameters: [JSON.stringify(list)] }),

  oneOf: (column, values) => ({
    text: (param, t) => (values.length === 1 ? `${t}${column} = ${param(0)}` : `${t}${column} in (${values.map((_, index) => param(index)).join(', ')})`),
    parameters: [...values],
  }),

  async selectRows<Row>(on: Connection, text: string, parameters: readonly unknown[]) {
    if (on.sqlite !== undefined) return preparedOn(on.sqlite, text).all(parameters) as Row[];
    return (await on.db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]))).rows;
  },

  async selectArrays(on: Connection, text: string, parameters: readonly unknown[]) {
    if (on.sqlite === undefined) return (await on.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, [...parameters]))).rows.map((row) => Object.values(row));
    // The statement is the connection's, shared with selectRows of the same text: raw only for this call.
    const statement = preparedOn(on.sqlite, text).raw(true);
    try {
      return statement.all(parameters) as unknown[][];
    } finally {
      statement.raw(false);
    }
  },

  async insertMany(on, table, rows) {
    if (rows.length === 0) return;
    if (on.sqlite !== undefined) {
      const columns = table.columns.length;
      const perStatement = preparedRowsPerStatement(columns);
      let index = 0;
      if (rows.length >= perStatement) {
        const statement = preparedOn(on.sqlite, insertText(table as unknown as BulkTable<never>, perStatement));
        const parameters = new Array<unknown>(perStatement * columns);
        for (; index + perStatement <= rows.length; index += perStatement) {
          let at = 0;
          for (let row = index; row < index + perStatement; row += 1) at = table.write(rows[row]!, parameters, at);
          statement.run(parameters);
        }
      }
      // The rest in one statement of its own size (a group of API debits is smaller than a full one).
      if (index < rows.length) {
        const rest = rows.length - index;
        const parameters = new Array<unknown>(rest * columns);
        let at = 0;
        for (; index < rows.length; index += 1) at = table.write(rows[index]!, parameters, at);
        preparedOn(on.sqlite, insertText(table as unknown as BulkTable<never>, rest)).run(parameters);
      }
      return;
    }
    for (const query of insertQueries(table, rows)) await on.db.executeQuery(query);
  },

  /** In a transaction: prepared multi-row statements of `preparedRowsPerStatement` rows, then one of the rest. */
  async insertOrMerge<Row, Returned>(on: Connection, table: BulkTable<Row>, rows: readonly Row[], tail: string): Promise<Returned[]> {
    const returned: Returned[] = [];
    const columns = table.columns.length;
    const run = (text: string, parameters: unknown[]) => {
      if (on.sqlite === undefined) return on.db.executeQuery<Returned>(CompiledQuery.raw(text, parameters)).then((result) => result.rows);
      const statement = preparedOn(on.sqlite, text);
      return statement.reader ? (statement.all(parameters) as Returned[]) : (statement.run(parameters), []);
    };
    const perStatement = on.sqlite === undefined ? rowsPerStatement(columns) : preparedRowsPerStatement(columns);
    for (let index = 0; index < rows.length; ) {
      // Full statements, then the rest in one of its own size (prepared once per size on SQLite).
      const count = Math.min(perStatement, rows.length - index);
      const parameters = new Array<unknown>(count * columns);
      let at = 0;
      for (let row = index; row < index + count; row += 1) at = table.write(rows[row]!, parameters, at);
      for (const row of await run(insertText(table as unknown as BulkTable<never>, count, ` ${tail}`), parameters)) returned.push(row);
      index += count;
    }
    return returned;
  },

  updateMany: updateMany,
};

/**
 * One statement per set of columns, the rows' ids and values carried as one JSON array (read
 * with json_each): a round's thousand status changes are one statement, not a thousand. The
 * fence's columns are written `+t.col` so that SQLite drives from the array and takes each row
 * by primary key, rather than walking an index on the fence's column (`status`, `state`) and
 * scanning the array for every row it finds there.
 */
async function updateMany<Row extends { id: string }, Returned extends { id: string } = Row>(
  on: Connection,
  table: BulkTable<Row>,
  updates: readonly { id: string; patch: Partial<Row> }[],
  at: string,
  fence: Fence,
  returning: UpdateReturning = 'row',
): Promise<Returned[]> {
  const changed: Returned[] = [];
  for (const { columns, updates: group } of byShape(updates)) {
    const values = columns.map((column, index) => `value ->> ${index + 1} as "${column}"`);
    const sets = [...columns.map((column) => `"${column}" = v."${column}"`), '"updated_at" = ?'].join(', ');
    const text = `update "${table.name}" set ${sets} from (select value ->> 0 as id${values.map((value) => `, ${value}`).join('')} from json_each(?)) as v where "${table.name}".id = v.id and ${fence.text(() => '?', `+"${table.name}".`)} returning ${returning === 'id' ? 'id' : '*'}`;
    if (new Set(group.map((update) => update.id)).size < group.length) {
      // The same row twice: applied in order, one statement each, as the second sees the first's change.
      for (const update of group) changed.push(...(await updateRows<Row, Returned>(on, text, at, [update], columns, fence)));
    } else {
      changed.push(...(await updateRows<Row, Returned>(on, text, at, group, columns, fence)));
    }
  }
  return changed;
}

async function updateRows<Row, Returned>(on: Connection, text: string, at: string, group: readonly { id: string; patch: Partial<Row> }[], columns: readonly (keyof Row & string)[], fence: Fence): Promise<Returned[]> {
  const rows = JSON.stringify(group.map(({ id, patch }) => [id, ...columns.map((column) => patch[column] ?? null)]));
  const parameters = [at, rows, ...fence.parameters];
  if (on.sqlite !== undefined) return preparedOn(on.sqlite, text).all(parameters) as Returned[];
  return (await on.db.executeQuery<Returned>(CompiledQuery.raw(text, parameters))).rows;
}
