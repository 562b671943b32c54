import { addToTotals, emptyTotals, STATEMENT_DIRECTIONS, STATEMENT_STATUSES, totalsDisagreement, type StatementDirection, type StatementLine, type StatementStatus, type StatementTotals } from '../../core/index.js';
import { StatementError, type StatementHead } from './statement-error.js';

export const STATEMENT_CSV_HEADER = ['record', 'channel', 'business_date', 'channel_reference', 'end_to_end_id', 'direction', 'amount', 'status', 'settled_at', 'count'] as const;

const AMOUNT = /^(0|[1-9]\d{0,15})$/;
/** An end_to_end_id or channel reference: printable ASCII, as daikou and the channels write them. */
const REFERENCE = /^[\x21-\x7e]{1,64}$/;

/**
 * The records of a CSV text stream (RFC 4180: fields in double quotes may hold commas, quotes
 * doubled and line ends), empty lines skipped, a BOM and `\r\n` line ends allowed. Written here
 * rather than with csv-parse, which took 6 times as long over a million statement lines: a line
 * without a quote (every line of a statement daikou's channels write) is split on commas directly.
 */
export async function* csvRecords(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<string[]> {
  for await (const lines of csvLines(source)) {
    for (const line of lines) {
      const record = recordOf(line);
      if (record !== null) yield record;
    }
  }
}

/**
 * The text of each record, not split yet (`recordOf` splits it), as many as each chunk of the
 * source completes at a time: one await per chunk, not per record (at a million records, a
 * generator step per record cost more than splitting them).
 */
async function* csvLines(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let first = true;
  for await (const chunk of source) {
    let text = pending + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines: string[] = [];
    let start = 0;
    // Where the next quote is: a line that ends before it has none, and is a record as it is.
    let quote = text.indexOf('"');
    for (;;) {
      let end = text.indexOf('\n', start);
      if (end < 0) break;
      if (quote >= 0 && quote < end) {
        // A quoted field may run on past a line end: the record ends at the first line end after its quotes close.
        while (end >= 0 && !quotesClosed(text.slice(start, end))) end = text.indexOf('\n', end + 1);
        if (end < 0) break;
        quote = text.indexOf('"', end);
      }
      lines.push(text.slice(start, end));
      start = end + 1;
    }
    pending = text.slice(start);
    if (lines.length > 0) yield lines;
  }
  pending += decoder.decode();
  // The last record may lack its line end; a quote still open there is a broken file.
  const lines: string[] = [];
  let start = 0;
  while (start < pending.length) {
    let end = pending.indexOf('\n', start);
    while (end >= 0 && !quotesClosed(pending.slice(start, end))) end = pending.indexOf('\n', end + 1);
    if (end < 0) end = pending.length;
    const line = pending.slice(start, end);
    if (!quotesClosed(line)) {
      yield lines;
      throw new StatementError('invalid_statement', 'The CSV ends inside a quoted field.');
    }
    lines.push(line);
    start = end + 1;
  }
  if (lines.length > 0) yield lines;
}

function quotesClosed(text: string): boolean {
  if (!text.includes('"')) return true;
  let quotes = 0;
  for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', at + 1)) quotes += 1;
  return quotes % 2 === 0;
}

/** One record's fields, or null for an empty line. */
function recordOf(raw: string): string[] | null {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line === '') return null;
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (line[at] === '"') {
      let value = '';
      let from = at + 1;
      for (;;) {
        const quote = line.indexOf('"', from);
        if (quote < 0) throw new StatementError('invalid_statement', 'A quoted field is not closed.');
        value += line.slice(from, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          from = quote + 2;
          continue;
        }
        at = quote + 1;
        break;
      }
      fields.push(value);
      if (at === line.length) return fields;
      if (line[at] !== ',') throw new StatementError('invalid_statement', 'A quoted field is followed by more than a comma.');
      at += 1;
    } else {
      const comma = line.indexOf(',', at);
      const field = comma < 0 ? line.slice(at) : line.slice(at, comma);
      if (field.includes('"')) throw new StatementError('invalid_statement', 'A quote inside a field that does not start with one.');
      fields.push(field);
      if (comma < 0) return fields;
      at = comma + 1;
    }
  }
}

