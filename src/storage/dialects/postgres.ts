import { CompiledQuery } from 'kysely';
import type { BulkTable } from '../tables.js';
import { byShape, type Connection, type Dialect, type Fence, type Lockable, type UpdateReturning } from './dialect.js';

/** The texts already built, by table and tail: one per table, however many rows (the arrays carry them). */
const insertTexts = new Map<string, string>();

/** `INSERT … SELECT * FROM unnest($1::text[], $2::int8[], …)`, one array per column, followed by `tail` (e.g. an ON CONFLICT clause). */
export function insertText(table: BulkTable<never>, tail = ''): string {
  const key = `${table.name}|${tail}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const names = table.columns.map((column) => `"${column.name}"`).join(', ');
    const arrays = table.columns.map((column, index) => `$${index + 1}::${column.type}[]`).join(', ');
    text = `insert into "${table.name}" (${names}) select * from unnest(${arrays})${tail}`;
    insertTexts.set(key, text);
  }
  return text;
}

/** The rows as one array per column, for unnest. */
export function columnArrays<Row>(table: BulkTable<Row>, rows: readonly Row[]): unknown[][] {
  const arrays = table.columns.map(() => new Array<unknown>(rows.length));
  rows.forEach((row, index) => table.values(row).forEach((value, column) => (arrays[column]![index] = value ?? null)));
  return arrays;
}

/** PostgreSQL: row locks, arrays for lists, unnest for set-based writes. */
export const postgres: Dialect = {
  engine: 'postgres',
  partRowsMax: Number.POSITIVE_INFINITY,

  lockRows: <Query extends Lockable<Query>>(query: Query) => query.forUpdate(),
  skipLocked: <Query extends Lockable<Query>>(query: Query) => query.forUpdate().skipLocked(),

  placeholders: (text) => text,

  inList: (column, list, position) => ({ text: `${column} = any($${position}::text[])`, parameters: [[...list]] }),

  // Several as `= any(array)`: an `in ($k, $k+1)` list made the planner take a worse plan for the
  // fence of updateDebits (completion 1.7k → 1.0k debits/s at 100k rows).
  oneOf: (column, values) =>
    values.length === 1
      ? { text: (param, t) => `${t}${column} = ${param(0)}`, parameters: [...values] }
      : { text: (param, t) => `${t}${column} = any(${param(0)}::text[])`, parameters: [[...values]] },

  async selectRows<Row>(on: Connection, text: string, parameters: readonly unknown[]) {
    return (await on.db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters]))).rows;
  },

  async selectArrays(on: Connection, text: string, parameters: readonly unknown[]) {
    return (await on.db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, [...parameters]))).rows.map((row) => Object.values(row));
  },

  async insertMany(on, table, rows) {
    if (rows.length === 0) return;
    await on.db.executeQuery(CompiledQuery.raw(insertText(table as unknown as BulkTable<never>), columnArrays(table, rows)));
  },

  async insertOrMerge<Row, Returned>(on: Connection, table: BulkTable<Row>, rows: readonly Row[], tail: string): Promise<Returned[]> {
    if (rows.length === 0) return [];
    return (await on.db.executeQuery<Returned>(CompiledQuery.raw(insertText(table as unknown as BulkTable<never>, ` ${tail}`), columnArrays(table, rows)))).rows;
  },

  /** Rows whose patches set the same columns go in one statement, an UPDATE … FROM unnest(…). */
  updateMany: updateMany,
};

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
    const type = (column: string) => table.columns.find((c) => c.name === column)!.type;
    const sets = [...columns.map((column) => `"${column}" = v."${column}"`), `updated_at = $1`].join(', ');
    const arrays = ['id', ...columns].map((column, index) => `$${index + 2}::${column === 'id' ? 'text' : type(column)}[]`).join(', ');
    const names = ['id', ...columns].map((column) => `"${column}"`).join(', ');
    const first = columns.length + 3;
    // `t.id = any($2)` as well as the join: it lets the planner see that only these rows are
    // touched and take them by primary key. Without it, a fence on a column whose statistics
    // say it is rare (status = 'submitted' right after a bulk load) can make it drive from a
    // scan of the whole table, joining each row against the array: seconds, not milliseconds.
    const text = `update "${table.name}" as t set ${sets} from unnest(${arrays}) as v(${names}) where t.id = any($2::text[]) and t.id = v.id and ${fence.text((index) => `$${first + index}`, 't.')} returning ${returning === 'id' ? 't.id' : 't.*'}`;
    const parameters = [at, group.map((update) => update.id), ...columns.map((column) => group.map((update) => update.patch[column] ?? null)), ...fence.parameters];
    changed.push(...(await on.db.executeQuery<Returned>(CompiledQuery.raw(text, parameters))).rows);
  }
  return changed;
}
