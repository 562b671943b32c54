import { setImmediate } from 'node:timers/promises';
import { parse } from 'csv-parse';
import { invariant } from '../core/index.js';
import { Pain008ReadError, readPain001, readPain008 } from '../formats/iso20022/index.js';
import { GbToUtf8Decoder, TextEncodingError, type FileEncoding } from '../formats/text-encodings.js';
import { Utf8Validator } from '../formats/utf8-validator.js';
import { batchError, BatchFileError, type BatchError, type BatchRowCode } from './batch-errors.js';
import { BatchFileUnreadable } from './batch-file-store.js';
import type { AppContext } from './context.js';
import type { BatchRow } from './ports.js';

/*
 * Reading a stored batch file's rows, per format (CSV in UTF-8, GBK or GB18030; pain.008), as
 * records with the CSV column names. Any reason the file cannot be read on is a BatchFileError.
 */

/**
 * A CSV row (and a pain.008 text, see PAIN008_STALL_UNITS_MAX) is at most this long: a longer one
 * fails the file, since the parser cannot find where the row ends without holding it. Memory stays
 * flat however long a field someone sends.
 */
export const CSV_ROW_BYTES_MAX = 64 * 1024;

export type CsvRecord = Record<string, string | undefined>;

/** Why a row is refused before its debit is decided: the CSV column, a code, and a sentence naming the field as the file does. */
export interface RowProblem {
  column: string;
  code: BatchRowCode;
  message: string;
}

/**
 * A row read from a batch file: its CSV-named fields, how the file names them (pain.008 paths;
 * CSV columns are their own names), and a problem with the row's shape found while reading.
 */
export interface FileRow {
  row: number;
  record: CsvRecord;
  names?: Readonly<Record<string, string>>;
  problem?: RowProblem;
}

/**
 * Where each field of a pain.008 row sits in the file (SPEC §11): a rejected row names the path,
 * so that the sender finds it in the file they have (`DrctDbtTxInf/InstdAmt/@Ccy`, not
 * `amount_yuan`).
 */
const PAIN008_NAMES: Readonly<Record<string, string>> = {
  reference: 'DrctDbtTxInf/PmtId/EndToEndId',
  mandate_id: 'DrctDbtTxInf/DrctDbtTx/MndtRltdInf/MndtId',
  account_number: 'DrctDbtTxInf/DbtrAcct/Id/Othr/Id',
  amount_yuan: 'DrctDbtTxInf/InstdAmt',
  currency: 'DrctDbtTxInf/InstdAmt/@Ccy',
  holder_name: 'DrctDbtTxInf/Dbtr/Nm',
  description: 'DrctDbtTxInf/RmtInf/Ustrd',
};

/** Where each field of a pain.001 row sits (SPEC §14); `account_kind` is told by `Cdtr/Id` (OrgId: corporate). */
const PAIN001_NAMES: Readonly<Record<string, string>> = {
  reference: 'CdtTrfTxInf/PmtId/EndToEndId',
  account_number: 'CdtTrfTxInf/CdtrAcct/Id/Othr/Id',
  amount_yuan: 'CdtTrfTxInf/Amt/InstdAmt',
  currency: 'CdtTrfTxInf/Amt/InstdAmt/@Ccy',
  holder_name: 'CdtTrfTxInf/Cdtr/Nm',
  account_kind: 'CdtTrfTxInf/Cdtr/Id',
  bank_code: 'CdtTrfTxInf/CdtrAgt/FinInstnId/Othr/Id',
  description: 'CdtTrfTxInf/RmtInf/Ustrd',
};

/**
 * The plaintext of a batch's stored file, piece by piece, each verified before it is used (the
 * store's encryption does that). A missing or altered file is a BatchFileError: reading it again
 * would not help.
 */
