import { sql, type Kysely } from 'kysely';
import { isPostgres } from './checks.js';

/**
 * Reconciliation (issue 12): the staging table `reconciliation_lines` is keyed by what the match
 * reads it by, `(reconciliation_id, direction, end_to_end_id, line)`, and has no other index.
 *
 * Before, each loaded line was written into three B-trees (SQLite: the rowid table, the primary
 * key's index on `(reconciliation_id, line)`, the key index of 017) and checked against its run
 * by a foreign key. Now, on SQLite, the table is `WITHOUT ROWID`: the line is stored once, in key
 * order, and every probe of the match (an earlier line of the same key; whether a line lists an
 * attempt) reads that tree alone. On PostgreSQL the heap keeps one index, the primary key.
 *
 * The foreign key to `reconciliations` is gone: the lines are scratch, rebuilt from the statement
 * file by re-running the date, written only by their run's load and deleted by its end
 * (docs/reconciliation.md); the check cost a probe per line loaded. Line numbers stay unique per
 * run (the reader counts them), now as part of the key.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  const columns = 'reconciliation_id, line, channel_reference, end_to_end_id, direction, amount, status, settled_at';
  await sql`alter table reconciliation_lines rename to reconciliation_lines_017`.execute(db);
  await sql`drop index reconciliation_lines_by_key`.execute(db);
  await sql.raw(`
    create table reconciliation_lines (
      reconciliation_id text not null,
      line integer not null,
      channel_reference text,
      end_to_end_id text not null,
      direction text not null,
      amount bigint not null,
      status text not null,
      settled_at text,
      constraint reconciliation_lines_by_key primary key (reconciliation_id, direction, end_to_end_id, line)
    )${isPostgres(db) ? '' : ' without rowid'}`).execute(db);
  await sql.raw(`insert into reconciliation_lines (${columns}) select ${columns} from reconciliation_lines_017`).execute(db);
  await sql`drop table reconciliation_lines_017`.execute(db);
}

