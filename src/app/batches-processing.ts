import { setImmediate } from 'node:timers/promises';
import { invariant } from '../core/index.js';
import { BatchFileError, encodeBatchError, type BatchError } from './batch-errors.js';
import { columnOf, recordToInput, resolveMandateRefs, storedReference } from './batches-deciding.js';
import { chunkSource } from './debit-sources.js';
import { chunkReservations, writePayoutPart } from './batches-payouts.js';
import { readRecords, type FileRow } from './batches-reading.js';
import type { AppContext } from './context.js';
import { decideDebit } from './debits.js';
import { AppError } from './errors.js';
import { eventRow, writeDebitEvents } from './events.js';
import type { BatchRow, BatchRowResult, DebitEventRow, DebitRow } from './ports.js';

/*
 * Processing a batch: its rows read from the cursor on, decided and written a chunk per
 * transaction together with the cursor, and the batch ended when the file is read. A debit
 * batch's rows become debits (decideDebit), a payout batch's payouts (batches-payouts.ts).
 */

/** Rows decided per transaction: one commit for many rows, and the cursor moves with them. */
const CHUNK_ROWS = 5000;

/**
 * The batch's lease was taken over by another worker (this one stalled past it): this worker
 * stops, having written nothing since its last commit, and leaves the batch to the new holder.
 */
export class BatchLeaseLost extends Error {
  override name = 'BatchLeaseLost';
  constructor(readonly batchId: string) {
    super(`batch ${batchId}: another worker took over its lease`);
  }
}

export interface ProcessOptions {
  /** Rows per transaction; CHUNK_ROWS unless a test wants several chunks from a small file. */
  chunkRows?: number;
  /** Called after each committed chunk: where another node may act (tests, the simulation). */
  afterChunk?: () => Promise<void>;
}

/**
 * Processes a batch that `owner` holds the lease of, from its cursor to the end. Each chunk of
 * rows is decided and written in one transaction together with the cursor, so that a crash loses
 * no row and repeats none: the next run starts after the last committed chunk. Each chunk's
 * commit is fenced on the lease and renews it (so the lease must outlast one chunk, thousands
 * of rows: WorkerSettings.leaseMs): a worker that lost it throws BatchLeaseLost and rolls back.
 */
