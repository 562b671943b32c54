import { sql, type Kysely } from 'kysely';
import { addChecks, isPostgres, nonZero, notNegative, oneOf, positive, type Check } from './checks.js';

/**
 * The database itself refuses what the code never writes (issue 10): a status outside its closed
 * list, a debit of no money, a negative fee, a posting of zero; and the ledger is append-only —
 * a posting or ledger transaction, once written, is never updated or deleted.
 *
 * The checks are added as ./checks.ts does it (real constraints on PostgreSQL, tables rebuilt on
 * SQLite). The append-only guards are triggers on both engines (on UPDATE and DELETE only:
 * inserts pay nothing).
 *
 * Also an index on idempotency_keys(created_at), for the sweep of keys past their retention
 * (src/app/maintenance-worker.ts).
 *
 * The lists are written out here, not imported from the core: a migration states the schema as
 * it was when it ran. A status added to the core later needs a new migration that widens the
 * check — test/storage/constraints.test.ts writes every status the core knows and fails until
 * then.
 */

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
  await addChecks(db, CHECKS, '009', () => (isPostgres(db) ? appendOnlyPostgres(db) : appendOnlySqlite(db)));
  // The maintenance worker deletes keys past their retention, oldest first, a chunk at a time.
  await db.schema.createIndex('idempotency_keys_by_created_at').on('idempotency_keys').columns(['created_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
async function appendOnlyPostgres(db: Kysely<any>): Promise<void> {
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
async function appendOnlySqlite(db: Kysely<any>): Promise<void> {
  for (const table of APPEND_ONLY_TABLES) {
    for (const operation of ['update', 'delete']) {
      await sql.raw(`create trigger "${table}_append_only_${operation}" before ${operation} on "${table}" begin select raise(abort, '${table} is append-only: ${operation.toUpperCase()} refused'); end`).execute(db);
    }
  }
}
