import { businessDate, calendarDatePlus, RepeatedKeys, resolutionTransaction, startOfBusinessDate, type BusinessDate, type ResolutionAction, type StatementFormat, type StatementLine, type StatementTotals } from '../core/index.js';
import { findPersonalDataInText, maskPersonalDataInText } from '../core/payers/index.js';
import { readCamt053, readStatementCsv, StatementError, type StatementHead } from '../formats/statements/index.js';
import type { AppContext } from './context.js';
import { AppError, notFound } from './errors.js';
import { eventRow } from './events.js';
import type { CatalogStore, EventStore, LedgerStore, Page, ReconciliationExceptionFilter, ReconciliationExceptionRow, ReconciliationFilter, ReconciliationRow, ReconciliationStore } from './ports.js';

/** Lines read from the statement per chunk, and chunks written per transaction. */
const CHUNK_LINES = 5_000;
const CHUNKS_PER_TRANSACTION = 4;
/** A scheduled run leaves alone a date whose run is `processing` since less than this (another node's, or a crashed one's: then it retries). */
const PROCESSING_STALE_MS = 60 * 60 * 1000;

export interface ReconciliationContext extends Pick<AppContext, 'clock' | 'ids' | 'logger' | 'connectors' | 'presenters'> {
  store: ReconciliationStore & Pick<CatalogStore, 'getChannel' | 'listChannels'> & { transaction<T>(work: (tx: ReconciliationStore & LedgerStore & EventStore) => Promise<T>): Promise<T> };
}

/** Where a statement comes from: a file as it streams in, or the channel's statement source. */
export type StatementInput =
  | { kind: 'file'; format: StatementFormat; body: AsyncIterable<Buffer | string> | Iterable<Buffer | string> }
  /** `fetched`: what the scheduled round fetched already (its body not read yet), to check that it was ready before recording a run. */
  | { kind: 'channel'; fetched?: { format: StatementFormat; body: AsyncIterable<Buffer> } };

/** The statement format of a file's content type, or null when daikou does not read it. */
export function statementFormatOf(contentType: string): StatementFormat | null {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/xml' || type === 'text/xml') return 'camt.053';
  return null;
}

/**
 * Reconciles a channel's statement of one business date (SPEC §15, docs/reconciliation.md):
 * records the run (`processing`), streams the statement into the staging table in chunks of
 * bulk inserts, then in one transaction matches it set-based and completes the run (superseding
 * earlier runs of the date). A statement that cannot be read, whose totals disagree with its
 * lines, or that names another channel or date, fails the run with the reason. Returns the run
 * as it ended.
 */
