import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The database itself refuses what the code never writes (issue 10): a status outside its closed
 * list, a debit of no money, a negative fee, a posting of zero; and the ledger is append-only —
 * a posting or ledger transaction, once written, is never updated or deleted.
 *
 * PostgreSQL gets real CHECK constraints, added plainly (validated at once: the migration holds
 * its table locks until it commits anyway, so NOT VALID + VALIDATE would buy nothing). SQLite
 * cannot add a constraint to an existing table, so its tables are rebuilt with the same CHECK
 * constraints, same names: triggers (tried first) doubled the cost of batch ingestion — SQLite
 * runs a trigger as a sub-program for every row — while a CHECK costs next to nothing. The
 * append-only guards are triggers on both engines (on UPDATE and DELETE only: inserts pay
 * nothing).
 *
 * Also an index on idempotency_keys(created_at), for the sweep of keys past their retention
 * (src/app/maintenance-worker.ts).
 *
 * The lists are written out here, not imported from the core: a migration states the schema as
 * it was when it ran. A status added to the core later needs a new migration that widens the
 * check — test/storage/constraints.test.ts writes every status the core knows and fails until
 * then.
 */

interface Check {
  table: string;
  /** The constraint's name, and the message of the error that refuses a row. */
  name: string;
  column: string;
  /** SQL true for an allowed value; a null column passes, as in a CHECK constraint. */
  allows: (column: string) => string;
}

function oneOf(table: string, column: string, values: readonly string[]): Check {
  // Not `in (…)`: SQLite builds a temporary index for an IN list each time a statement runs, which
  // for one-row inserts is every row; a chain of comparisons costs a few instructions.
  return { table, name: `${table}_${column}_known`, column, allows: (c) => values.map((value) => `${c} = '${value}'`).join(' or ') };
}

function positive(table: string, column: string): Check {
  return { table, name: `${table}_${column}_positive`, column, allows: (c) => `${c} > 0` };
}

function notNegative(table: string, column: string): Check {
  return { table, name: `${table}_${column}_not_negative`, column, allows: (c) => `${c} >= 0` };
}

function nonZero(table: string, column: string): Check {
  return { table, name: `${table}_${column}_not_zero`, column, allows: (c) => `${c} <> 0` };
}

const CHECKS: readonly Check[] = [
  oneOf('debits', 'status', ['pending', 'submitted', 'succeeded', 'failed', 'rejected']),
  positive('debits', 'amount'),
  notNegative('debits', 'channel_cost'),
  notNegative('debits', 'merchant_fee'),
  notNegative('debits', 'payer_fee'),
  oneOf('attempts', 'state', ['sending', 'accepted', 'unknown', 'not_sent', 'not_found', 'succeeded', 'failed']),
  // `expired` is derived from valid_until and the clock, never stored.
  oneOf('mandates', 'status', ['active', 'revoked']),
  positive('mandates', 'per_debit_max'),
  positive('mandates', 'monthly_max'),
  oneOf('batches', 'status', ['processing', 'completed', 'failed']),
  oneOf('batch_rows', 'status', ['accepted', 'rejected']),
  oneOf('idempotency_keys', 'state', ['in_progress', 'done']),
  // The ledger builder drops zero postings (src/core/ledger).
  nonZero('postings', 'amount'),
];

const APPEND_ONLY_TABLES = ['ledger_transactions', 'postings'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) await upPostgres(db);
  else await upSqlite(db);
  // The maintenance worker deletes keys past their retention, oldest first, a chunk at a time.
  await db.schema.createIndex('idempotency_keys_by_created_at').on('idempotency_keys').columns(['created_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
async function upPostgres(db: Kysely<any>): Promise<void> {
  for (const check of CHECKS) {
    await sql.raw(`alter table "${check.table}" add constraint "${check.name}" check (${check.allows(`"${check.column}"`)})`).execute(db);
  }
  await sql
    .raw(
      `create function daikou_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'restrict_violation';
      end $$`,
    )
    .execute(db);
  for (const table of APPEND_ONLY_TABLES) {
    await sql.raw(`create trigger "${table}_append_only" before update or delete on "${table}" for each row execute function daikou_refuse_change()`).execute(db);
    // TRUNCATE fires no row trigger; refuse it too, so that nothing but dropping the table erases the ledger.
    await sql.raw(`create trigger "${table}_no_truncate" before truncate on "${table}" for each statement execute function daikou_refuse_change()`).execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
async function upSqlite(db: Kysely<any>): Promise<void> {
  // SQLite's procedure for a schema change ALTER TABLE cannot make (sqlite.org/lang_altertable.html,
  // "Making Other Kinds Of Table Schema Changes"): with foreign keys off, in one transaction, each
  // table is created again from its own stored CREATE text plus the checks, filled from the old
  // one (a row that breaks a check fails the copy and rolls everything back), swapped in, and
  // given its indexes back; the foreign keys are checked before the commit.
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin`.execute(db);
    try {
      for (const table of [...new Set(CHECKS.map((check) => check.table))]) await rebuildWithChecks(db, table);
      for (const table of APPEND_ONLY_TABLES) {
        for (const operation of ['update', 'delete']) {
          await sql.raw(`create trigger "${table}_append_only_${operation}" before ${operation} on "${table}" begin select raise(abort, '${table} is append-only: ${operation.toUpperCase()} refused'); end`).execute(db);
        }
      }
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
async function rebuildWithChecks(db: Kysely<any>, table: string): Promise<void> {
  const stored = await sql<{ type: string; sql: string }>`select type, sql from sqlite_master where tbl_name = ${table} and sql is not null`.execute(db);
  const create = stored.rows.find((row) => row.type === 'table')?.sql;
  if (create === undefined || !create.includes(`"${table}"`) || !create.trimEnd().endsWith(')')) throw new Error(`unexpected stored schema of ${table}: ${create}`);
  const constraints = CHECKS.filter((check) => check.table === table).map((check) => `constraint "${check.name}" check (${check.allows(`"${check.column}"`)})`);
  const rebuilt = `${create.replace(`"${table}"`, `"${table}_009"`).trimEnd().slice(0, -1)}, ${constraints.join(', ')})`;
  await sql.raw(rebuilt).execute(db);
  await sql.raw(`insert into "${table}_009" select * from "${table}"`).execute(db);
  await sql.raw(`drop table "${table}"`).execute(db);
  await sql.raw(`alter table "${table}_009" rename to "${table}"`).execute(db);
  for (const row of stored.rows) if (row.type !== 'table') await sql.raw(row.sql).execute(db);
}
