import { accounts, invariant, reserveFromAvailable, type Router } from '../core/index.js';
import { columnOf, recordToPayoutInput, storedReference } from './batches-deciding.js';
import type { FileRow } from './batches-reading.js';
import type { AppContext } from './context.js';
import { writePayoutEvents } from './events.js';
import { AppError } from './errors.js';
import { decidePayout, referenceTaken, validatePayee, type PayoutReservations } from './payouts.js';
import type { BatchRow, BatchRowResult, BatchStore, EventStore, LedgerEntry, LedgerStore, MerchantRow, PayoutEventRow, PayoutRow, PayoutStore } from './ports.js';

/*
 * A payout batch's rows (SPEC §§11, 14): each row becomes a payout through the decision of
 * `POST /v1/payouts` (decidePayout: the payee's checks, routing, the fee, the reservation), a part
 * of a chunk at a time in the chunk's transaction, as a debit batch's rows become debits.
 */

/** What a payout batch's chunk writes and reads. */
export type PayoutBatchStore = Pick<PayoutStore, 'insertPayouts' | 'insertPayoutEvents' | 'getPayouts' | 'findLivePayoutReferences'> & Pick<EventStore, 'insertEvents'> & Pick<LedgerStore, 'lockLedgerBalance' | 'postLedgerTransactions'> & Pick<BatchStore, 'insertBatchRows'>;

/**
 * The reservations of one chunk: the merchant's `available` is locked at the first one and each
 * row is reserved against the balance held in memory (`reserveFromAvailable`, the arithmetic of
 * the API's guarded update), so that a row that does not fit is `insufficient_balance` and the
 * rows after it still take what is left. The reservations are posted together at each `flush`, each
 * account moved once by their sum; the lock holds until the chunk commits, so a concurrent payout
 * waits and then sees what the chunk left.
 */
export interface ChunkReservations extends PayoutReservations {
  flush(): Promise<void>;
}

export function chunkReservations(tx: Pick<LedgerStore, 'lockLedgerBalance' | 'postLedgerTransactions'>, merchantId: string): ChunkReservations {
  const available = accounts.merchantAvailable(merchantId).id;
  let balance: number | null = null;
  let queued: LedgerEntry[] = [];
  return {
    async reserve(entry) {
      balance ??= await tx.lockLedgerBalance(available);
      const drawn = entry.transaction.postings.filter((posting) => posting.account.id === available).reduce((sum, posting) => sum + posting.amountFen, 0);
      const after = reserveFromAvailable(balance, drawn);
      if (after === null) return 'insufficient_balance';
      balance = after;
      queued.push(entry);
      return 'posted';
    },
    async flush() {
      if (queued.length === 0) return;
      const entries = queued;
      queued = [];
      const posted = await tx.postLedgerTransactions(entries);
      invariant(posted.size === entries.length, `${entries.length - posted.size} payout reservations of a batch chunk were posted before`);
    },
  };
}

/**
 * Decides one part of a payout batch's chunk and writes its payouts, their events, their
 * reservations and the rows' results. `claimed` holds the references the chunk's earlier parts
 * took (they are written, but a reference is looked up once per part). Returns the results, for
 * the batch's counts.
 */
export async function writePayoutPart(
  ctx: AppContext,
  tx: PayoutBatchStore,
  batch: BatchRow,
  merchant: MerchantRow,
  router: Router,
  part: readonly FileRow[],
  reservations: ChunkReservations,
): Promise<BatchRowResult[]> {
  const parsed = part.map(({ row, record, names = {}, problem }) => ({ row, record, names, outcome: problem ?? recordToPayoutInput(record, names) }));
  const references = parsed.flatMap(({ outcome }) => ('input' in outcome ? [outcome.input.reference] : []));
  const taken = await tx.findLivePayoutReferences(batch.merchant_id, [...new Set(references)]);
  const results: BatchRowResult[] = [];
  const payouts: PayoutRow[] = [];
  const events: PayoutEventRow[] = [];
  for (const { row, record, names, outcome } of parsed) {
    const name = (column: string) => names[column] ?? column;
    if (!('input' in outcome)) {
      results.push({ batch_id: batch.id, row, reference: storedReference(record.reference), debit_id: null, status: 'rejected', column_name: name(outcome.column), code: outcome.code, message: outcome.message });
      continue;
    }
    const input = outcome.input;
    try {
      // The API's order: the payee's fields (400 there, a refused row here), then the reference.
      const payee = validatePayee(input);
      if (taken.has(input.reference)) throw referenceTaken();
      const { payout, event } = await decidePayout(ctx, router, merchant, payee, input, reservations, { batchId: batch.id, row });
      payouts.push(payout);
      events.push(event);
      if (payout.status === 'rejected') {
        results.push({ batch_id: batch.id, row, reference: payout.reference, debit_id: null, status: 'rejected', column_name: null, code: payout.failure_code, message: payout.failure_message });
      } else {
        taken.add(payout.reference);
        results.push({ batch_id: batch.id, row, reference: payout.reference, debit_id: null, status: 'accepted', column_name: null, code: null, message: null });
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const first = error.errors[0];
      results.push({
        batch_id: batch.id,
        row,
        reference: input.reference,
        debit_id: null,
        status: 'rejected',
        column_name: first ? name(columnOf(first.pointer, record)) : null,
        code: first?.code ?? error.kind,
        message: first?.detail ?? error.message,
      });
    }
  }
  await reservations.flush();
  await tx.insertPayouts(payouts);
  await writePayoutEvents(ctx.presenters, tx, events, payouts);
  await tx.insertBatchRows(results);
  return results;
}