async function* plaintextOf(ctx: AppContext, batchId: string): AsyncGenerator<Buffer> {
  try {
    for await (const piece of ctx.batchFiles.open(batchId)) {
      yield piece;
      // A turn for the event loop per piece (64 KiB), as reading a file from disk gave: the
      // database's driver may be synchronous (SQLite), and the API must not wait for a whole chunk
      // of rows to be read and parsed.
      await setImmediate();
    }
  } catch (error) {
    if (error instanceof BatchFileUnreadable) throw new BatchFileError(batchError('file_unreadable', error.message, { byte_offset: error.byteOffset }));
    throw error;
  }
}

/**
 * A batch file's rows as records with the CSV column names, numbered from 1. pain.008 maps as
 * SPEC §11 says; its MndtId names the mandate by daikou id or by agreement number (resolved
 * per chunk), and an amount in another currency than CNY is refused on its row. Any reason the
 * file cannot be read on is a BatchFileError, after the rows before it.
 */
export async function* readRecords(ctx: AppContext, batch: BatchRow): AsyncGenerator<FileRow> {
  if (batch.format === 'csv') {
    const encoding = batch.encoding as FileEncoding;
    if (encoding === 'utf-8') {
      yield* readCsvRecords(plaintextOf(ctx, batch.id));
      return;
    }
    const decoder = new GbToUtf8Decoder(encoding);
    yield* readCsvRecords(decodedToUtf8(plaintextOf(ctx, batch.id), decoder), (offset) => decoder.fileOffsetOf(offset));
    return;
  }
  try {
    if (batch.format === 'pain.001') {
      for await (const { row, record } of readPain001(plaintextOf(ctx, batch.id))) {
        yield {
          row,
          names: PAIN001_NAMES,
          record: {
            reference: record.reference,
            account_number: record.account_number,
            amount_yuan: record.amount_yuan,
            currency: record.currency,
            holder_name: record.holder_name,
            // A payee identified as an organisation is paid to a corporate account; any other (a
            // private person, or no identification) to a personal one.
            account_kind: record.creditor_organisation !== undefined ? 'corporate' : 'personal',
            bank_code: record.bank_code,
            description: record.description,
          },
        };
      }
      return;
    }
    for await (const { row, record } of readPain008(plaintextOf(ctx, batch.id))) {
      yield {
        row,
        names: PAIN008_NAMES,
        record: {
          reference: record.reference,
          mandate_ref: record.mandate_ref,
          account_number: record.account_number,
          amount_yuan: record.amount_yuan,
          currency: record.currency,
          holder_name: record.holder_name,
          description: record.description,
        },
      };
    }
  } catch (error) {
    if (!(error instanceof Pain008ReadError)) throw error;
    const code = /not valid UTF-8/.test(error.detail) ? 'invalid_utf8' : 'invalid_xml';
    throw new BatchFileError(
      batchError(code, `The file cannot be read past line ${error.line}, column ${error.column}${error.row === null ? '' : ` (transaction ${error.row})`}: ${error.detail}`, {
        row: error.row,
        column: error.field,
        line: error.line,
        byte_offset: error.byteOffset,
      }),
    );
  }
}

/**
 * A GBK or GB18030 file's plaintext as UTF-8, every byte checked (the upload checked it too; a file
 * stored before that check, or a validator that changed, is caught here, never read as garbage).
 */
async function* decodedToUtf8(plaintext: AsyncIterable<Buffer>, decoder: GbToUtf8Decoder): AsyncGenerator<Buffer> {
  try {
    for await (const segment of plaintext) yield decoder.write(segment);
    decoder.end();
  } catch (error) {
    if (!(error instanceof TextEncodingError)) throw error;
    throw new BatchFileError(batchError('invalid_encoding', error.message, { byte_offset: error.byteOffset }));
  }
}

/** What csv-parse's parser does underneath its stream: fed by hand, it answers at once. */
interface CsvParserApi {
  parse(input: Buffer | undefined, end: boolean, push: (parsed: { record: CsvRecord; info: { index: number; bytes: number } }) => void, close: () => void): Error | undefined;
  info: { bytes: number; lines: number; records: number };
}