export async function reconcile(ctx: ReconciliationContext, request: { channelId: string; businessDate: BusinessDate; input: StatementInput; requestedBy: string | null }): Promise<ReconciliationRow> {
  if ((await ctx.store.getChannel(request.channelId)) === null) throw notFound('channel', request.channelId);
  const id = ctx.ids.next('reconciliation');
  const createdAt = ctx.clock.now().toISOString();
  await ctx.store.insertReconciliation({
    id,
    channel_id: request.channelId,
    business_date: request.businessDate,
    source: request.input.kind,
    format: request.input.kind === 'file' ? request.input.format : null,
    status: 'processing',
    failure_code: null,
    failure_message: null,
    requested_by: request.requestedBy,
    lines: null,
    matched: null,
    missing_in_daikou: null,
    missing_in_statement: null,
    amount_mismatch: null,
    status_mismatch: null,
    duplicate: null,
    statement_debit_count: null,
    statement_debit_amount: null,
    statement_credit_count: null,
    statement_credit_amount: null,
    daikou_debit_count: null,
    daikou_debit_amount: null,
    daikou_credit_count: null,
    daikou_credit_amount: null,
    created_at: createdAt,
    completed_at: null,
  });
  let format: StatementFormat | null = request.input.kind === 'file' ? request.input.format : null;
  const fail = async (code: string, message: string): Promise<ReconciliationRow> => {
    // A message may quote the file (its channel, a field): stored and shown with long digit runs masked (SPEC §13).
    await ctx.store.transaction((tx) => tx.failReconciliation({ id, format, code, message: maskPersonalDataInText(message), at: ctx.clock.now().toISOString() }));
    ctx.logger.warn({ reconciliation_id: id, channel: request.channelId, business_date: request.businessDate, code }, 'reconciliation failed');
    return (await ctx.store.getReconciliation(id))!;
  };
  try {
    let body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
    if (request.input.kind === 'file') {
      body = request.input.body;
    } else {
      const fetched = request.input.fetched === undefined ? await fetchStatement(ctx, request.channelId, request.businessDate) : { kind: 'ready' as const, ...request.input.fetched };
      if (fetched.kind !== 'ready') return await fail(fetched.code, fetched.detail);
      format = fetched.format;
      body = fetched.body;
    }
    const head: StatementHead = { channel: null, businessDate: null };
    const loading = performance.now();
    const loadingCpu = process.cpuUsage();
    const repeated = new RepeatedKeys();
    const statement = await loadStatement(ctx, id, format!, body, head, repeated);
    const loadMs = Math.round(performance.now() - loading);
    const loadCpuMs = cpuMs(loadingCpu);
    if (head.channel !== null && (head.channel !== request.channelId || head.businessDate !== request.businessDate)) {
      throw new StatementError('statement_mismatch', `The statement is of ${head.channel} on ${head.businessDate}, not of ${request.channelId} on ${request.businessDate}.`);
    }
    const previous = await ctx.store.findCompletedReconciliation(request.channelId, calendarDatePlus(request.businessDate, -1));
    const matching = performance.now();
    const matchingCpu = process.cpuUsage();
    await ctx.store.analyzeStatementLines();
    const run = await ctx.store.transaction(async (tx) => {
      const at = ctx.clock.now().toISOString();
      const result = await tx.matchReconciliation({
        id,
        channelId: request.channelId,
        decidedFrom: startOfBusinessDate(request.businessDate).toISOString(),
        decidedTo: startOfBusinessDate(calendarDatePlus(request.businessDate, 1)).toISOString(),
        previousDayRunId: previous?.id ?? null,
        statement,
        mayRepeat: repeated.keys(),
        at,
      });
      const completed = await tx.completeReconciliation({ id, format: format!, statement, result, at, linesKeptFrom: calendarDatePlus(request.businessDate, -1) });
      // The operator's alone (merchant_id null): a reconciliation is of a channel, not of a merchant.
      await tx.insertEvents([eventRow(ctx.ids.next('event'), 'reconciliation.completed', null, ctx.presenters.reconciliation(completed), at)]);
      return completed;
    });
    // How long loading the statement and matching it took, and the process's CPU time in each
    // (on a busy machine the wall time says as much about the other processes): where a slow run spends its time.
    const matchMs = Math.round(performance.now() - matching);
    const matchCpuMs = cpuMs(matchingCpu);
    ctx.logger.info(
      { reconciliation_id: id, channel: request.channelId, business_date: request.businessDate, lines: run.lines, matched: run.matched, load_ms: loadMs, load_cpu_ms: loadCpuMs, match_ms: matchMs, match_cpu_ms: matchCpuMs },
      'reconciliation completed',
    );
    return run;
  } catch (error) {
    if (error instanceof StatementBrokeOff) return fail('channel_unreachable', error.message);
    if (error instanceof StatementError) return fail(error.code, error.message);
    await fail('internal_error', 'The reconciliation stopped on an unexpected error; run it again.').catch(() => undefined);
    throw error;
  }
}

/** The process's CPU time (user and system) since `since`, in whole milliseconds. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
}

/** Streams the statement into the staging table, a few chunks per transaction; returns its totals. */
async function loadStatement(
  ctx: ReconciliationContext,
  id: string,
  format: StatementFormat,
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  head: StatementHead,
  repeated: RepeatedKeys,
): Promise<StatementTotals> {
  const lines = format === 'csv' ? readStatementCsv(body, CHUNK_LINES, head) : readCamt053(body, CHUNK_LINES, head);
  let held: StatementLine[][] = [];
  const flush = async (): Promise<void> => {
    const chunks = held;
    held = [];
    if (chunks.length > 0) await ctx.store.transaction(async (tx) => { for (const chunk of chunks) await tx.insertStatementLines(id, chunk); });
  };
  for (;;) {
    const next = await lines.next();
    if (next.done === true) {
      await flush();
      return next.value;
    }
    // The lines as they are stored (masked), their keys noted in line order for the duplicates.
    const chunk = next.value.map(withoutPersonalData);
    for (const line of chunk) repeated.add(line.direction, line.end_to_end_id);
    held.push(chunk);
    if (held.length >= CHUNKS_PER_TRANSACTION) await flush();
  }
}

