import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { formatInstant, invariant, parseYuan } from '../core/index.js';
import { findPersonalDataInText, maskPersonalDataInText } from '../core/payers/index.js';
import { checkPain008Totals, detectIso20022Message, Pain008ReadError, Pain008TotalsReader, readPain008, readPain008GroupHeader, unsupportedPain008Version, writePain002, type Pain008MessageName } from '../formats/iso20022/index.js';
import { decodeHead, encodingCheck, encodingName, encodingOfContentType, GbToUtf8Decoder, TextEncodingError, type FileEncoding } from '../formats/text-encodings.js';
import { Utf8Validator } from '../formats/utf8-validator.js';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from '../security/data-dir-modes.js';
import { decryptSegments, encryptingStream, FileIntegrityError } from '../security/file-encryption.js';
import { batchError, BatchFileError, decodeBatchError, encodeBatchError, maskFileText, type BatchError, type BatchRowCode } from './batch-errors.js';
import type { AppContext } from './context.js';
import { decideDebit, type CreateDebitInput, type DebitIntakeStore, type DecisionSource } from './debits.js';
import { AppError, notFound, validationFailed } from './errors.js';
import type { BatchReportLine, BatchRow, BatchRowResult, DebitEventRow, DebitRow, MandateStore, MandateTerms } from './ports.js';

/** The file's first bytes, read for its header (CSV) or message type (ISO 20022). */
const HEAD_BYTES = 4096;
/** A batch file may be large, but not without bound. */
export const BATCH_FILE_BYTES_MAX = 1024 * 1024 * 1024;
/** Rows decided per transaction: one commit for many rows, and the cursor moves with them. */
const CHUNK_ROWS = 5000;

/**
 * A CSV row (and a pain.008 text, see PAIN008_STALL_UNITS_MAX) is at most this long: a longer one
 * fails the file, since the parser cannot find where the row ends without holding it. Memory stays
 * flat however long a field someone sends.
 */
export const CSV_ROW_BYTES_MAX = 64 * 1024;
/**
 * A field is at most this long; a longer one refuses its row (`too_long` on its column) and the
 * rest of the file goes on: the row is already bounded, so reading on costs nothing.
 */
export const FIELD_BYTES_MAX = 4 * 1024;
/** The file key's purpose, for Vault.derive. */
const FILE_KEY_PURPOSE = 'batch-files';
/** Columns of free text: personal data found in one refuses the row (SPEC §13). */
const FREE_TEXT_COLUMNS = ['reference', 'holder_name', 'description'] as const;
/** A rejected row's reference as stored for the report: masked, and cut if long. */
const STORED_REFERENCE_UNITS_MAX = 64;

const REQUIRED = ['reference'] as const;
const KNOWN_COLUMNS = new Set(['reference', 'mandate_id', 'account_number', 'amount', 'amount_yuan', 'holder_name', 'id_number', 'phone', 'description']);

/** Checks a CSV header (SPEC §11); a wrong header refuses the whole file. */
export function checkCsvHeader(columns: string[]): string | null {
  const unknown = columns.filter((column) => !KNOWN_COLUMNS.has(column));
  // The header is the sender's text, echoed back: masked, and each name cut short.
  const echo = (column: string) => `"${maskFileText(column.length > 40 ? `${column.slice(0, 40)}…` : column)}"`;
  if (unknown.length > 0) return `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map(echo).join(', ')}${unknown.length > 5 ? ', …' : ''}; the columns are ${[...KNOWN_COLUMNS].join(', ')}.`;
  for (const column of REQUIRED) if (!columns.includes(column)) return `The header has no "${column}" column.`;
  if (!columns.includes('mandate_id') && !columns.includes('account_number')) return 'The header needs a "mandate_id" or an "account_number" column.';
  if (columns.includes('amount') === columns.includes('amount_yuan')) return 'The header needs exactly one of "amount" (fen) and "amount_yuan".';
  if (new Set(columns).size !== columns.length) return 'A column appears twice in the header.';
  return null;
}

function invalidFile(detail: string): AppError {
  return validationFailed([{ pointer: '/file', code: 'invalid_file', detail }], `The file was refused whole: ${detail}`);
}

function unsupportedCharset(detail: string): AppError {
  return validationFailed([{ pointer: '/file', code: 'unsupported_charset', detail }], `The file was refused whole: ${detail}`);
}

/**
 * A file not valid in the encoding it is read in, refused whole with where it goes wrong. A CSV
 * that declared nothing is most often a GBK file from Excel on a Chinese Windows: the answer says
 * how to declare it.
 */