/** A record as a parser gives it, and how many cells its row had. */
interface ParsedRecord {
  record: CsvRecord;
  cells: number;
}

/** Where a parser stands, for an error: the row being read (null in the header), its line, and the byte where it starts. */
interface CsvPlace {
  row: number | null;
  line: number;
  byte_offset: number | null;
}

/**
 * A line longer than this many UTF-16 units is left to csv-parse, which measures it against
 * CSV_ROW_BYTES_MAX and refuses it as it always did (a unit is at most 3 bytes of UTF-8).
 */
const IN_PLACE_LINE_UNITS_MAX = CSV_ROW_BYTES_MAX / 4;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * csv-parse driven through its synchronous core (`Parser.api`, which its stream wraps) so that a
 * chunk's records and any error come back as the chunk is fed. `from` is where in the file it
 * starts: at the top (it reads the header), or after the rows read in place (the header's
 * columns given), whose counts its own are added to. A csv-parse that renamed `api` would fail
 * every CSV batch at once, and the tests with it.
 */
function generalCsvParser(from: { columns: string[] | null; records: number; lines: number; bytes: number; recordsEnd: number; crlf: boolean }, fileOffsetOf: (offset: number) => number | null) {
  /** Where the header ends, once read: csv-parse counts `bytes_records` from the first data row on. */
  let headerBytes: number | null = from.columns === null ? null : 0;
  let columns = from.columns;
  /**
   * Where the last record read ends, as its own `info.bytes` says (csv-parse's `bytes_records`
   * adds up running totals, and points past the file from the second row on).
   */
  let recordsEnd = 0;
  const parser = parse({
    columns:
      from.columns ??
      ((header: string[]) => {
        headerBytes = api?.info.bytes ?? 0;
        columns = header.map((c) => c.trim());
        return columns;
      }),
    bom: from.columns === null,
    // After lines read in place, the record delimiter is known: csv-parse takes the first line end
    // it meets as the file's, which was the header's (LF, or CRLF).
    ...(from.columns === null ? {} : { record_delimiter: from.crlf ? '\r\n' : '\n' }),
    // A row with another number of cells than the header is refused on its own (rowShape), not
    // the whole file: the rest of the file is still well-formed CSV.
    relax_column_count: true,
    // With each record, how many cells it had (`info.index`).
    info: true,
    skip_empty_lines: true,
    trim: false,
    max_record_size: CSV_ROW_BYTES_MAX,
  }) as unknown as { api?: CsvParserApi };
  const api = parser.api as CsvParserApi;
  invariant(api !== undefined && typeof api.parse === 'function', 'csv-parse no longer exposes its parser core as `api`');
  const where = (): CsvPlace => ({
    row: headerBytes === null ? null : from.records + api.info.records + 1,
    line: from.lines + api.info.lines,
    byte_offset: fileOffsetOf(headerBytes === null ? 0 : api.info.records === 0 ? (from.columns === null ? from.bytes + headerBytes : from.recordsEnd) : from.bytes + recordsEnd),
  });
  return {
    where,
    /** The header's columns, once read. */
    columns: () => columns,
    /** Feeds `input` (or the end), pushing each record; an error names where it stands. */
    feed(input: Buffer | undefined, end: boolean, out: ParsedRecord[]): BatchError | null {
      const error = api.parse(
        input,
        end,
        ({ record, info }) => {
          recordsEnd = info.bytes;
          out.push({ record, cells: info.index });
        },
        () => undefined,
      ) as (Error & { code?: string; column?: string | number | null }) | undefined;
      if (error === undefined) return null;
      const column = typeof error.column === 'string' ? error.column : null;
      const at = { ...where(), column };
      if (error.code === 'CSV_MAX_RECORD_SIZE') {
        return batchError('row_too_long', `Row ${at.row ?? 'the header'} (line ${at.line}) is longer than ${CSV_ROW_BYTES_MAX / 1024} KiB; the file cannot be read past it.`, at);
      }
      // csv-parse's message quotes the field's value: only its code and place are kept.
      return batchError('invalid_csv', `The CSV cannot be read past row ${at.row ?? 'the header'} (line ${at.line}${column === null ? '' : `, column ${column}`}): ${csvProblem(error.code)}`, at);
    },
  };
}

