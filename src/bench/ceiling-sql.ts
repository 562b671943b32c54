/**
 * The SQL the storage ceiling runs (src/bench/storage-ceiling.ts), built from the schema as the
 * database reports it. Pure, so that it is checked without a database (test/bench/ceiling-sql.test.ts).
 */

export interface CeilingColumn {
  name: string;
  /** The PostgreSQL type as information_schema.columns.data_type names it (`text`, `bigint`, …); not read on SQLite. */
  type: string;
}

export type CeilingEngine = 'sqlite' | 'postgres';

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A scalar type name as information_schema spells it, optionally with a modifier:
 * `bigint`, `character varying(64)`, `timestamp with time zone`. `ARRAY` and `USER-DEFINED`
 * (and anything else) do not match: unnest of an array of arrays flattens it, and an enum
 * would need its own name.
 */
const SCALAR_TYPE = /^[a-z][a-z0-9_ ]*(\(\d+(, ?\d+)?\))?$/;

/**
 * PostgreSQL: one INSERT for any number of rows, each column's values passed as one array
 * parameter and zipped back into rows by unnest. Prepared once (by name), it serves every chunk
 * of a table, the last shorter one included.
 */
export function unnestInsertSql(table: string, columns: readonly CeilingColumn[]): string {
  if (columns.length === 0) throw new Error(`table ${table} has no columns`);
  const arrays = columns.map((column, i) => {
    if (!SCALAR_TYPE.test(column.type)) throw new Error(`column ${table}.${column.name} has type ${column.type}; the ceiling writes scalar columns only`);
    return `$${i + 1}::${column.type}[]`;
  });
  return `INSERT INTO ${quoteIdentifier(table)} (${columns.map((column) => quoteIdentifier(column.name)).join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})`;
}

/** SQLite: the single-row INSERT that a prepared statement runs once per row. */
export function singleRowInsertSql(table: string, columns: readonly Pick<CeilingColumn, 'name'>[]): string {
  if (columns.length === 0) throw new Error(`table ${table} has no columns`);
  return `INSERT INTO ${quoteIdentifier(table)} (${columns.map((column) => quoteIdentifier(column.name)).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/**
 * One keyset page of a table in primary-key order: the first page, or the rows after a key
 * (a row-value comparison, so composite keys page correctly). The limit is written into the SQL:
 * it is a whole number checked here, and the statement is prepared once per table anyway.
 */
export function keysetPageSql(engine: CeilingEngine, table: string, columns: readonly string[], key: readonly string[], after: boolean, limit: number): string {
  if (key.length === 0) throw new Error(`table ${table} has no primary key to page by`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`a page limit is a whole number of at least 1, not ${limit}`);
  const keyList = key.map(quoteIdentifier).join(', ');
  const placeholders = key.map((_, i) => (engine === 'postgres' ? `$${i + 1}` : '?')).join(', ');
  const where = after ? ` WHERE (${keyList}) > (${placeholders})` : '';
  return `SELECT ${columns.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(table)}${where} ORDER BY ${keyList} LIMIT ${limit}`;
}

/** Rows (arrays in column order) turned into one array per column, as unnest takes them. */
export function toColumnArrays(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  const columns = Array.from({ length: width }, () => new Array<unknown>(rows.length));
  rows.forEach((row, r) => {
    if (row.length !== width) throw new Error(`row ${r} has ${row.length} values, expected ${width}`);
    for (let c = 0; c < width; c += 1) columns[c]![r] = row[c];
  });
  return columns;
}
