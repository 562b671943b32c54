import { invariant } from '../kernel/invariant.js';
import { accounts, ledgerTransaction, type LedgerTransaction, type Posting } from '../ledger/index.js';

/**
 * Reconciliation (SPEC §15, DESIGN-NOTES §12): a channel's statement of one business date
 * against what daikou recorded. The matching itself is set-based SQL in the store; what is here
 * is the vocabulary, the checks of a statement's own totals and the ledger transactions that
 * resolve an exception.
 */

/** `debit`: the payer's account was debited (a collection); `credit`: the payee's was credited (a payout or refund). */
export const STATEMENT_DIRECTIONS = ['debit', 'credit'] as const;
export type StatementDirection = (typeof STATEMENT_DIRECTIONS)[number];

/** The channel's final outcome of an instruction. */
export const STATEMENT_STATUSES = ['succeeded', 'failed'] as const;
export type StatementStatus = (typeof STATEMENT_STATUSES)[number];

export const STATEMENT_FORMATS = ['csv', 'camt.053'] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];

/** `file`: uploaded by an operator; `channel`: fetched through the connector's statement source. */
export const RECONCILIATION_SOURCES = ['file', 'channel'] as const;
export type ReconciliationSource = (typeof RECONCILIATION_SOURCES)[number];

/**
 * `processing` while the statement loads and matches; `completed`; `failed` (the statement could
 * not be read, or its totals or header disagree with its lines or the request: `failure_*` says
 * which); `superseded` once a later run of the same channel and date completed.
 */
export const RECONCILIATION_STATUSES = ['processing', 'completed', 'failed', 'superseded'] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];

/**
 * The discrepancy kinds of SPEC §15, one exception each (`matched` is the absence of one):
 * - `missing_in_daikou`: a line whose (channel, end_to_end_id, direction) matches no attempt of daikou's;
 * - `missing_in_statement`: an attempt daikou recorded as decided on the date that no line of the
 *   date's (or the day before's) statement lists;
 * - `amount_mismatch`: both sides have it, amounts differ (whatever the statuses);
 * - `status_mismatch`: both sides have it, amounts agree, statuses differ;
 * - `duplicate`: a second (third, …) line of the same instruction; the first is matched as usual.
 */
export const EXCEPTION_KINDS = ['missing_in_daikou', 'missing_in_statement', 'amount_mismatch', 'status_mismatch', 'duplicate'] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

export const EXCEPTION_STATUSES = ['open', 'resolved', 'superseded'] as const;
/** `superseded`: the exception's run was replaced by a later run of the same channel and date before anyone resolved it. */
export type ExceptionStatus = (typeof EXCEPTION_STATUSES)[number];