/**
 * Reads CSV lines in place while they are simple — ended as the header is (LF, or CRLF as Excel
 * writes them), with no quote and no other CR or LF, not long — which is how programs write batch
 * files: a line is split on its commas, with no parser in between. The first line that is not simple, and everything after it, goes to
 * csv-parse (generalCsvParser), told where the file stands, so that every record, problem and
 * error is as csv-parse alone gives it (test/app/batches-csv-in-place.test.ts checks that).
 */
class InPlaceCsv {
  columns: string[] | null = null;
  records = 0;
  /** Lines read whole (each ended by LF, or CRLF). */
  lines = 0;
  /** Bytes of the file read: every line before `pending`. */
  bytes = 0;
  /** Where the last record (or the header) ends: where csv-parse places an error in the next row. */
  recordsEnd = 0;
  /**
   * Whether lines end with CRLF rather than LF, as the file's first line does (csv-parse takes the
   * first line end it meets as the file's record delimiter); null until that line is seen.
   */
  crlf: boolean | null = null;
  #pending: Buffer | null = null;
  #started = false;

  /**
   * Reads the simple lines of `segment` (after what was held back): pushes their records, holds
   * back a line not ended yet, and returns the rest of the input from the first line that is not
   * simple — null while every line was.
   */
  read(segment: Buffer, out: ParsedRecord[]): Buffer | null {
    let input = this.#pending === null ? segment : Buffer.concat([this.#pending, segment]);
    this.#pending = null;
    if (!this.#started) {
      if (input.length < BOM.length && BOM.subarray(0, input.length).equals(input)) {
        this.#pending = input;
        return null;
      }
      this.#started = true;
      if (input.subarray(0, BOM.length).equals(BOM)) {
        input = input.subarray(BOM.length);
        this.bytes += BOM.length;
      }
    }
    const lastEnd = input.lastIndexOf(LF);
    if (this.crlf === null && this.columns === null) {
      const firstEnd = input.indexOf(LF);
      if (firstEnd >= 0) this.crlf = firstEnd > 0 && input[firstEnd - 1] === CR;
    }
    // The first byte that makes its line not simple: a quote, a CR (CRLF files: a CR not before
    // an LF, or an LF not after a CR), or the start of an unended line already too long to hold.
    let stop = input.length;
    const quote = input.indexOf(QUOTE);
    if (quote >= 0) stop = quote;
    const lineEnd = this.crlf === true ? firstBareLineEnd(input, stop) : input.indexOf(CR);
    if (lineEnd >= 0 && lineEnd < stop) stop = lineEnd;
    if (input.length - (lastEnd + 1) > IN_PLACE_LINE_UNITS_MAX) stop = Math.min(stop, lastEnd + 1);
    // Where the simple lines end: before the line that holds `stop`.
    // (`stop` may be a bare LF: its line starts after the LF before it.)
    const simpleEnd = stop > lastEnd ? lastEnd + 1 : stop === 0 ? 0 : input.lastIndexOf(LF, stop - 1) + 1;
    const at = simpleEnd > 0 ? this.#readLines(input, simpleEnd, out) : 0;
    if (at < simpleEnd) return input.subarray(at);
    if (stop < input.length) return input.subarray(simpleEnd);
    this.#pending = lastEnd + 1 < input.length ? Buffer.from(input.subarray(lastEnd + 1)) : null;
    return null;
  }