function encodingRefused(error: TextEncodingError, declared: boolean): AppError {
  const hint = error.encoding === 'utf-8' && !declared
    ? ' If it was saved as GBK (as Excel on a Chinese Windows saves CSV files), declare it: send it as "text/csv; charset=gbk" (daikou batch submit --encoding gbk), or save it as UTF-8.'
    : ` Save it again as ${encodingName(error.encoding)}, or declare the encoding it is in.`;
  const detail = `${error.message}${hint}`;
  return validationFailed([{ pointer: '/file', code: 'invalid_encoding', detail }], `The file was refused whole: ${detail}`);
}

function fileKey(ctx: AppContext): Buffer {
  return Buffer.from(ctx.vault.derive(FILE_KEY_PURPOSE), 'hex');
}

function bytesHeldRefused(ctx: AppContext, held: number): AppError {
  const max = ctx.batches.bytesHeldMax;
  return new AppError('batch_bytes_held_limit', `This merchant's unfinished batches hold ${held} bytes; with this file they would pass the limit of ${max} bytes. Wait for them to finish, or send a smaller file.`, [
    { pointer: '/file', code: 'batch_bytes_held_limit', detail: `At most ${max} bytes of files may wait for processing per merchant.` },
  ]);
}

/**
 * Takes an uploaded file: streams it to disk encrypted (SPEC §13) while hashing it and checking
 * that every byte is valid in the encoding it declares (UTF-8 unless `charset=gbk` or `gb18030`;
 * a file that is not is refused whole, 400 `invalid_encoding`, with the offset of the first bad
 * character), checks that it is what it claims (a CSV with a valid header, or a pain.008), and
 * records the batch. The same file again is the same batch. The merchant's unfinished batches may hold at most
 * `bytesHeldMax` bytes together; past it the upload is refused 413 and nothing stays on disk.
 */