export const RESOLUTION_ACTIONS = ['accept', 'adjust', 'write_off'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

/** One entry line of a statement, as read from the file. */
export interface StatementLine {
  /** 1-based position among the entries. */
  line: number;
  channel_reference: string | null;
  end_to_end_id: string;
  direction: StatementDirection;
  amount: number;
  status: StatementStatus;
  settled_at: string | null;
}

/** What a statement says of itself: its channel and date, and per direction the count and the succeeded sum. */
export interface StatementTotals {
  debit: { count: number; amount: number };
  credit: { count: number; amount: number };
}

export interface StatementCounts {
  lines: number;
  matched: number;
  missing_in_daikou: number;
  missing_in_statement: number;
  amount_mismatch: number;
  status_mismatch: number;
  duplicate: number;
}

export function emptyTotals(): StatementTotals {
  return { debit: { count: 0, amount: 0 }, credit: { count: 0, amount: 0 } };
}

/** Adds a line to running totals (the succeeded amounts of its direction, and the count). */
export function addToTotals(totals: StatementTotals, line: Pick<StatementLine, 'direction' | 'amount' | 'status'>): void {
  const side = totals[line.direction];
  side.count += 1;
  if (line.status === 'succeeded') side.amount += line.amount;
  invariant(Number.isSafeInteger(side.amount), 'a statement total past 2^53 fen');
}

/** Why a statement's stated totals disagree with its lines, or null when they agree. */
export function totalsDisagreement(stated: StatementTotals, counted: StatementTotals): string | null {
  for (const direction of STATEMENT_DIRECTIONS) {
    const s = stated[direction];
    const c = counted[direction];
    if (s.count !== c.count || s.amount !== c.amount) {
      return `The statement's ${direction} total says ${s.count} entries and ${s.amount} fen succeeded, but its ${direction} lines are ${c.count} entries and ${c.amount} fen succeeded.`;
    }
  }
  return null;
}

/** What a side moved: its amount when it succeeded, nothing otherwise (or when it has no line). */
export function moneyMoved(amount: number | null, status: string | null): number {
  return status === 'succeeded' && amount !== null ? amount : 0;
}

/** The exception's two sides, as the store keeps them. */
export interface ExceptionSides {
  id: string;
  kind: ExceptionKind;
  channel_id: string;
  direction: StatementDirection;
  merchant_id: string | null;
  statement_amount: number | null;
  statement_status: string | null;
  daikou_amount: number | null;
  daikou_status: string | null;
}

/**
 * The money the channel moved that daikou did not book (positive), or booked that the channel did
 * not move (negative): the statement's side less daikou's, each counted only when it succeeded.
 * A `duplicate` is a second movement of an instruction whose first line is matched on its own:
 * all of its money differs, whatever daikou's side says.
 */
export function exceptionDifference(sides: Pick<ExceptionSides, 'kind' | 'statement_amount' | 'statement_status' | 'daikou_amount' | 'daikou_status'>): number {
  const statement = moneyMoved(sides.statement_amount, sides.statement_status);
  return sides.kind === 'duplicate' ? statement : statement - moneyMoved(sides.daikou_amount, sides.daikou_status);
}

/**
 * The correcting transaction of a resolution, or null when nothing is to be posted (`accept`, or
 * no money differs). The channel's clearing account moves by the difference — up for a
 * collection the channel made that daikou did not book (it owes us more), down for a payout it
 * made (it holds less) — against:
 * - `adjust`: the merchant the instruction belongs to (its `pending` for a collection, its
 *   `available` for a payout), so that the merchant's books follow the channel's; a line with no
 *   instruction in daikou (no merchant) goes to `platform:reconciliation_suspense`, to be
 *   allocated by hand;
 * - `write_off`: `platform:write_off`, the platform's own gain or loss.
 */
export function resolutionTransaction(action: ResolutionAction, exception: ExceptionSides): LedgerTransaction | null {
  if (action === 'accept') return null;
  const difference = exceptionDifference(exception);
  if (difference === 0) return null;
  // A collection raises the channel's clearing balance (a debit), a payout lowers it.
  const clearing = exception.direction === 'debit' ? difference : -difference;
  const against: Posting['account'] =
    action === 'write_off'
      ? accounts.platform('write_off')
      : exception.merchant_id === null
        ? accounts.platform('reconciliation_suspense')
        : exception.direction === 'debit'
          ? accounts.merchantPending(exception.merchant_id)
          : accounts.merchantAvailable(exception.merchant_id);
  return ledgerTransaction(`reconciliation_${action}`, 'reconciliation_exception', exception.id, [
    { account: accounts.channelClearing(exception.channel_id), amountFen: clearing },
    { account: against, amountFen: -clearing },
  ]);
}

/** Bits of the filter: 4 MiB. At a million distinct keys, about 1 in 1,400 is flagged wrongly. */
const BITS = 2 ** 25;
/** Past this many keys flagged, the list stops being worth passing: the match checks every line. */
const KEPT_MAX = 50_000;

/**
 * The keys (direction, end_to_end_id) of a statement that may repeat an earlier line's, found as
 * the lines stream by, in line order: a Bloom filter of the keys seen (three bits per key), so it
 * never misses a repeat and holds 4 MiB whatever the statement's size; a key it flags may also be
 * a first sighting (rarely). The match then looks for an earlier line only for the keys listed
 * here, instead of for every line (at a million lines that probe was 1.2 s of CPU).
 */
export class RepeatedKeys {
  readonly #bits = new Uint32Array(BITS / 32);
  readonly #flagged: Record<StatementDirection, Set<string>> = { debit: new Set(), credit: new Set() };
  #overflow = false;

  /** Records a line's key (in line order); remembers it when a line before may have had it. */
  add(direction: StatementDirection, endToEndId: string): void {
    // Two FNV-1a hashes of the key with different offsets; the three bit positions derive from them (Kirsch–Mitzenmacher).
    let h1 = direction === 'debit' ? 0x811c9dc5 : 0x050c5d1f;
    let h2 = direction === 'debit' ? 0x01000193 : 0x27d4eb2f;
    for (let index = 0; index < endToEndId.length; index += 1) {
      const code = endToEndId.charCodeAt(index);
      h1 = Math.imul(h1 ^ code, 0x01000193);
      h2 = Math.imul(h2 ^ code, 0x85ebca6b);
    }
    h2 = (h2 ^ (h2 >>> 15)) | 1;
    let seen = true;
    for (let probe = 0; probe < 3; probe += 1) {
      const bit = (h1 + probe * h2) >>> 0 & (BITS - 1);
      const word = bit >>> 5;
      const mask = 1 << (bit & 31);
      if ((this.#bits[word]! & mask) === 0) {
        seen = false;
        this.#bits[word]! |= mask;
      }
    }
    if (!seen || this.#overflow) return;
    // A copy: the id may be a slice of a whole chunk of the file, which it would keep alive.
    this.#flagged[direction].add(` ${endToEndId}`.slice(1));
    if (this.#flagged.debit.size + this.#flagged.credit.size > KEPT_MAX) {
      this.#overflow = true;
      this.#flagged.debit.clear();
      this.#flagged.credit.clear();
    }
  }

  /**
   * Per direction, every end_to_end_id that a line repeats (and perhaps a few that no line
   * repeats); null when too many were flagged to list (every line must then be checked).
   */
  keys(): Record<StatementDirection, string[]> | null {
    if (this.#overflow) return null;
    return { debit: [...this.#flagged.debit], credit: [...this.#flagged.credit] };
  }
}