  /** The line held back at the end of the file (not ended by LF), for csv-parse to read. */
  end(): Buffer | null {
    const rest = this.#pending;
    this.#pending = null;
    return rest;
  }

  /** Reads the lines of input[0, end) — all simple but maybe long — and returns where it stopped: `end`, or the start of a long line or an unreadable header. */
  #readLines(input: Buffer, end: number, out: ParsedRecord[]): number {
    const text = input.toString('utf8', 0, end);
    let from = 0;
    /** Where in `text` the last record read here ends (0: none). */
    let recordEnd = 0;
    const advance = (read: number) => {
      if (recordEnd > 0) this.recordsEnd = this.bytes + (recordEnd === from ? read : Buffer.byteLength(text.slice(0, recordEnd)));
      this.bytes += read;
      return read;
    };
    for (let lineEnd = text.indexOf('\n'); lineEnd >= 0; lineEnd = text.indexOf('\n', from)) {
      if (lineEnd - from > IN_PLACE_LINE_UNITS_MAX) return advance(Buffer.byteLength(text.slice(0, from)));
      const line = text.slice(from, this.crlf === true ? lineEnd - 1 : lineEnd);
      const columns = this.columns;
      if (columns === null) {
        const header = line.split(',').map((column) => column.trim());
        // An empty header line, or an empty column name: csv-parse says what it makes of it.
        if (header.some((column) => column === '')) return 0;
        this.columns = header;
        this.recordsEnd = this.bytes + Buffer.byteLength(text.slice(0, lineEnd + 1));
      } else if (line !== '') {
        const cells = line.split(',');
        const record: CsvRecord = {};
        const width = Math.min(cells.length, columns.length);
        for (let i = 0; i < width; i += 1) record[columns[i]!] = cells[i];
        out.push({ record, cells: cells.length });
        this.records += 1;
        recordEnd = lineEnd + 1;
      }
      this.lines += 1;
      from = lineEnd + 1;
    }
    return advance(end);
  }
}

/**
 * In a file whose lines end with CRLF: the first CR not followed by LF, or LF not after a CR,
 * before `before` (-1: none). A CR that ends the input may yet be followed by an LF: not counted.
 */
function firstBareLineEnd(input: Buffer, before: number): number {
  let first = -1;
  for (let cr = input.indexOf(CR); cr >= 0 && cr < before; cr = input.indexOf(CR, cr + 1)) {
    if (cr + 1 < input.length && input[cr + 1] !== LF) {
      first = cr;
      break;
    }
  }
  const end = first < 0 ? before : first;
  for (let lf = input.indexOf(LF); lf >= 0 && lf < end; lf = input.indexOf(LF, lf + 1)) {
    if (lf === 0 || input[lf - 1] !== CR) return lf;
  }
  return first;
}

/**
 * Parses CSV from verified plaintext segments: simple lines in place (InPlaceCsv), the rest with
 * csv-parse. The rows before an error are yielded, and the error says exactly where it stands.
 * `inPlace: false` reads the whole file with csv-parse (tests compare the two).
 */