/** A run of 15 or more digits, grouped or not: the only text worth the full check below. */
const LONG_DIGIT_RUN = /[0-9０-９](?:[ -]?[0-9０-９]){14}/;

/**
 * A statement line as it may be stored (SPEC §13): a card or ID number where an id or a reference
 * goes — a channel's mistake, or a hostile file — is masked, never kept or shown in full. Such a
 * line matches nothing of daikou's (no daikou id holds one) and is reported `missing_in_daikou`;
 * ordinary long references (serial numbers that are no card or ID) are kept as they are.
 */
function withoutPersonalData(line: StatementLine): StatementLine {
  const endToEndId = storable(line.end_to_end_id);
  const reference = line.channel_reference === null ? null : storable(line.channel_reference);
  return endToEndId === line.end_to_end_id && reference === line.channel_reference ? line : { ...line, end_to_end_id: endToEndId, channel_reference: reference };
}

function storable(text: string): string {
  return LONG_DIGIT_RUN.test(text) && findPersonalDataInText(text) !== null ? maskPersonalDataInText(text) : text;
}

type Fetched = { kind: 'ready'; format: StatementFormat; body: AsyncIterable<Buffer> } | { kind: 'unavailable'; code: 'statement_not_served' | 'statement_not_ready' | 'channel_unreachable'; detail: string };

/**
 * A channel's statement that broke off while it streamed in: the run fails `channel_unreachable`.
 * A StatementError, so that the readers pass it on as it is (they take any other error for a
 * broken document).
 */
class StatementBrokeOff extends StatementError {
  override name = 'StatementBrokeOff';
  constructor(message: string) {
    super('invalid_statement', message);
  }
}

/**
 * The channel's statement through its connector's statement source, as it streams in (never read
 * whole: the reader takes it chunk by chunk, as it does an uploaded file); CSV or camt.053 by its
 * first character other than white space or a byte-order mark, read ahead and put back.
 */
async function fetchStatement(ctx: Pick<ReconciliationContext, 'connectors'>, channelId: string, date: string): Promise<Fetched> {
  const lookup = ctx.connectors.statementSource(channelId);
  if (lookup.kind !== 'served') return { kind: 'unavailable', code: 'statement_not_served', detail: `Channel ${channelId}'s connector serves no statements (${lookup.reason}); upload the file instead.` };
  const outcome = await lookup.flow.statement(date);
  if (outcome.kind === 'not_ready') return { kind: 'unavailable', code: 'statement_not_ready', detail: `Channel ${channelId} has no statement of ${date} yet.` };
  if (outcome.kind === 'unreachable') return { kind: 'unavailable', code: 'channel_unreachable', detail: `Channel ${channelId} could not be reached for its statement: ${outcome.reason}` };
  const chunks = statementChunks(outcome.body, channelId);
  const readAhead: Buffer[] = [];
  let first: number | null = null;
  try {
    while (first === null) {
      const next = await chunks.next();
      if (next.done === true) break;
      readAhead.push(next.value);
      first = firstSignificantByte(next.value);
    }
  } catch (error) {
    if (error instanceof StatementBrokeOff) return { kind: 'unavailable', code: 'channel_unreachable', detail: error.message };
    throw error;
  }
  const format: StatementFormat = first === LESS_THAN ? 'camt.053' : 'csv';
  async function* body(): AsyncGenerator<Buffer> {
    yield* readAhead;
    // The same iterator, resumed where the read-ahead stopped.
    yield* { [Symbol.asyncIterator]: () => chunks };
  }
  return { kind: 'ready', format, body: body() };
}

const LESS_THAN = 0x3c;
/** Space, tab, line ends, and the bytes of a UTF-8 byte-order mark: skipped to find a document's first character. */
const SKIPPED_BYTES = new Set([0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf]);

function firstSignificantByte(chunk: Buffer): number | null {
  for (const byte of chunk) if (!SKIPPED_BYTES.has(byte)) return byte;
  return null;
}

/** The channel's chunks as Buffers (the readers' input), without copying; a transport error becomes StatementBrokeOff. */
async function* statementChunks(body: AsyncIterable<Uint8Array>, channelId: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of body) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  } catch (error) {
    throw new StatementBrokeOff(`Channel ${channelId}'s statement broke off while it was read (${error instanceof Error ? error.name : 'transport error'}).`);
  }
}

export interface ScheduledReconciliation {
  channelId: string;
  businessDate: string;
  outcome: 'completed' | 'failed' | 'not_ready' | 'unreachable';
}

