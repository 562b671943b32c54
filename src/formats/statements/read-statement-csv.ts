import { parse } from 'csv-parse';
import { addToTotals, emptyTotals, STATEMENT_DIRECTIONS, STATEMENT_STATUSES, totalsDisagreement, type StatementDirection, type StatementLine, type StatementStatus, type StatementTotals } from '../../core/index.js';
import { StatementError, type StatementHead } from './statement-error.js';

export const STATEMENT_CSV_HEADER = ['record', 'channel', 'business_date', 'channel_reference', 'end_to_end_id', 'direction', 'amount', 'status', 'settled_at', 'count'] as const;

const AMOUNT = /^(0|[1-9]\d{0,15})$/;
/** An end_to_end_id or channel reference: printable ASCII, as daikou and the channels write them. */
const REFERENCE = /^[\x21-\x7e]{1,64}$/;

/**
 * Reads a CSV statement (docs/statements.md) as a stream, `chunkLines` entries at a time: entries
 * first, then exactly two totals, `debit` then `credit`. Checks each field, that every record
 * names the same channel and date (`head` holds them), and at the end that the totals agree
 * with the lines; throws StatementError otherwise. Returns the totals (as counted, which agree).
 */
export async function* readStatementCsv(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, chunkLines: number, head: StatementHead): AsyncGenerator<StatementLine[], StatementTotals> {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true });
  const feeding = (async () => {
    try {
      for await (const chunk of source) if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  const counted = emptyTotals();
  const stated: Partial<Record<StatementDirection, { count: number; amount: number }>> = {};
  let record = 0;
  let entries = 0;
  let chunk: StatementLine[] = [];
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      record += 1;
      const at = `record ${record}`;
      if (record === 1) {
        if (cells.join(',') !== STATEMENT_CSV_HEADER.join(',')) throw new StatementError('invalid_statement', `The header must be ${STATEMENT_CSV_HEADER.join(',')}.`);
        continue;
      }
      if (cells.length !== STATEMENT_CSV_HEADER.length) throw new StatementError('invalid_statement', `${at} has ${cells.length} fields, not ${STATEMENT_CSV_HEADER.length}.`);
      const [kind, channel, date, reference, endToEndId, direction, amountText, status, settledAt, count] = cells as [string, string, string, string, string, string, string, string, string, string];
      sameHead(head, channel, date, at);
      if (!(STATEMENT_DIRECTIONS as readonly string[]).includes(direction)) throw new StatementError('invalid_statement', `${at}: direction must be debit or credit.`);
      if (!AMOUNT.test(amountText)) throw new StatementError('invalid_statement', `${at}: amount must be integer fen.`);
      const amount = Number(amountText);
      if (kind === 'entry') {
        if (Object.keys(stated).length > 0) throw new StatementError('invalid_statement', `${at}: an entry after the totals.`);
        if (!REFERENCE.test(endToEndId)) throw new StatementError('invalid_statement', `${at}: end_to_end_id must be 1–64 printable ASCII characters.`);
        if (reference !== '' && !REFERENCE.test(reference)) throw new StatementError('invalid_statement', `${at}: channel_reference must be 1–64 printable ASCII characters.`);
        if (!(STATEMENT_STATUSES as readonly string[]).includes(status)) throw new StatementError('invalid_statement', `${at}: status must be succeeded or failed.`);
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
        if (stated.credit !== undefined || direction !== expected) throw new StatementError('invalid_statement', `${at}: the totals are one debit, then one credit.`);
        if (!AMOUNT.test(count)) throw new StatementError('invalid_statement', `${at}: count must be a whole number.`);
        stated[expected] = { count: Number(count), amount };
      } else {
        throw new StatementError('invalid_statement', `${at}: record must be entry or total.`);
      }
    }
  } catch (error) {
    if (error instanceof StatementError) throw error;
    throw new StatementError('invalid_statement', `The CSV cannot be read after record ${record}: ${(error as Error).message}`);
  } finally {
    await feeding;
  }
  if (record === 0) throw new StatementError('invalid_statement', 'The statement is empty.');
  if (stated.debit === undefined || stated.credit === undefined) throw new StatementError('invalid_statement', 'The statement ends without its two totals (debit, then credit).');
  const disagreement = totalsDisagreement({ debit: stated.debit, credit: stated.credit }, counted);
  if (disagreement !== null) throw new StatementError('totals_mismatch', disagreement);
  if (chunk.length > 0) yield chunk;
  return counted;
}

/** Every record names one channel and date: the first sets them. */
export function sameHead(head: StatementHead, channel: string, date: string, at: string): void {
  if (head.channel === null) head.channel = channel;
  if (head.businessDate === null) head.businessDate = date;
  if (channel !== head.channel || date !== head.businessDate) throw new StatementError('statement_mismatch', `${at} names ${channel} on ${date}, but the statement began with ${head.channel} on ${head.businessDate}.`);
}