export async function* readCsvRecords(
  plaintext: AsyncIterable<Buffer>,
  fileOffsetOf: (offset: number) => number | null = (offset) => offset,
  options: { inPlace?: boolean } = {},
): AsyncGenerator<FileRow> {
  const inPlace = options.inPlace === false ? null : new InPlaceCsv();
  let general: ReturnType<typeof generalCsvParser> | null = inPlace === null ? generalCsvParser({ columns: null, records: 0, lines: 0, bytes: 0, recordsEnd: 0, crlf: false }, fileOffsetOf) : null;
  const utf8 = new Utf8Validator();
  let records: ParsedRecord[] = [];
  let row = 0;
  const where = (): CsvPlace =>
    general !== null ? general.where()
    : inPlace!.columns === null ? { row: null, line: inPlace!.lines + 1, byte_offset: fileOffsetOf(0) }
    : { row: inPlace!.records + 1, line: inPlace!.lines + 1, byte_offset: fileOffsetOf(inPlace!.recordsEnd) };
  /** Reads `input` (or the end): in place while it can, then with csv-parse from where that stopped. */
  const feed = (input: Buffer | undefined, end: boolean): BatchError | null => {
    if (general === null) {
      const rest = input === undefined ? null : inPlace!.read(input, records);
      const tail = rest ?? (end ? inPlace!.end() : null);
      if (tail === null && !end) return null;
      general = generalCsvParser({ columns: inPlace!.columns, records: inPlace!.records, lines: inPlace!.lines, bytes: inPlace!.bytes, recordsEnd: inPlace!.recordsEnd, crlf: inPlace!.crlf === true }, fileOffsetOf);
      if (tail !== null) {
        const failure = general.feed(tail, false, records);
        if (failure !== null || !end) return failure;
      }
    }
    return general.feed(end ? undefined : input, end, records);
  };
  function* drain(): Generator<FileRow> {
    const taken = records;
    records = [];
    const columns = inPlace?.columns ?? general?.columns() ?? [];
    for (const { record, cells } of taken) {
      row += 1;
      const problem = rowShape(columns, cells);
      yield problem === null ? { row, record } : { row, record, problem };
    }
  }
  for await (const segment of plaintext) {
    const bad = utf8.check(segment);
    if (bad < 0) {
      const failure = feed(segment, false);
      yield* drain();
      if (failure !== null) throw new BatchFileError(failure);
      continue;
    }
    // The lines before the bad byte are read as if the file ended there (csv-parse holds back
    // the end of what it is given until it knows more): their rows stand, and the row count says
    // which row holds the bad byte.
    const valid = segment.subarray(0, Math.max(0, bad - (utf8.offset - segment.length)));
    const failure = feed(valid.subarray(0, valid.lastIndexOf(0x0a) + 1), false) ?? feed(undefined, true);
    yield* drain();
    if (failure !== null) throw new BatchFileError(failure);
    const at = where();
    throw new BatchFileError(batchError('invalid_utf8', `The file is not valid UTF-8 at byte ${bad} (row ${at.row ?? 'the header'}, line ${at.line}): save it as UTF-8.`, { ...at, byte_offset: bad }));
  }
  const incomplete = utf8.end();
  const failure = feed(undefined, true);
  yield* drain();
  if (failure !== null) throw new BatchFileError(failure);
  if (incomplete >= 0) throw new BatchFileError(batchError('invalid_utf8', `The file ends in the middle of a UTF-8 character at byte ${incomplete}.`, { ...where(), byte_offset: incomplete }));
}

/** A row with fewer or more cells than the header: refused on its own, naming what is missing or extra. */
function rowShape(columns: readonly string[], cells: number): RowProblem | null {
  if (cells < columns.length) {
    const missing = columns.slice(cells);
    return { column: missing[0]!, code: 'row_too_short', message: `The row is short: it has ${cells} cell${cells === 1 ? '' : 's'} where the header has ${columns.length}; it lacks ${missing.join(', ')}.` };
  }
  if (cells > columns.length) {
    return { column: `column ${columns.length + 1}`, code: 'extra_column', message: `The row has ${cells} cells where the header has ${columns.length}: a cell past the last column is refused (a comma too many, or a field with a comma that is not quoted).` };
  }
  return null;
}

const CSV_PROBLEMS: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote opens in the middle of a field (write a quote inside a quoted field as two quotes, "").',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field goes on after its closing quote.',
  CSV_QUOTE_NOT_CLOSED: 'a quote is never closed.',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'a row has another number of fields than the header.',
  CSV_INVALID_COLUMN_MAPPING: 'the header cannot be read.',
};

function csvProblem(code: string | undefined): string {
  return CSV_PROBLEMS[code ?? ''] ?? `the parser stopped (${code ?? 'unknown error'}).`;
}