/**
 * Reads a CSV statement (docs/statements.md) as a stream, `chunkLines` entries at a time: entries
 * first, then exactly two totals, `debit` then `credit`. Checks each field, that every record
 * names the same channel and date (`head` holds them), and at the end that the totals agree
 * with the lines; throws StatementError otherwise. Returns the totals (as counted, which agree).
 */
export async function* readStatementCsv(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, chunkLines: number, head: StatementHead): AsyncGenerator<StatementLine[], StatementTotals> {
  const counted = emptyTotals();
  const stated: Partial<Record<StatementDirection, { count: number; amount: number }>> = {};
  let record = 0;
  let entries = 0;
  let chunk: StatementLine[] = [];
  // `entry,<channel>,<date>,` once the first record named them: what every entry line begins with.
  let prefix: string | null = null;
  try {
    for await (const texts of csvLines(source)) {
      for (const text of texts) {
        if (prefix !== null && stated.debit === undefined && text.startsWith(prefix)) {
          const line = plainEntry(text, prefix.length, entries + 1);
          if (line !== null) {
            record += 1;
            entries += 1;
            addToTotals(counted, line);
            chunk.push(line);
            if (chunk.length >= chunkLines) {
              yield chunk;
              chunk = [];
            }
            continue;
          }
        }
        const cells = recordOf(text);
        if (cells === null) continue;
        record += 1;
        if (record === 1) {
          if (cells.join(',') !== STATEMENT_CSV_HEADER.join(',')) throw new StatementError('invalid_statement', `The header must be ${STATEMENT_CSV_HEADER.join(',')}.`);
          continue;
        }
        if (cells.length !== STATEMENT_CSV_HEADER.length) throw new StatementError('invalid_statement', `record ${record} has ${cells.length} fields, not ${STATEMENT_CSV_HEADER.length}.`);
        const [kind, channel, date, reference, endToEndId, direction, amountText, status, settledAt, count] = cells as [string, string, string, string, string, string, string, string, string, string];
        if (channel !== head.channel || date !== head.businessDate) {
          sameHead(head, channel, date, `record ${record}`);
          prefix = PLAIN.test(channel) && PLAIN.test(date) ? `entry,${channel},${date},` : null;
        }
        if (!(STATEMENT_DIRECTIONS as readonly string[]).includes(direction)) throw new StatementError('invalid_statement', `record ${record}: direction must be debit or credit.`);
        const amount = Number(amountText);
        // The pattern alone lets 16 digits through: past 2^53 a Number is no longer the fen written.
        if (!AMOUNT.test(amountText) || !Number.isSafeInteger(amount)) throw new StatementError('invalid_statement', `record ${record}: amount must be integer fen.`);
        if (kind === 'entry') {
          if (stated.debit !== undefined || stated.credit !== undefined) throw new StatementError('invalid_statement', `record ${record}: an entry after the totals.`);
          if (!REFERENCE.test(endToEndId)) throw new StatementError('invalid_statement', `record ${record}: end_to_end_id must be 1–64 printable ASCII characters.`);
          if (reference !== '' && !REFERENCE.test(reference)) throw new StatementError('invalid_statement', `record ${record}: channel_reference must be 1–64 printable ASCII characters.`);
          if (!(STATEMENT_STATUSES as readonly string[]).includes(status)) throw new StatementError('invalid_statement', `record ${record}: status must be succeeded or failed.`);
          entries += 1;
          const line: StatementLine = { line: entries, channel_reference: reference === '' ? null : reference, end_to_end_id: endToEndId, direction: direction as StatementDirection, amount, status: status as StatementStatus, settled_at: settledAt === '' ? null : settledAt };
          addToTotals(counted, line);
          chunk.push(line);
          if (chunk.length >= chunkLines) {
            yield chunk;
            chunk = [];
          }
        } else if (kind === 'total') {
          const expected: StatementDirection = stated.debit === undefined ? 'debit' : 'credit';
          if (stated.credit !== undefined || direction !== expected) throw new StatementError('invalid_statement', `record ${record}: the totals are one debit, then one credit.`);
          if (!AMOUNT.test(count) || !Number.isSafeInteger(Number(count))) throw new StatementError('invalid_statement', `record ${record}: count must be a whole number.`);
          stated[expected] = { count: Number(count), amount };
        } else {
          throw new StatementError('invalid_statement', `record ${record}: record must be entry or total.`);
        }
      }
    }
  } catch (error) {
    if (error instanceof StatementError) throw error;
    throw new StatementError('invalid_statement', `The CSV cannot be read after record ${record}: ${(error as Error).message}`);
  }
  if (record === 0) throw new StatementError('invalid_statement', 'The statement is empty.');
  if (stated.debit === undefined || stated.credit === undefined) throw new StatementError('invalid_statement', 'The statement ends without its two totals (debit, then credit).');
  const disagreement = totalsDisagreement({ debit: stated.debit, credit: stated.credit }, counted);
  if (disagreement !== null) throw new StatementError('totals_mismatch', disagreement);
  if (chunk.length > 0) yield chunk;
  return counted;
}