export async function processBatch(ctx: AppContext, batch: BatchRow, owner: string, options: ProcessOptions = {}): Promise<void> {
  const chunkRows = options.chunkRows ?? CHUNK_ROWS;
  let cursor = batch.cursor;
  const counts = { rows: batch.rows, accepted: batch.accepted, rejected: batch.rejected };
  let chunk: FileRow[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const router = await ctx.routing.router();
    const rows = chunk;
    chunk = [];
    await ctx.store.transaction(async (tx) => {
      const merchant = await ctx.routing.merchant(batch.merchant_id, tx);
      invariant(merchant !== null, `batch ${batch.id} has no merchant`);
      const source = chunkSource(ctx, tx, batch.merchant_id);
      const reservations = chunkReservations(tx, batch.merchant_id);
      const next = { ...counts };
      // Decided and written a part at a time: one transaction for the whole chunk (fewer, larger
      // commits), while each part's objects die young instead of living until the commit.
      // Rows read, decided and written at a time within the chunk's transaction: the store's choice.
      const partRows = Math.min(ctx.store.partRowsMax, chunkRows);
      for (let start = 0; start < rows.length; start += partRows) {
        const part = rows.slice(start, start + partRows);
        if (batch.kind === 'payout') {
          for (const result of await writePayoutPart(ctx, tx, batch, merchant, router, part, reservations)) {
            next.rows += 1;
            if (result.status === 'accepted') next.accepted += 1;
            else next.rejected += 1;
          }
          continue;
        }
        await resolveMandateRefs(tx, batch.merchant_id, part.map(({ record }) => record));
        const parsed = part.map(({ row, record, names = {}, problem }) => ({ row, record, names, parsed: problem ?? recordToInput(record, names) }));
        await source.load(parsed.flatMap((entry) => ('input' in entry.parsed ? [entry.parsed.input] : [])));
        const results: BatchRowResult[] = [];
        const debits: DebitRow[] = [];
        const events: DebitEventRow[] = [];
        for (const { row, record, names, parsed: outcome } of parsed) {
          const name = (column: string) => names[column] ?? column;
          let result: BatchRowResult;
          if (!('input' in outcome)) {
            result = { batch_id: batch.id, row, reference: storedReference(record.reference), debit_id: null, status: 'rejected', column_name: name(outcome.column), code: outcome.code, message: outcome.message };
          } else {
            try {
              const { debit, event, mismatched } = await decideDebit(ctx, source, router, merchant, outcome.input, batch.id);
              debits.push(debit);
              events.push(event);
              if (debit.status !== 'rejected') source.claimReference(debit.reference);
              if (debit.status !== 'rejected') {
                result = { batch_id: batch.id, row, reference: debit.reference, debit_id: debit.id, status: 'accepted', column_name: null, code: null, message: null };
              } else if (debit.failure_code === 'payer_details_mismatch' && mismatched !== null) {
                // Which detail differs, by the name the file gives it; never the values.
                const message = `${name(mismatched)} does not match the mandate.`;
                result = { batch_id: batch.id, row, reference: debit.reference, debit_id: debit.id, status: 'rejected', column_name: name(mismatched), code: debit.failure_code, message };
              } else {
                result = { batch_id: batch.id, row, reference: debit.reference, debit_id: debit.id, status: 'rejected', column_name: null, code: debit.failure_code, message: debit.failure_message };
              }
            } catch (error) {
              if (!(error instanceof AppError)) throw error;
              const first = error.errors[0];
              result = {
                batch_id: batch.id,
                row,
                reference: outcome.input.reference,
                debit_id: null,
                status: 'rejected',
                column_name: first ? name(columnOf(first.pointer, record)) : null,
                code: first?.code ?? error.kind,
                message: first?.detail ?? error.message,
              };
            }
          }
          next.rows += 1;
          if (result.status === 'accepted') next.accepted += 1;
          else next.rejected += 1;
          results.push(result);
        }
        await tx.insertDebits(debits);
        await writeDebitEvents(ctx.presenters, tx, events, debits);
        await tx.insertBatchRows(results);
      }
      await source.flushCounters();
      const last = rows[rows.length - 1]!.row;
      const leaseUntil = new Date(ctx.clock.now().getTime() + ctx.workers.leaseMs).toISOString();
      if (!(await tx.advanceBatch(batch.id, { owner, until: leaseUntil }, cursor, { cursor: last, ...next }))) throw new BatchLeaseLost(batch.id);
      cursor = last;
      Object.assign(counts, next);
    });
    // A turn for the event loop between chunks. SQLite's driver is synchronous and the file is read
    // from the database, so nothing in processing waits on real I/O: without this, a batch would
    // run from start to end in microtasks, and the API (even its open keep-alive sockets, closed
    // by their timers the moment the loop comes back) would wait for it.
    await setImmediate();
    await options.afterChunk?.();
  };

  let failure: BatchError | null = null;
  try {
    for await (const fileRow of readRecords(ctx, batch)) {
      if (fileRow.row <= cursor) continue;
      chunk.push(fileRow);
      if (chunk.length >= chunkRows) await flush();
    }
  } catch (error) {
    // A file that breaks mid-way: the rows read so far stand, the rest cannot be read. Anything
    // else is unexpected, and goes up to the worker, which retries it later.
    if (!(error instanceof BatchFileError)) throw error;
    failure = error.error;
  }
  await flush();
  await endBatch(ctx, batch, owner, failure);
}

/**
 * Ends a batch `owner` holds — `completed`, or `failed` with the error — and deletes its file:
 * nothing uploaded is kept once its batch has ended (SPEC §13); the result file is built from the
 * database. A worker that lost the lease throws BatchLeaseLost and leaves the file to the holder.
 */
export async function endBatch(ctx: AppContext, batch: BatchRow, owner: string, failure: BatchError | null): Promise<void> {
  const at = ctx.clock.now().toISOString();
  const ended = await ctx.store.transaction(async (tx) => {
    if (!(await tx.finishBatch(batch.id, owner, failure === null ? 'completed' : 'failed', at, failure === null ? null : encodeBatchError(failure)))) return false;
    // `batch.completed` (SPEC §16) carries the batch as GET shows it, counts included; a failed batch has no public event of its own.
    if (failure === null) {
      const done = await tx.getBatch(batch.id);
      invariant(done !== null, `batch ${batch.id} ended but cannot be read`);
      const counts = await (done.kind === 'payout' ? tx.countBatchPayouts(done.id) : tx.countBatchDebits(done.id));
      await tx.insertEvents([eventRow(ctx.ids.next('event'), 'batch.completed', done.merchant_id, ctx.presenters.batch(done, counts), at)]);
    }
    return true;
  });
  if (!ended) throw new BatchLeaseLost(batch.id);
  await ctx.batchFiles.delete(batch.id);
}