export async function receiveBatch(ctx: AppContext, merchantId: string, contentType: string, body: Readable, declaredBytes?: number): Promise<{ batch: BatchRow; created: boolean }> {
  const xml = /^(application|text)\/xml\b/.test(contentType);
  if (!xml && !/^text\/csv\b/.test(contentType)) {
    body.resume();
    throw invalidFile('Send a CSV file as text/csv, or an ISO 20022 pain.008 file as application/xml.');
  }
  const { encoding, label } = encodingOfContentType(contentType);
  if (encoding === null || (xml && encoding !== 'utf-8')) {
    body.resume();
    throw unsupportedCharset(xml ? `ISO 20022 files are UTF-8, not ${maskFileText(label ?? '').slice(0, 40)}.` : `The charset ${maskFileText(label ?? '').slice(0, 40)} is not taken: send CSV files as UTF-8 (a BOM is allowed), GBK (charset=gbk) or GB18030 (charset=gb18030).`);
  }
  const held = await ctx.store.sumBatchBytesHeld(merchantId);
  if (declaredBytes !== undefined && held + declaredBytes > ctx.batches.bytesHeldMax) {
    body.resume();
    throw bytesHeldRefused(ctx, held);
  }
  ensurePrivateDir(ctx.batchDir);
  const temporary = path.join(ctx.batchDir, `upload-${crypto.randomBytes(8).toString('hex')}.part`);
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const headParts: Buffer[] = [];
  let headBytes = 0;
  const text = encodingCheck(encoding);
  // A pain.008's totals (NbOfTxs, CtrlSum) and its blocks' PmtInfIds need the whole file: they are
  // read as it streams in, so that a file that contradicts itself is refused now, with both values,
  // rather than failing its batch later. It costs a second, light parse of the file.
  const totalsReader = xml ? new Pain008TotalsReader() : null;
  try {
    await pipeline(
      body,
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          if (bytes > BATCH_FILE_BYTES_MAX) return callback(invalidFile(`The file is larger than ${BATCH_FILE_BYTES_MAX / 1024 / 1024} MiB.`));
          if (held + bytes > ctx.batches.bytesHeldMax) return callback(bytesHeldRefused(ctx, held));
          if (headBytes < HEAD_BYTES) {
            headParts.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - headBytes)));
            headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
          }
          try {
            text.check(chunk);
          } catch (error) {
            if (error instanceof TextEncodingError) return callback(encodingRefused(error, label !== null));
            return callback(error as Error);
          }
          hash.update(chunk);
          totalsReader?.write(chunk);
          callback(null, chunk);
        },
      }),
      encryptingStream(fileKey(ctx)),
      fs.createWriteStream(temporary, { mode: PRIVATE_FILE_MODE, flags: 'wx' }),
    );
    try {
      text.end();
    } catch (error) {
      if (error instanceof TextEncodingError) throw encodingRefused(error, label !== null);
      throw error;
    }
    const head = decodeHead(Buffer.concat(headParts), encoding);
    const start = head.replace(/^\uFEFF/, '');
    if (bytes === 0 || start.trim() === '') throw invalidFile('The file is empty.');
    if (head.includes('\u0000')) throw invalidFile('The file is not text: it holds NUL bytes.');
    let message: { id: string | null; name: string | null; paymentInformations: string | null } = { id: null, name: null, paymentInformations: null };
    if (xml) {
      const kind = detectIso20022Message(start);
      const version = unsupportedPain008Version(start);
      if (version !== null) {
        throw new AppError('validation_failed', `pain.008 version ${version} is not supported; supported: .02 to .08 (pain.008.001.02 to pain.008.001.08).`, [
          { pointer: '/file', code: 'unsupported_version', detail: `pain.008 version ${version} is not supported; supported: .02 to .08.` },
        ]);
      }
      if (kind === 'pain.001') {
        throw new AppError('validation_failed', 'This is a pain.001 (payouts) file: payouts are not taken yet. Debits come as pain.008.', [
          { pointer: '/file', code: 'unsupported_message', detail: 'pain.001 files are refused until payouts exist.' },
        ]);
      }
      const header = kind === 'pain.008' ? readPain008GroupHeader(start) : null;
      if (header === null) throw invalidFile('The XML is not an ISO 20022 pain.008 customer direct debit initiation.');
      const totals = totalsReader?.end() ?? null;
      // MsgId is checked from the head too: a file that breaks later still has its MsgId quoted in the pain.002.
      const problems = checkPain008Totals(totals ?? { messageId: header.messageId, declared: { transactions: undefined, controlSum: undefined }, transactions: 0, amountSum: null, paymentInformations: [] });
      if (problems.length > 0) {
        throw new AppError(
          'validation_failed',
          `The file was refused whole: ${maskFileText(problems[0]!.detail)}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
          problems.map((problem) => ({ pointer: `/file/${problem.path}`, code: problem.code, detail: maskFileText(problem.detail) })),
        );
      }
      const blocks = totals === null || !totalsReader!.paymentInformationsComplete ? [] : totals.paymentInformations.filter((block) => block.transactions > 0 && block.id !== undefined && block.id.trim() !== '');
      message = {
        id: header.messageId?.trim() || null,
        name: header.messageName,
        // Every block needs its id for the report to name blocks at all; otherwise the report names the message, as for CSV.
        paymentInformations: blocks.length > 0 && blocks.length === totals!.paymentInformations.filter((block) => block.transactions > 0).length ? JSON.stringify(blocks.map((block) => [block.id!.trim(), block.firstRow])) : null,
      };
    } else {
      const firstLine = start.split(/\r?\n/, 1)[0] ?? '';
      if (firstLine.trimStart().startsWith('<')) throw invalidFile('This looks like XML: send it as application/xml.');
      const problem = checkCsvHeader(firstLine.split(',').map((column) => column.trim().replace(/^"|"$/g, '')));
      if (problem !== null) throw invalidFile(problem);
    }
    const sha256 = hash.digest('hex');
    const existing = await ctx.store.findBatchByFile(merchantId, sha256);
    if (existing !== null) return { batch: existing, created: false };
    // Checked again now that the size is known: another upload may have finished meanwhile.
    const heldNow = await ctx.store.sumBatchBytesHeld(merchantId);
    if (heldNow + bytes > ctx.batches.bytesHeldMax) throw bytesHeldRefused(ctx, heldNow);
    const id = ctx.ids.next('batch');
    const fileName = `${id}.${xml ? 'xml' : 'csv'}.enc`;
    fs.renameSync(temporary, path.join(ctx.batchDir, fileName));
    const batch: BatchRow = {
      id,
      merchant_id: merchantId,
      file_sha256: sha256,
      format: xml ? 'pain.008' : 'csv',
      file_name: fileName,
      message_id: message.id,
      message_name: message.name,
      payment_informations: message.paymentInformations,
      status: 'processing',
      cursor: 0,
      rows: 0,
      accepted: 0,
      rejected: 0,
      error: null,
      created_at: ctx.clock.now().toISOString(),
      completed_at: null,
      attempts: 0,
      next_attempt_at: null,
      file_bytes: bytes,
      encoding,
    };
    try {
      await ctx.store.insertBatch(batch);
    } catch (error) {
      fs.rmSync(path.join(ctx.batchDir, fileName), { force: true });
      throw error;
    }
    return { batch, created: true };
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

type CsvRecord = Record<string, string | undefined>;

/** Why a row is refused before its debit is decided: the CSV column, a code, and a sentence naming the field as the file does. */
interface RowProblem {
  column: string;
  code: BatchRowCode;
  message: string;
}

/**
 * A row read from a batch file: its CSV-named fields, how the file names them (pain.008 paths;
 * CSV columns are their own names), and a problem with the row's shape found while reading.
 */
interface FileRow {
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

/** The largest amount taken, in fen (SPEC §2: a safe integer), written for people. */
const AMOUNT_FEN_MAX_TEXT = '9,007,199,254,740,991 fen (90,071,992,547,409.91 yuan)';

/**
 * pain.008 names mandates by MndtId: a daikou id is used as it is, anything else is looked up as
 * the merchant's agreement number — one query for the whole chunk. An unknown one stays as given,
 * and the debit is then rejected `mandate_not_found`.
 */
async function resolveMandateRefs(tx: Pick<MandateStore, 'findMandateIdsByAgreements'>, merchantId: string, records: CsvRecord[]): Promise<void> {
  const refs = records.flatMap((record) => (record.mandate_ref !== undefined && !record.mandate_ref.startsWith('mdt_') ? [record.mandate_ref.trim()] : []));
  const byAgreement = new Map((await tx.findMandateIdsByAgreements(merchantId, [...new Set(refs)])).map((m) => [m.agreement_number, m.id]));
  for (const record of records) {
    if (!('mandate_ref' in record)) continue;
    const ref = record.mandate_ref?.trim();
    record.mandate_id = ref === undefined || ref === '' ? undefined : ref.startsWith('mdt_') ? ref : (byAgreement.get(ref) ?? `agreement:${ref}`);
    delete record.mandate_ref;
  }
}

/**
 * The DecisionSource of one chunk's transaction. `load` reads what a part of the chunk needs —
 * live references and mandates — with a few set queries (earlier parts are already written in
 * this transaction, so the queries see them); usage counters are locked once per key and written
 * back once, when the chunk ends.
 */
interface ChunkSource extends DecisionSource {
  load(inputs: readonly CreateDebitInput[]): Promise<void>;
  claimReference(reference: string): void;
  flushCounters(): Promise<void>;
}

function chunkSource(ctx: AppContext, tx: DebitIntakeStore, merchantId: string): ChunkSource {
  let taken = new Set<string>();
  let byId = new Map<string, MandateTerms>();
  let byAccount = new Map<string, MandateTerms[]>();
  const usage = new Map<string, { value: number; delta: number; write: (delta: number) => Promise<void> }>();
  const counter = async (key: string, lock: () => Promise<number>, write: (delta: number) => Promise<void>) => {
    let entry = usage.get(key);
    if (entry === undefined) {
      entry = { value: await lock(), delta: 0, write };
      usage.set(key, entry);
    }
    return entry;
  };
  return {
    async load(inputs) {
      taken = await tx.findLiveReferences(merchantId, inputs.map((input) => input.reference));
      byId = new Map((await tx.getMandateTerms([...new Set(inputs.flatMap((input) => (input.mandate_id === undefined ? [] : [input.mandate_id])))])).map((m) => [m.id, m]));
      const indexes = [...new Set(inputs.flatMap((input) => (input.mandate_id === undefined && input.payer ? [ctx.vault.index('account', input.payer.account_number)] : [])))];
      byAccount = new Map();
      for (const mandate of await tx.findMandatesByAccounts(merchantId, indexes)) byAccount.set(mandate.account_index, [...(byAccount.get(mandate.account_index) ?? []), mandate]);
    },
    liveReferenceExists: async (reference) => taken.has(reference),
    mandateById: async (id) => byId.get(id) ?? null,
    mandatesByAccount: async (accountIndex) => byAccount.get(accountIndex) ?? [],
    claimReference: (reference) => taken.add(reference),
    counters: {
      mandateUsage: async (mandateId, month) => (await counter(`m|${mandateId}|${month}`, () => tx.lockMandateUsage(mandateId, month), (d) => tx.addMandateUsage(mandateId, month, d))).value,
      addMandateUsage: async (mandateId, month, delta) => {
        const entry = await counter(`m|${mandateId}|${month}`, () => tx.lockMandateUsage(mandateId, month), (d) => tx.addMandateUsage(mandateId, month, d));
        entry.value += delta;
        entry.delta += delta;
      },
      allowanceUsage: async (planId, subject, month) => (await counter(`a|${planId}|${subject}|${month}`, () => tx.lockAllowanceUsage(planId, subject, month), (d) => tx.addAllowanceUsage(planId, subject, month, d))).value,
      addAllowanceUsage: async (planId, subject, month, delta) => {
        const entry = await counter(`a|${planId}|${subject}|${month}`, () => tx.lockAllowanceUsage(planId, subject, month), (d) => tx.addAllowanceUsage(planId, subject, month, d));
        entry.value += delta;
        entry.delta += delta;
      },
    },
    async flushCounters() {
      for (const entry of usage.values()) if (entry.delta !== 0) await entry.write(entry.delta);
    },
  };
}

/** A rejected row's reference as the report shows it: never a full card or ID number, never very long. */
function storedReference(text: string | undefined): string | null {
  const trimmed = text?.trim();
  if (trimmed === undefined || trimmed === '') return null;
  // Only runs of 15+ digits: a reference's order number of 6–14 digits is the merchant's own key
  // to the row, and no card or ID number is that short.
  const masked = maskPersonalDataInText(trimmed);
  return masked.length > STORED_REFERENCE_UNITS_MAX ? `${masked.slice(0, STORED_REFERENCE_UNITS_MAX)}…` : masked;
}

/** Maps a request pointer to the CSV column it came from. */
function columnOf(pointer: string, record: CsvRecord): string {
  const field = pointer.split('/').at(-1) ?? '';
  if (field === 'amount') return 'amount_yuan' in record ? 'amount_yuan' : 'amount';
  return field;
}

/**
 * Turns a CSV record into a debit request, or the reason it cannot be one. Messages name each field
 * as the file does (`names`: pain.008 paths; a CSV column is its own name); `column` is the CSV name.
 */
export function recordToInput(record: CsvRecord, names: Readonly<Record<string, string>> = {}): { input: CreateDebitInput } | RowProblem {
  const name = (column: string) => names[column] ?? column;
  const value = (column: string) => {
    const text = record[column]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  // Before anything else: a field too long for any column, and personal data in free text (SPEC §13).
  for (const [column, text] of Object.entries(record)) {
    if (text !== undefined && text.length * 3 > FIELD_BYTES_MAX && Buffer.byteLength(text) > FIELD_BYTES_MAX) {
      return { column, code: 'too_long', message: `${name(column)} is longer than ${FIELD_BYTES_MAX} bytes.` };
    }
  }
  for (const column of FREE_TEXT_COLUMNS) {
    const text = record[column];
    const found = text === undefined ? null : findPersonalDataInText(text);
    if (found !== null) {
      const what = found.kind === 'card_number' ? 'a card number' : 'an ID number';
      const where = found.kind === 'card_number' ? 'account_number' : 'id_number';
      return { column, code: 'personal_data_in_free_text', message: `${name(column)} holds what looks like ${what}; personal data goes in ${name(where)}, never in free text.` };
    }
  }
  const reference = value('reference');
  if (reference === undefined) return { column: 'reference', code: 'required', message: `${name('reference')} is empty.` };
  if (reference.length > 64) return { column: 'reference', code: 'too_long', message: `${name('reference')} is longer than 64 characters.` };
  const currency = record.currency?.trim();
  if (currency !== undefined && currency !== 'CNY') return { column: 'currency', code: 'invalid_currency', message: `Only CNY is taken, not ${maskFileText(currency.slice(0, 32))}.` };
  let amount: number | null;
  if ('amount_yuan' in record) {
    const text = value('amount_yuan');
    amount = text === undefined ? null : parseYuan(text);
    // Written as yuan should be, but beyond what parseYuan takes: too many digits.
    if (amount === null && text !== undefined && /^(0|[1-9]\d*)(\.\d{1,2})?$/.test(text)) {
      return { column: 'amount_yuan', code: 'amount_too_large', message: `${name('amount_yuan')} is too large: daikou takes at most ${AMOUNT_FEN_MAX_TEXT}.` };
    }
    if (amount === null || amount <= 0) return { column: 'amount_yuan', code: 'invalid_amount', message: `${name('amount_yuan')} is a positive amount of yuan with at most two decimals, e.g. 12.30.` };
  } else {
    const text = value('amount');
    if (text !== undefined && /^[1-9]\d*$/.test(text) && !(text.length <= 16 && Number.isSafeInteger(Number(text)))) {
      return { column: 'amount', code: 'amount_too_large', message: `${name('amount')} is too large: daikou takes at most ${AMOUNT_FEN_MAX_TEXT}.` };
    }
    amount = text !== undefined && /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
    if (amount === null || !Number.isSafeInteger(amount)) return { column: 'amount', code: 'invalid_amount', message: `${name('amount')} is a positive whole number of fen.` };
  }
  const mandateId = value('mandate_id');
  const accountNumber = value('account_number');
  if (mandateId === undefined && accountNumber === undefined) {
    const column = 'mandate_id' in record ? 'mandate_id' : 'account_number';
    return { column, code: 'required', message: `Give ${name('mandate_id')} or ${name('account_number')}.` };
  }
  const description = value('description');
  if (description !== undefined && description.length > 140) return { column: 'description', code: 'too_long', message: `${name('description')} is longer than 140 characters.` };
  const input: CreateDebitInput = { amount, currency: 'CNY', reference, ...(mandateId === undefined ? {} : { mandate_id: mandateId }), ...(description === undefined ? {} : { description }) };
  if (accountNumber !== undefined) {
    input.payer = {
      account_number: accountNumber,
      ...(value('holder_name') === undefined ? {} : { holder_name: value('holder_name') }),
      ...(value('id_number') === undefined ? {} : { id_number: value('id_number') }),
      ...(value('phone') === undefined ? {} : { phone: value('phone') }),
    };
  }
  return { input };
}

/**
 * Processes a batch from its cursor to the end. Each chunk of rows is decided and written in one
 * transaction together with the cursor, so that a crash loses no row and repeats none: the next
 * run starts after the last committed chunk.
 */
export async function processBatch(ctx: AppContext, batch: BatchRow, onChunk?: () => void): Promise<void> {
  const file = path.join(ctx.batchDir, batch.file_name);
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
      const next = { ...counts };
      // Decided and written a part at a time: one transaction for the whole chunk (fewer, larger
      // commits), while each part's objects die young instead of living until the commit.
      // Rows read, decided and written at a time within the chunk's transaction: the store's choice.
      const partRows = Math.min(ctx.store.partRowsMax, CHUNK_ROWS);
      for (let start = 0; start < rows.length; start += partRows) {
        const part = rows.slice(start, start + partRows);
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
        await tx.insertDebitEvents(events);
        await tx.insertBatchRows(results);
      }
      await source.flushCounters();
      const last = rows[rows.length - 1]!.row;
      if (!(await tx.advanceBatch(batch.id, cursor, { cursor: last, ...next }))) {
        throw new Error(`batch ${batch.id} was advanced by another worker`);
      }
      cursor = last;
      Object.assign(counts, next);
    });
    onChunk?.();
  };

  let failure: BatchError | null = null;
  try {
    for await (const fileRow of readRecords(ctx, batch, file)) {
      if (fileRow.row <= cursor) continue;
      chunk.push(fileRow);
      if (chunk.length >= CHUNK_ROWS) await flush();
    }
  } catch (error) {
    // A file that breaks mid-way: the rows read so far stand, the rest cannot be read. Anything
    // else is unexpected, and goes up to the worker, which retries it later.
    if (!(error instanceof BatchFileError)) throw error;
    failure = error.error;
  }
  await flush();
  await endBatch(ctx, batch, failure);
}

/**
 * Ends a batch — `completed`, or `failed` with the error — and deletes its file: nothing uploaded
 * is kept once its batch has ended (SPEC §13); the result file is built from the database.
 */
export async function endBatch(ctx: AppContext, batch: BatchRow, failure: BatchError | null): Promise<void> {
  await ctx.store.finishBatch(batch.id, failure === null ? 'completed' : 'failed', ctx.clock.now().toISOString(), failure === null ? null : encodeBatchError(failure));
  fs.rmSync(path.join(ctx.batchDir, batch.file_name), { force: true });
}

/**
 * The plaintext of a stored batch file, segment by segment, each verified before it is used. A
 * missing or altered file is a BatchFileError: reading it again would not help.
 */
async function* plaintextOf(ctx: AppContext, file: string): AsyncGenerator<Buffer> {
  try {
    yield* decryptSegments(fs.createReadStream(file), fileKey(ctx));
  } catch (error) {
    if (error instanceof FileIntegrityError) throw new BatchFileError(batchError('file_unreadable', `The stored file ${error.detail}`, { byte_offset: error.plaintextOffset }));
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BatchFileError(batchError('file_unreadable', 'The stored file is missing.'));
    throw error;
  }
}

/**
 * A batch file's rows as records with the CSV column names, numbered from 1. pain.008 maps as
 * SPEC §11 says; its MndtId names the mandate by daikou id or by agreement number (resolved
 * per chunk), and an amount in another currency than CNY is refused on its row. Any reason the
 * file cannot be read on is a BatchFileError, after the rows before it.
 */
async function* readRecords(ctx: AppContext, batch: BatchRow, file: string): AsyncGenerator<FileRow> {
  if (batch.format !== 'pain.008') {
    const encoding = batch.encoding as FileEncoding;
    if (encoding === 'utf-8') {
      yield* readCsvRecords(plaintextOf(ctx, file));
      return;
    }
    const decoder = new GbToUtf8Decoder(encoding);
    yield* readCsvRecords(decodedToUtf8(plaintextOf(ctx, file), decoder), (offset) => decoder.fileOffsetOf(offset));
    return;
  }
  try {
    for await (const { row, record } of readPain008(plaintextOf(ctx, file))) {
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
  parse(input: Buffer | undefined, end: boolean, push: (parsed: { record: CsvRecord; info: { index: number } }) => void, close: () => void): Error | undefined;
  info: { bytes_records: number; lines: number; records: number };
}

/**
 * Parses CSV from verified plaintext segments. csv-parse is driven through its synchronous core
 * (`Parser.api`, which its stream wraps) so that a chunk's records and any error come back as the
 * chunk is fed: the rows before an error are yielded, and the error says exactly where it stands.
 * A csv-parse that renamed `api` would fail every CSV batch at once, and the tests with it.
 */
async function* readCsvRecords(plaintext: AsyncIterable<Buffer>, fileOffsetOf: (offset: number) => number | null = (offset) => offset): AsyncGenerator<FileRow> {
  /** Where the header ends, once read: csv-parse counts `bytes_records` from the first data row on. */
  let headerBytes: number | null = null;
  let columns: string[] = [];
  const parser = parse({
    columns: (header: string[]) => {
      headerBytes = api?.info.bytes ?? 0;
      columns = header.map((c) => c.trim());
      return columns;
    },
    bom: true,
    // A row with another number of cells than the header is refused on its own (rowShape), not
    // the whole file: the rest of the file is still well-formed CSV.
    relax_column_count: true,
    // With each record, how many cells it had (`info.index`).
    info: true,
    skip_empty_lines: true,
    trim: false,
    max_record_size: CSV_ROW_BYTES_MAX,
  }) as unknown as { api?: CsvParserApi };
  const api = parser.api as CsvParserApi & { info: { bytes: number } };
  invariant(api !== undefined && typeof api.parse === 'function', 'csv-parse no longer exposes its parser core as `api`');
  const utf8 = new Utf8Validator();
  let records: { record: CsvRecord; cells: number }[] = [];
  let row = 0;
  const push = ({ record, info }: { record: CsvRecord; info: { index: number } }) => {
    records.push({ record, cells: info.index });
  };
  const where = () => ({
    row: headerBytes === null ? null : api.info.records + 1,
    line: api.info.lines,
    byte_offset: fileOffsetOf(headerBytes === null ? 0 : api.info.records === 0 ? headerBytes : api.info.bytes_records),
  });
  function* drain(): Generator<FileRow> {
    const taken = records;
    records = [];
    for (const { record, cells } of taken) {
      row += 1;
      const problem = rowShape(columns, cells);
      yield problem === null ? { row, record } : { row, record, problem };
    }
  }
  const feed = (input: Buffer | undefined, end: boolean) => {
    const error = api.parse(input, end, push, () => undefined) as (Error & { code?: string; column?: string | number | null }) | undefined;
    if (error === undefined) return null;
    const column = typeof error.column === 'string' ? error.column : null;
    const at = { ...where(), column };
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      return batchError('row_too_long', `Row ${at.row ?? 'the header'} (line ${at.line}) is longer than ${CSV_ROW_BYTES_MAX / 1024} KiB; the file cannot be read past it.`, at);
    }
    // csv-parse's message quotes the field's value: only its code and place are kept.
    return batchError('invalid_csv', `The CSV cannot be read past row ${at.row ?? 'the header'} (line ${at.line}${column === null ? '' : `, column ${column}`}): ${csvProblem(error.code)}`, at);
  };
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

/** The batch as the API shows it, with live counts of its debits (SPEC §11). */
export async function presentBatch(ctx: AppContext, batch: BatchRow): Promise<Record<string, unknown>> {
  const debits = await ctx.store.countBatchDebits(batch.id);
  return {
    id: batch.id,
    object: 'batch',
    merchant_id: batch.merchant_id,
    format: batch.format,
    status: batch.status,
    counts: {
      rows: batch.rows,
      accepted: batch.accepted,
      rejected: batch.rejected,
      succeeded: debits.succeeded ?? 0,
      failed: debits.failed ?? 0,
    },
    error: decodeBatchError(batch.error),
    file_sha256: batch.file_sha256,
    created_at: formatInstant(new Date(batch.created_at)),
    completed_at: batch.completed_at === null ? null : formatInstant(new Date(batch.completed_at)),
  };
}

export async function getBatch(ctx: AppContext, merchantId: string | null, id: string): Promise<BatchRow> {
  const batch = await ctx.store.getBatch(id);
  if (batch === null || (merchantId !== null && batch.merchant_id !== merchantId)) throw notFound('batch', id);
  return batch;
}

const csvCell = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * The result file (回盘) as CSV: one line per input row, the debit's current status, and for a
 * refused row the `field` it was refused on as the file names it (a CSV column, or a pain.008
 * path). `field` comes last so that the columns before it keep their places for readers that
 * took the report before it existed.
 */
export async function* batchReportCsv(ctx: AppContext, batchId: string): AsyncGenerator<string> {
  yield 'row,reference,debit_id,status,code,message,field\n';
  let after = 0;
  for (;;) {
    const lines: BatchReportLine[] = await ctx.store.listBatchReport(batchId, after, 5_000);
    if (lines.length === 0) return;
    yield lines
      .map((line) => {
        const status = line.status === 'rejected' ? 'rejected' : line.debit_status ?? 'pending';
        const code = line.status === 'rejected' ? line.code : line.failure_code;
        const message = line.status === 'rejected' ? line.message : line.failure_message;
        const field = line.status === 'rejected' ? line.column_name : null;
        return [line.row, line.reference, line.debit_id, status, code, message, field].map(csvCell).join(',');
      })
      .join('\n') + '\n';
    after = lines[lines.length - 1]!.row;
  }
}

/** The encodings a CSV report is offered in (issue 9): UTF-8, or GB18030 for readers that assume the Windows code page. */
export const REPORT_ENCODINGS = ['utf-8', 'gb18030'] as const;
export type ReportEncoding = (typeof REPORT_ENCODINGS)[number];

/**
 * The CSV result file as bytes: UTF-8 (with a BOM when asked, which is how Excel on a Chinese
 * Windows knows it is UTF-8), or GB18030 with no BOM (read there as the system's code page,
 * CP936, whose characters GB18030 writes the same way). Each page is encoded on its own: a page
 * ends at a line's end, so no character is split.
 */
export async function* batchReportCsvBytes(ctx: AppContext, batchId: string, options: { bom: boolean; encoding: ReportEncoding }): AsyncGenerator<Buffer> {
  if (options.bom && options.encoding === 'utf-8') yield Buffer.from([0xef, 0xbb, 0xbf]);
  for await (const text of batchReportCsv(ctx, batchId)) yield options.encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gb18030');
}

/** The result file as ISO 20022 pain.002, streamed page by page. */
export function batchReportPain002(ctx: AppContext, batch: BatchRow): AsyncGenerator<string> {
  async function* lines() {
    let after = 0;
    for (;;) {
      const page: BatchReportLine[] = await ctx.store.listBatchReport(batch.id, after, 5_000);
      if (page.length === 0) return;
      for (const line of page) {
        const refused = line.status === 'rejected';
        yield {
          row: line.row,
          reference: line.reference,
          status: refused ? 'rejected' : (line.debit_status ?? 'pending'),
          code: refused ? line.code : line.failure_code,
          // pain.002 has no place for the field: the message names it, unless it already does.
          message: refused ? (line.column_name && !(line.message ?? '').includes(line.column_name) ? `${line.column_name}: ${line.message}` : line.message) : line.failure_message,
        };
      }
      after = page[page.length - 1]!.row;
    }
  }
  return writePain002({
    // Message ids are at most 35 characters; the file's hash names the report uniquely.
    messageId: `DKR-${batch.file_sha256.slice(0, 31)}`,
    createdAt: formatInstant(ctx.clock.now()),
    originalMessageId: batch.message_id ?? `DK-${batch.file_sha256.slice(0, 32)}`,
    originalMessageType: (batch.message_name ?? 'pain.008.001.02') as Pain008MessageName,
    paymentInformations: paymentInformationsOf(batch),
    lines,
  });
}

/** The original blocks a pain.008 batch recorded at upload (migration 007); empty for CSV and older batches. */
function paymentInformationsOf(batch: BatchRow): { id: string; firstRow: number }[] {
  if (batch.payment_informations === null) return [];
  const blocks = JSON.parse(batch.payment_informations) as [string, number][];
  return blocks.map(([id, firstRow]) => ({ id, firstRow }));
}
