import { type BusinessDate, fen, formatInstant, formatYuan, startOfBusinessDate } from '../../core/kernel/index.js';
import { mulberry32 } from './fault-table.js';
import type { DecidedEntry, SandboxStore } from './sandbox-store.js';

/**
 * A channel's statement of one business date (docs/statements.md, SPEC §15): every instruction
 * it decided that day, once, in CSV or camt.053.001.02, with totals — and, when a `statement`
 * fault is set, the discrepancies it injects. Written as a stream of chunks from pages of the
 * store, so that a million-line day never sits in memory as one string.
 */

export const DISCREPANCIES = ['missing', 'duplicate', 'amount', 'status', 'unknown'] as const;
export type Discrepancy = (typeof DISCREPANCIES)[number];

export interface StatementFault {
  channel: string;
  discrepancy: Discrepancy;
  /** Share of lines hit, 0–1. */
  rate: number;
  seed: number;
}

export type StatementFormat = 'csv' | 'camt053';

export interface StatementLine {
  channelReference: string;
  endToEndId: string;
  direction: 'debit' | 'credit';
  amountFen: number;
  status: 'succeeded' | 'failed';
  settledAtMs: number;
}

export interface StatementTotals {
  debit: { count: number; amountFen: number };
  credit: { count: number; amountFen: number };
}

/** Rows read from the store per page; a page is read whole, then written out. */
const PAGE_ROWS = 5_000;
/** Chunks handed to the response are about this size. */
const CHUNK_CHARS_MIN = 64 * 1024;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** `amount` discrepancies add this much: one fen, the smallest difference a reader must see. */
export const AMOUNT_DISCREPANCY_FEN = 1;

export const CSV_HEADER = 'record,channel,business_date,channel_reference,end_to_end_id,direction,amount,status,settled_at,count\n';

/**
 * Whether a discrepancy hits the line of `endToEndId`: a function of the line, the kind and the
 * fault's seed only, so that the same statement asked twice is the same and a test can predict
 * the set (`isHit` is exported for that).
 */
