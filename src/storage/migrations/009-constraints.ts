import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The database itself refuses what the code never writes (issue 10): a status outside its closed
 * list, a debit of no money, a negative fee, a posting of zero; and the ledger is append-only —
 * a posting or ledger transaction, once written, is never updated or deleted.
 *
 * PostgreSQL gets real CHECK constraints, added plainly (validated at once: the migration holds
 * its table locks until it commits anyway, so NOT VALID + VALIDATE would buy nothing). SQLite
 * cannot add a constraint to an existing table short of rebuilding it, so each table gets two
 * triggers that RAISE(ABORT) with SQLite's own wording: one BEFORE INSERT, one BEFORE UPDATE OF
 * the checked columns only (an update of a lease or a cursor does not pay for them). A row that
 * passes costs one WHEN test per statement row.
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
  return { table, name: `${table}_${column}_known`, column, allows: (c) => `${c} in (${values.map((value) => `'${value}'`).join(', ')})` };
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
  // SQLite runs migrations outside a transaction: refuse before creating anything if a row already
  // breaks a check, as PostgreSQL's ADD CONSTRAINT would, naming the check.
  for (const check of CHECKS) {
    const broken = await sql.raw<{ n: number }>(`select count(*) as n from "${check.table}" where not (${check.allows(`"${check.column}"`)})`).execute(db);
    if (Number(broken.rows[0]!.n) > 0) throw new Error(`${broken.rows[0]!.n} rows of ${check.table} break ${check.name}`);
  }
  const tables = [...new Set(CHECKS.map((check) => check.table))];
  for (const table of tables) {
    const checks = CHECKS.filter((check) => check.table === table);
    const allowed = checks.map((check) => `(${check.allows(`new."${check.column}"`)} is not 0)`).join(' and ');
    // The WHEN clause is the fast path; the CASE names the first check that failed.
    const raise = `select case ${checks.map((check) => `when (${check.allows(`new."${check.column}"`)}) is 0 then raise(abort, 'CHECK constraint failed: ${check.name}')`).join(' ')} end;`;
    const columns = [...new Set(checks.map((check) => `"${check.column}"`))].join(', ');
    await sql.raw(`create trigger "${table}_checks_insert" before insert on "${table}" when not (${allowed}) begin ${raise} end`).execute(db);
    await sql.raw(`create trigger "${table}_checks_update" before update of ${columns} on "${table}" when not (${allowed}) begin ${raise} end`).execute(db);
  }
  for (const table of APPEND_ONLY_TABLES) {
    for (const operation of ['update', 'delete']) {
      await sql.raw(`create trigger "${table}_append_only_${operation}" before ${operation} on "${table}" begin select raise(abort, '${table} is append-only: ${operation.toUpperCase()} refused'); end`).execute(db);
    }
  }
}
