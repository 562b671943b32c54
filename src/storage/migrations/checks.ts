import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * CHECK constraints added to existing tables, the same name on both engines (migrations 009 and
 * 011). PostgreSQL adds them plainly (validated at once: the migration holds its table locks
 * until it commits anyway, so NOT VALID + VALIDATE would buy nothing). SQLite cannot add a
 * constraint to an existing table, so each table is rebuilt with its checks: triggers (tried
 * first) doubled the cost of batch ingestion — SQLite runs a trigger as a sub-program for every
 * row — while a CHECK costs next to nothing.
 *
 * The lists are written out in each migration, not imported from the core: a migration states
 * the schema as it was when it ran.
 */
export interface Check {
  table: string;
  /** The constraint's name, and the message of the error that refuses a row. */
  name: string;
  column: string;
  /** SQL true for an allowed value; a null column passes, as in a CHECK constraint. */
  allows: (column: string) => string;
}

export function oneOf(table: string, column: string, values: readonly string[]): Check {
  // Not `in (…)`: SQLite builds a temporary index for an IN list each time a statement runs, which
  // for one-row inserts is every row; a chain of comparisons costs a few instructions.
  return { table, name: `${table}_${column}_known`, column, allows: (c) => values.map((value) => `${c} = '${value}'`).join(' or ') };
}

export function positive(table: string, column: string): Check {
  return { table, name: `${table}_${column}_positive`, column, allows: (c) => `${c} > 0` };
}

export function notNegative(table: string, column: string): Check {
  return { table, name: `${table}_${column}_not_negative`, column, allows: (c) => `${c} >= 0` };
}

export function nonZero(table: string, column: string): Check {
  return { table, name: `${table}_${column}_not_zero`, column, allows: (c) => `${c} <> 0` };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Adds the checks. On SQLite, `alsoInTransaction` runs inside the rebuild's transaction (with
 * foreign keys off), for what must land together with it; `tag` names the rebuilt tables while
 * they are swapped in.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function addChecks(db: Kysely<any>, checks: readonly Check[], tag: string, alsoInTransaction: () => Promise<void> = () => Promise.resolve()): Promise<void> {
  if (isPostgres(db)) {
    for (const check of checks) {
      await sql.raw(`alter table "${check.table}" add constraint "${check.name}" check (${check.allows(`"${check.column}"`)})`).execute(db);
    }
    await alsoInTransaction();
    return;
  }
  // SQLite's procedure for a schema change ALTER TABLE cannot make (sqlite.org/lang_altertable.html,
  // "Making Other Kinds Of Table Schema Changes"): with foreign keys off, in one transaction, each
  // table is created again from its own stored CREATE text plus the checks, filled from the old
  // one (a row that breaks a check fails the copy and rolls everything back), swapped in, and
  // given its indexes and triggers back; the foreign keys are checked before the commit.
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin`.execute(db);
    try {
      for (const table of [...new Set(checks.map((check) => check.table))]) await rebuildWithChecks(db, table, checks, tag);
      await alsoInTransaction();
      const broken = await sql`pragma foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error(`foreign keys broken after rebuilding tables: ${JSON.stringify(broken.rows.slice(0, 5))}`);
      await sql`commit`.execute(db);
    } catch (error) {
      await sql`rollback`.execute(db);
      throw error;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
async function rebuildWithChecks(db: Kysely<any>, table: string, checks: readonly Check[], tag: string): Promise<void> {
  const stored = await sql<{ type: string; sql: string }>`select type, sql from sqlite_master where tbl_name = ${table} and sql is not null`.execute(db);
  const create = stored.rows.find((row) => row.type === 'table')?.sql;
  if (create === undefined || !create.includes(`"${table}"`) || !create.trimEnd().endsWith(')')) throw new Error(`unexpected stored schema of ${table}: ${create}`);
  const constraints = checks.filter((check) => check.table === table).map((check) => `constraint "${check.name}" check (${check.allows(`"${check.column}"`)})`);
  const rebuilt = `${create.replace(`"${table}"`, `"${table}_${tag}"`).trimEnd().slice(0, -1)}, ${constraints.join(', ')})`;
  await sql.raw(rebuilt).execute(db);
  await sql.raw(`insert into "${table}_${tag}" select * from "${table}"`).execute(db);
  await sql.raw(`drop table "${table}"`).execute(db);
  await sql.raw(`alter table "${table}_${tag}" rename to "${table}"`).execute(db);
  for (const row of stored.rows) if (row.type !== 'table') await sql.raw(row.sql).execute(db);
}