export function isHit(fault: Pick<StatementFault, 'discrepancy' | 'rate' | 'seed'>, endToEndId: string): boolean {
  if (fault.rate >= 1) return true;
  if (fault.rate <= 0) return false;
  let hash = 0x811c9dc5 ^ fault.seed;
  for (const byte of Buffer.from(`${fault.discrepancy}\u0000${endToEndId}`, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  // FNV-1a alone is poorly spread in its low bits; one mulberry32 step mixes it.
  return mulberry32(hash >>> 0)[0] < fault.rate;
}

/** The end_to_end_id of the line an `unknown` discrepancy adds after the line of `channelReference`. */
export function unknownEndToEndId(channelReference: string): string {
  return `unknown_${channelReference}`;
}

/**
 * The lines of one decided entry as served: none (`missing`), one, or more (`duplicate`,
 * `unknown`). Applied in a fixed order: missing drops the line; amount and status change it;
 * duplicate repeats the changed line; unknown adds a line daikou never sent right after it.
 */
export function linesOf(entry: StatementLine, faults: readonly StatementFault[]): StatementLine[] {
  const hits = new Set(faults.filter((fault) => isHit(fault, entry.endToEndId)).map((fault) => fault.discrepancy));
  const lines: StatementLine[] = [];
  if (!hits.has('missing')) {
    let line = entry;
    if (hits.has('amount')) line = { ...line, amountFen: line.amountFen + AMOUNT_DISCREPANCY_FEN };
    if (hits.has('status')) line = { ...line, status: line.status === 'succeeded' ? 'failed' : 'succeeded' };
    lines.push(line);
    if (hits.has('duplicate')) lines.push(line);
  }
  if (hits.has('unknown')) {
    // 'SBXU…' sorts after 'SBX0…': the added line keeps the order (settled_at, channel_reference).
    const channelReference = entry.channelReference.replace(/^SBX/, 'SBXU');
    lines.push({ ...entry, channelReference, endToEndId: unknownEndToEndId(entry.channelReference) });
  }
  return lines;
}

export interface StatementRequest {
  channel: string;
  date: BusinessDate;
  /** A decided entry settles this long after it was received (the sandbox's settle delay). */
  settleDelayMs: number;
  /** The statement's creation time (GrpHdr/CreDtTm) and cut-off: the end of the date, or now for today's. */
  createdAtMs: number;
  faults: readonly StatementFault[];
  referenceOf: (id: number) => string;
}

/** The served lines of the statement, page by page, in order. */
export function* statementLines(store: SandboxStore, request: StatementRequest): Generator<StatementLine[]> {
  const startMs = startOfBusinessDate(request.date).getTime();
  // settled_at = received_at + settle delay: the day's settled entries were received a delay
  // earlier. The statement ends at its creation time: today's lists what has settled by now (and
  // both passes of a camt.053 read the same lines, whatever arrives meanwhile).
  const fromMs = startMs - request.settleDelayMs;
  const toMs = Math.min(startMs + DAY_MS, request.createdAtMs + 1) - request.settleDelayMs;
  let after: { atMs: number; id: number } | null = null;
  for (;;) {
    const page: DecidedEntry[] = store.decidedPage(request.channel, fromMs, toMs, after, PAGE_ROWS);
    if (page.length === 0) return;
    const lines: StatementLine[] = [];
    for (const [id, endToEndId, amountFen, receivedAtMs, outcome, direction] of page) {
      const line: StatementLine = {
        channelReference: request.referenceOf(id),
        endToEndId,
        direction,
        amountFen,
        status: outcome === 'succeeded' ? 'succeeded' : 'failed',
        settledAtMs: receivedAtMs + request.settleDelayMs,
      };
      if (request.faults.length === 0) lines.push(line);
      else for (const served of linesOf(line, request.faults)) lines.push(served);
    }
    yield lines;
    const [lastId, , , lastAtMs] = page[page.length - 1]!;
    after = { atMs: lastAtMs, id: lastId };
    if (page.length < PAGE_ROWS) return;
  }
}

function emptyTotals(): StatementTotals {
  return { debit: { count: 0, amountFen: 0 }, credit: { count: 0, amountFen: 0 } };
}

function addToTotals(totals: StatementTotals, line: StatementLine): void {
  const side = totals[line.direction];
  side.count += 1;
  if (line.status === 'succeeded') side.amountFen += line.amountFen;
}

/** The totals over the lines as served (after injected discrepancies): one pass, page by page. */
export function statementTotals(store: SandboxStore, request: StatementRequest): StatementTotals {
  const totals = emptyTotals();
  for (const page of statementLines(store, request)) for (const line of page) addToTotals(totals, line);
  return totals;
}

/** The statement in the format asked, as chunks of text. */
export function statementChunks(store: SandboxStore, request: StatementRequest, format: StatementFormat): Generator<string> {
  return format === 'csv' ? csvChunks(store, request) : camt053Chunks(store, request);
}

// ---- CSV ----

/**
 * formatInstant, for instants in time order: the text up to the second is kept while the second
 * lasts (a busy channel decides many instructions a second), so a line costs a padStart, not a Date.
 */
export function instantFormatter(): (instantMs: number) => string {
  let second = Number.NaN;
  let prefix = '';
  return (instantMs) => {
    const instantSecond = Math.floor(instantMs / 1000);
    if (instantSecond !== second) {
      second = instantSecond;
      prefix = formatInstant(new Date(instantSecond * 1000)).slice(0, 'YYYY-MM-DDTHH:MM:SS.'.length);
    }
    return `${prefix}${String(instantMs - instantSecond * 1000).padStart(3, '0')}+08:00`;
  };
}

function* csvChunks(store: SandboxStore, request: StatementRequest): Generator<string> {
  const { channel, date } = request;
  const format = instantFormatter();
  const totals = emptyTotals();
  let chunk = CSV_HEADER;
  for (const page of statementLines(store, request)) {
    for (const line of page) {
      addToTotals(totals, line);
      chunk += `entry,${channel},${date},${line.channelReference},${csvField(line.endToEndId)},${line.direction},${line.amountFen},${line.status},${format(line.settledAtMs)},\n`;
      if (chunk.length >= CHUNK_CHARS_MIN) {
        yield chunk;
        chunk = '';
      }
    }
  }
  chunk += `total,${channel},${date},,,debit,${totals.debit.amountFen},,,${totals.debit.count}\n`;
  chunk += `total,${channel},${date},,,credit,${totals.credit.amountFen},,,${totals.credit.count}\n`;
  yield chunk;
}

/**
 * The channel takes any printable ASCII end_to_end_id (daikou's own never need it): one with a
 * comma or a quote is quoted as RFC 4180 says.
 */
function csvField(text: string): string {
  return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// ---- camt.053.001.02 ----

const CAMT053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02';
const MAX35 = 35;
const MAX34 = 34;

/** `<channel>-<date>`, the statement's and message's id; a channel id too long for Max35Text is cut. */
export function statementId(channel: string, date: string): string {
  return `${channel.slice(0, MAX35 - date.length - 1)}-${date}`;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const DIRECTION_INFO =
  'CdtDbtInd is the side of the instruction, as in the CSV statement: DBIT = the payer\'s account was debited (a collection), CRDT = the payee\'s account was credited (a payout or refund). Sts BOOK = succeeded, INFO = failed. Bal CLBD = succeeded collections less succeeded payouts.';

/**
 * Where a line's end_to_end_id goes. `Refs/EndToEndId` is Max35Text, and daikou's ids are 36
 * characters (`dbt_` and 32 hex digits): a cut id would name another instruction or none. So the
 * whole id is always in `RmtInf/Ustrd` (Max140Text; the channel takes ids of up to 128), and also
 * in `EndToEndId` when it fits — as the pain.002 writer does with long references.
 */
function endToEndIdXml(endToEndId: string): string {
  const id = escapeXml(endToEndId);
  const refs = endToEndId.length <= MAX35 ? `<Refs><EndToEndId>${id}</EndToEndId></Refs>` : '';
  return `${refs}<RmtInf><Ustrd>${id}</Ustrd></RmtInf>`;
}

function* camt053Chunks(store: SandboxStore, request: StatementRequest): Generator<string> {
  const { channel, date } = request;
  // TxsSummry comes before the entries in the schema: a first pass counts, a second writes.
  const totals = statementTotals(store, request);
  const id = escapeXml(statementId(channel, date));
  const createdAt = formatInstant(new Date(request.createdAtMs));
  const netFen = totals.debit.amountFen - totals.credit.amountFen;
  const format = instantFormatter();
  let chunk =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Document xmlns="${CAMT053_NAMESPACE}">\n` +
    '  <BkToCstmrStmt>\n' +
    `    <GrpHdr><MsgId>${id}</MsgId><CreDtTm>${createdAt}</CreDtTm></GrpHdr>\n` +
    '    <Stmt>\n' +
    `      <Id>${id}</Id>\n` +
    `      <CreDtTm>${createdAt}</CreDtTm>\n` +
    `      <Acct><Id><Othr><Id>${escapeXml(channel.slice(0, MAX34))}</Id></Othr></Id><Ccy>CNY</Ccy><Nm>${escapeXml(channel)}</Nm></Acct>\n` +
    `      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${date}</Dt></Dt></Bal>\n` +
    `      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">${formatYuan(fen(Math.abs(netFen)))}</Amt><CdtDbtInd>${netFen < 0 ? 'DBIT' : 'CRDT'}</CdtDbtInd><Dt><Dt>${date}</Dt></Dt></Bal>\n` +
    '      <TxsSummry>\n' +
    `        <TtlNtries><NbOfNtries>${totals.debit.count + totals.credit.count}</NbOfNtries></TtlNtries>\n` +
    `        <TtlCdtNtries><NbOfNtries>${totals.credit.count}</NbOfNtries><Sum>${formatYuan(fen(totals.credit.amountFen))}</Sum></TtlCdtNtries>\n` +
    `        <TtlDbtNtries><NbOfNtries>${totals.debit.count}</NbOfNtries><Sum>${formatYuan(fen(totals.debit.amountFen))}</Sum></TtlDbtNtries>\n` +
    '      </TxsSummry>\n';
  for (const page of statementLines(store, request)) {
    for (const line of page) {
      const debit = line.direction === 'debit';
      chunk +=
        '      <Ntry>' +
        `<Amt Ccy="CNY">${formatYuan(fen(line.amountFen))}</Amt>` +
        `<CdtDbtInd>${debit ? 'DBIT' : 'CRDT'}</CdtDbtInd>` +
        `<Sts>${line.status === 'succeeded' ? 'BOOK' : 'INFO'}</Sts>` +
        `<BookgDt><DtTm>${format(line.settledAtMs)}</DtTm></BookgDt>` +
        `<AcctSvcrRef>${escapeXml(line.channelReference)}</AcctSvcrRef>` +
        `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>${debit ? 'IDDT' : 'ICDT'}</Cd><SubFmlyCd>OTHR</SubFmlyCd></Fmly></Domn></BkTxCd>` +
        `<NtryDtls><TxDtls>${endToEndIdXml(line.endToEndId)}</TxDtls></NtryDtls>` +
        '</Ntry>\n';
      if (chunk.length >= CHUNK_CHARS_MIN) {
        yield chunk;
        chunk = '';
      }
    }
  }
  chunk += `      <AddtlStmtInf>${escapeXml(DIRECTION_INFO)}</AddtlStmtInf>\n` + '    </Stmt>\n' + '  </BkToCstmrStmt>\n' + '</Document>\n';
  yield chunk;
}