/**
 * The workers' round (SPEC §15): every channel whose connector serves statements is reconciled
 * for the previous calendar date (statements are per date the channel decided, weekends too),
 * once: a date with a completed run, or one processing for less than an hour, is left alone. A
 * statement not ready yet, or a channel out of reach, is asked again at the next round; nothing
 * is recorded for it. Runs after settlement in the maintenance round.
 */
export async function reconcilePreviousDay(ctx: ReconciliationContext): Promise<ScheduledReconciliation[]> {
  const now = ctx.clock.now();
  const date = calendarDatePlus(businessDate(now), -1);
  const processingSince = new Date(now.getTime() - PROCESSING_STALE_MS).toISOString();
  const done: ScheduledReconciliation[] = [];
  for (const channel of await ctx.store.listChannels()) {
    if (ctx.connectors.statementSource(channel.id).kind !== 'served') continue;
    if (await ctx.store.hasReconciliation(channel.id, date, processingSince)) continue;
    const fetched = await fetchStatement(ctx, channel.id, date);
    if (fetched.kind !== 'ready') {
      const outcome = fetched.code === 'statement_not_ready' ? 'not_ready' : 'unreachable';
      if (outcome === 'unreachable') ctx.logger.warn({ channel: channel.id, business_date: date }, fetched.detail);
      done.push({ channelId: channel.id, businessDate: date, outcome });
      continue;
    }
    const run = await reconcile(ctx, { channelId: channel.id, businessDate: date, input: { kind: 'channel', fetched: { format: fetched.format, body: fetched.body } }, requestedBy: null });
    done.push({ channelId: channel.id, businessDate: date, outcome: run.status === 'failed' ? 'failed' : 'completed' });
  }
  return done;
}

export async function getReconciliation(ctx: { store: ReconciliationStore }, id: string): Promise<ReconciliationRow> {
  return (await ctx.store.getReconciliation(id)) ?? throwNotFound('reconciliation', id);
}

export function listReconciliations(ctx: { store: ReconciliationStore }, filter: ReconciliationFilter): Promise<Page<ReconciliationRow>> {
  return ctx.store.listReconciliations(filter);
}

export async function listReconciliationExceptions(ctx: { store: ReconciliationStore }, filter: ReconciliationExceptionFilter): Promise<Page<ReconciliationExceptionRow>> {
  await getReconciliation(ctx, filter.reconciliationId);
  return ctx.store.listReconciliationExceptions(filter);
}

/**
 * Resolves an open exception (SPEC §15): `accept` posts nothing; `adjust` and `write_off` post the
 * balanced correcting transaction of `resolutionTransaction` (none when no money differs), in the
 * transaction that records who (`actor`, the API key's id) and why. An exception resolved or
 * superseded before: 409 `exception_not_open`, nothing written.
 */
export async function resolveReconciliationException(
  ctx: Pick<ReconciliationContext, 'clock' | 'ids' | 'store'>,
  input: { id: string; action: ResolutionAction; reason: string; actor: string },
): Promise<ReconciliationExceptionRow> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  await ctx.store.transaction(async (tx) => {
    const exception = (await tx.getReconciliationException(input.id)) ?? throwNotFound('reconciliation exception', input.id);
    if (exception.status !== 'open') throw notOpen(exception);
    const transaction = resolutionTransaction(input.action, exception);
    const ledgerTransactionId = transaction === null ? null : ctx.ids.next('ledgerTransaction');
    const outcome = await tx.resolveReconciliationException({ id: input.id, action: input.action, reason: input.reason, actor: input.actor, at, ledgerTransactionId });
    // A concurrent resolution won: throwing rolls this one back whole.
    if (outcome === 'not_open') throw notOpen(exception);
    if (transaction !== null) await tx.postLedgerTransactions([{ id: ledgerTransactionId!, transaction, at, businessDate: businessDate(now) }]);
  });
  return (await ctx.store.getReconciliationException(input.id))!;
}

function notOpen(exception: ReconciliationExceptionRow): AppError {
  return new AppError('exception_not_open', exception.status === 'superseded'
    ? `Exception ${exception.id} belongs to a reconciliation a later run of its date replaced; resolve that run's exception instead.`
    : `Exception ${exception.id} is resolved already (${exception.resolution_action}).`);
}

function throwNotFound(what: string, id: string): never {
  throw notFound(what, id);
}
