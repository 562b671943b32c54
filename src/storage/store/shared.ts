import type { InsertResult } from 'kysely';
import { invariant, isIssued, type AttemptChange, type InstructionChange } from '../../core/index.js';
import type { Page } from '../../app/ports.js';
import type { BulkTable } from '../tables.js';
import type { Connection, Dialect, Fence } from '../dialects/dialect.js';

export type { Executor } from '../dialects/dialect.js';

/**
 * What every area of the store works on: the executor (the database, or one transaction) and
 * the dialect of the engine behind it, which holds everything that differs between the engines.
 *
 * Conditions that select a partial index (pending debits, open attempts, live references) are
 * written with literals, not parameters: SQLite uses a partial index only when it can prove the
 * index's WHERE from the query's text.
 */
export interface StoreContext extends Connection {
  readonly dialect: Dialect;
  /** Called when events are written: at once outside a transaction, at its commit inside one (the outbox's commit hook). */
  readonly eventsWritten?: () => void;
}

export function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  return { data: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Status writes take only the transition table's changes: a forged one (a cast) is a bug. */
/**
 * Whether an `INSERT … ON CONFLICT (target) DO NOTHING` of one row wrote it: the way a write meets
 * a unique index the caller expects to meet, as a value. An exception instead would abort a
 * PostgreSQL transaction, and a conflict on any other index still throws (a bug).
 */
export function inserted(result: InsertResult): boolean {
  return result.numInsertedOrUpdatedRows === 1n;
}

export function assertIssued(change: InstructionChange | AttemptChange): void {
  invariant(isIssued(change), 'a status change that the transition table did not issue');
}

/**
 * `${head} in (list)` as one statement whose text does not depend on the list's length, so that
 * it is prepared once. `head` numbers its own parameters $1, $2, … and ends with the column.
 */
export async function selectIn<Row>(context: StoreContext, head: string, parameters: readonly unknown[], list: readonly string[]): Promise<Row[]> {
  if (list.length === 0) return [];
  const { dialect } = context;
  const condition = dialect.inList(dialect.placeholders(head), list, parameters.length + 1);
  return dialect.selectRows<Row>(context, condition.text, [...parameters, ...condition.parameters]);
}

/** selectIn's rows as arrays of values in the column order of `head` (Dialect.selectArrays). */
export async function selectArraysIn(context: StoreContext, head: string, parameters: readonly unknown[], list: readonly string[]): Promise<unknown[][]> {
  if (list.length === 0) return [];
  const { dialect } = context;
  const condition = dialect.inList(dialect.placeholders(head), list, parameters.length + 1);
  return dialect.selectArrays(context, condition.text, [...parameters, ...condition.parameters]);
}

export function updateMany<Row extends { id: string }>(context: StoreContext, table: BulkTable<Row>, updates: readonly { id: string; patch: Partial<Row> }[], at: string, fence: Fence): Promise<Row[]> {
  return context.dialect.updateMany(context, table, updates, at, fence);
}

/** updateMany for a caller that holds the rows: returns only the ids of those changed. */
export async function updateManyIds<Row extends { id: string }>(context: StoreContext, table: BulkTable<Row>, updates: readonly { id: string; patch: Partial<Row> }[], at: string, fence: Fence): Promise<Set<string>> {
  const changed = await context.dialect.updateMany<Row, { id: string }>(context, table, updates, at, fence, 'id');
  return new Set(changed.map((row) => row.id));
}

/** Inserts the rows that do not conflict with existing ones; returns the ids of those inserted. */
export async function insertNew<Row extends { id: string }>(context: StoreContext, table: BulkTable<Row>, rows: readonly Row[]): Promise<Set<string>> {
  const inserted = await context.dialect.insertOrMerge<Row, { id: string }>(context, table, rows, 'on conflict do nothing returning id');
  return new Set(inserted.map((row) => row.id));
}

export function insertMany<Row>(context: StoreContext, table: BulkTable<Row>, rows: readonly Row[]): Promise<void> {
  return context.dialect.insertMany(context, table, rows);
}