/** A channel or date that a line can begin with as it is, unquoted. */
const PLAIN = /^[^",\r\n]*$/;

/**
 * An entry line as every channel writes it — no quote, no `\r`, the statement's channel and date,
 * `from` just after them — read in place: the fields checked and taken without splitting the
 * line, the direction and status as the constants they equal. Null for anything else, valid or
 * not: the general reader then reads it, and says what is wrong. It accepts exactly the entries
 * that the general reader accepts with these fields, as the same line
 * (`test/formats/statement-csv.test.ts` checks both against csv-parse).
 */
function plainEntry(text: string, from: number, number: number): StatementLine | null {
  if (text.includes('"') || text.endsWith('\r')) return null;
  let at = from;
  let comma = text.indexOf(',', at);
  if (comma < 0) return null;
  const reference = comma === at ? null : text.slice(at, comma);
  if (reference !== null && !REFERENCE.test(reference)) return null;
  at = comma + 1;
  comma = text.indexOf(',', at);
  if (comma < 0) return null;
  const endToEndId = text.slice(at, comma);
  if (!REFERENCE.test(endToEndId)) return null;
  at = comma + 1;
  let direction: StatementDirection;
  if (text.startsWith('debit,', at)) direction = 'debit';
  else if (text.startsWith('credit,', at)) direction = 'credit';
  else return null;
  at += direction.length + 1;
  // The amount's digits, as AMOUNT reads them: 0, or 1–16 digits without a leading zero, below 2^53.
  let amount = 0;
  let digits = 0;
  for (; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code < 48 || code > 57) break;
    if (digits === 1 && amount === 0) return null;
    amount = amount * 10 + (code - 48);
    digits += 1;
  }
  if (digits === 0 || digits > 16 || !Number.isSafeInteger(amount) || text.charCodeAt(at) !== 44) return null;
  at += 1;
  let status: StatementStatus;
  if (text.startsWith('succeeded,', at)) status = 'succeeded';
  else if (text.startsWith('failed,', at)) status = 'failed';
  else return null;
  at += status.length + 1;
  comma = text.indexOf(',', at);
  // The settled_at field, then the count (left as it is in an entry) and no eleventh field.
  if (comma < 0 || text.indexOf(',', comma + 1) >= 0) return null;
  const settledAt = comma === at ? null : text.slice(at, comma);
  return { line: number, channel_reference: reference, end_to_end_id: endToEndId, direction, amount, status, settled_at: settledAt };
}

/** Every record names one channel and date: the first sets them. */
export function sameHead(head: StatementHead, channel: string, date: string, at: string): void {
  if (head.channel === null) head.channel = channel;
  if (head.businessDate === null) head.businessDate = date;
  if (channel !== head.channel || date !== head.businessDate) throw new StatementError('statement_mismatch', `${at} names ${channel} on ${date}, but the statement began with ${head.channel} on ${head.businessDate}.`);
}
