import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { formatInstant, invariant, parseYuan, type DebitStatus } from '../core/index.js';
import { detectIso20022Message, Pain008ReadError, readPain008, readPain008GroupHeader, writePain002, type Pain008MessageName } from '../formats/iso20022/index.js';
import type { AppContext } from './context.js';
import { decideDebit, type CreateDebitInput, type DecisionSource } from './debits.js';
import { AppError, notFound, validationFailed } from './errors.js';
import type { BatchReportLine, BatchRow, BatchRowResult, DebitEventRow, DebitRow, MandateTerms, StoreTx } from './ports.js';

/** A batch file may be large, but not without bound. */
export const BATCH_FILE_BYTES_MAX = 1024 * 1024 * 1024;
/** Rows decided per transaction: one commit for many rows, and the cursor moves with them. */
const CHUNK_ROWS = 5000;
/**
 * Rows read, decided and written at a time within a chunk's transaction. SQLite runs in this
 * process: small parts cost nothing extra and let each part's objects die young. PostgreSQL pays
 * a round trip per statement: the whole chunk goes in one part.
 */
const PART_ROWS = { sqlite: 500, postgres: CHUNK_ROWS } as const;

const REQUIRED = ['reference'] as const;
const KNOWN_COLUMNS = new Set(['reference', 'mandate_id', 'account_number', 'amount', 'amount_yuan', 'holder_name', 'id_number', 'phone', 'description']);

/** Checks a CSV header (SPEC §11); a wrong header refuses the whole file. */
export function checkCsvHeader(columns: string[]): string | null {
  const unknown = columns.filter((column) => !KNOWN_COLUMNS.has(column));
  if (unknown.length > 0) return `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}; the columns are ${[...KNOWN_COLUMNS].join(', ')}.`;
  for (const column of REQUIRED) if (!columns.includes(column)) return `The header has no "${column}" column.`;
  if (!columns.includes('mandate_id') && !columns.includes('account_number')) return 'The header needs a "mandate_id" or an "account_number" column.';
  if (columns.includes('amount') === columns.includes('amount_yuan')) return 'The header needs exactly one of "amount" (fen) and "amount_yuan".';
  if (new Set(columns).size !== columns.length) return 'A column appears twice in the header.';
  return null;
}

function batchError(detail: string): AppError {
  return validationFailed([{ pointer: '/file', code: 'invalid_file', detail }], `The file was refused whole: ${detail}`);
}

/**
 * Takes an uploaded file: streams it to disk while hashing it, checks that it is what it claims
 * (a CSV with a valid header), and records the batch. The same file again is the same batch.
 */
export async function receiveBatch(ctx: AppContext, merchantId: string, contentType: string, body: Readable): Promise<{ batch: BatchRow; created: boolean }> {
  const xml = /^(application|text)\/xml\b/.test(contentType);
  if (!xml && !/^text\/csv\b/.test(contentType)) {
    body.resume();
    throw batchError('Send a CSV file as text/csv, or an ISO 20022 pain.008 file as application/xml.');
  }
  fs.mkdirSync(ctx.batchDir, { recursive: true });
  const temporary = path.join(ctx.batchDir, `upload-${crypto.randomBytes(8).toString('hex')}.part`);
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  let head = '';
  try {
    await pipeline(
      body,
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          if (bytes > BATCH_FILE_BYTES_MAX) return callback(batchError(`The file is larger than ${BATCH_FILE_BYTES_MAX / 1024 / 1024} MiB.`));
          if (head.length < 4096) head += chunk.toString('utf8', 0, Math.min(chunk.length, 4096));
          hash.update(chunk);
          callback(null, chunk);
        },
      }),
      fs.createWriteStream(temporary),
    );
    const text = head.replace(/^\uFEFF/, '');
    if (bytes === 0 || text.trim() === '') throw batchError('The file is empty.');
    if (head.includes('\u0000')) throw batchError('The file is not text: it holds NUL bytes.');
    let message: { id: string | null; name: string | null } = { id: null, name: null };
    if (xml) {
      const kind = detectIso20022Message(text);
      if (kind === 'pain.001') {
        throw new AppError('validation_failed', 'This is a pain.001 (payouts) file: payouts are not taken yet. Debits come as pain.008.', [
          { pointer: '/file', code: 'unsupported_message', detail: 'pain.001 files are refused until payouts exist.' },
        ]);
      }
      const header = kind === 'pain.008' ? readPain008GroupHeader(text) : null;
      if (header === null) throw batchError('The XML is not an ISO 20022 pain.008 customer direct debit initiation.');
      message = { id: header.messageId ?? null, name: header.messageName };
    } else {
      const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
      if (firstLine.trimStart().startsWith('<')) throw batchError('This looks like XML: send it as application/xml.');
      const problem = checkCsvHeader(firstLine.split(',').map((column) => column.trim().replace(/^"|"$/g, '')));
      if (problem !== null) throw batchError(problem);
    }
    const sha256 = hash.digest('hex');
    const existing = await ctx.store.findBatchByFile(merchantId, sha256);
    if (existing !== null) {
      fs.rmSync(temporary, { force: true });
      return { batch: existing, created: false };
    }
    const id = ctx.ids.next('batch');
    const fileName = `${id}.${xml ? 'xml' : 'csv'}`;
    fs.renameSync(temporary, path.join(ctx.batchDir, fileName));
    const batch: BatchRow = {
      id,
      merchant_id: merchantId,
      file_sha256: sha256,
      format: xml ? 'pain.008' : 'csv',
      file_name: fileName,
      message_id: message.id,
      message_name: message.name,
      status: 'processing',
      cursor: 0,
      rows: 0,
      accepted: 0,
      rejected: 0,
      error: null,
      created_at: ctx.clock.now().toISOString(),
      completed_at: null,
    };
    await ctx.store.insertBatch(batch);
    return { batch, created: true };
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

type CsvRecord = Record<string, string | undefined>;

/**
 * pain.008 names mandates by MndtId: a daikou id is used as it is, anything else is looked up as
 * the merchant's agreement number — one query for the whole chunk. An unknown one stays as given,
 * and the debit is then rejected `mandate_not_found`.
 */
async function resolveMandateRefs(tx: StoreTx, merchantId: string, records: CsvRecord[]): Promise<void> {
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

function chunkSource(ctx: AppContext, tx: StoreTx, merchantId: string): ChunkSource {
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

/** Maps a request pointer to the CSV column it came from. */
function columnOf(pointer: string, record: CsvRecord): string {
  const field = pointer.split('/').at(-1) ?? '';
  if (field === 'amount') return 'amount_yuan' in record ? 'amount_yuan' : 'amount';
  return field;
}

/** Turns a CSV record into a debit request, or the reason it cannot be one. */
export function recordToInput(record: CsvRecord): { input: CreateDebitInput } | { column: string; code: string; message: string } {
  const value = (column: string) => {
    const text = record[column]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  const reference = value('reference');
  if (reference === undefined) return { column: 'reference', code: 'required', message: 'reference is empty.' };
  if (reference.length > 64) return { column: 'reference', code: 'too_long', message: 'reference is longer than 64 characters.' };
  let amount: number | null;
  if ('amount_yuan' in record) {
    const text = value('amount_yuan');
    if (text?.startsWith('currency:')) return { column: 'amount_yuan', code: 'invalid_currency', message: `Only CNY is taken, not ${text.slice(9)}.` };
    amount = text === undefined ? null : parseYuan(text);
    if (amount === null || amount <= 0) return { column: 'amount_yuan', code: 'invalid_amount', message: 'amount_yuan is a positive amount of yuan with at most two decimals, e.g. 12.30.' };
  } else {
    const text = value('amount');
    amount = text !== undefined && /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
    if (amount === null || !Number.isSafeInteger(amount)) return { column: 'amount', code: 'invalid_amount', message: 'amount is a positive whole number of fen.' };
  }
  const mandateId = value('mandate_id');
  const accountNumber = value('account_number');
  if (mandateId === undefined && accountNumber === undefined) {
    return { column: 'mandate_id' in record ? 'mandate_id' : 'account_number', code: 'required', message: 'Give mandate_id or account_number.' };
  }
  const description = value('description');
  if (description !== undefined && description.length > 140) return { column: 'description', code: 'too_long', message: 'description is longer than 140 characters.' };
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
  let chunk: { row: number; record: CsvRecord }[] = [];
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
      const partRows = PART_ROWS[ctx.store.engine];
      for (let start = 0; start < rows.length; start += partRows) {
        const part = rows.slice(start, start + partRows);
        await resolveMandateRefs(tx, batch.merchant_id, part.map(({ record }) => record));
        const parsed = part.map(({ row, record }) => ({ row, record, parsed: recordToInput(record) }));
        await source.load(parsed.flatMap((entry) => ('input' in entry.parsed ? [entry.parsed.input] : [])));
        const results: BatchRowResult[] = [];
        const debits: DebitRow[] = [];
        const events: DebitEventRow[] = [];
        for (const { row, record, parsed: outcome } of parsed) {
          let result: BatchRowResult;
          if (!('input' in outcome)) {
            result = { batch_id: batch.id, row, reference: record.reference?.trim() || null, debit_id: null, status: 'rejected', column_name: outcome.column, code: outcome.code, message: outcome.message };
          } else {
            try {
              const { debit, event } = await decideDebit(ctx, source, router, merchant, outcome.input, batch.id);
              debits.push(debit);
              events.push(event);
              if (debit.status !== 'rejected') source.claimReference(debit.reference);
              result = debit.status === 'rejected'
                ? { batch_id: batch.id, row, reference: debit.reference, debit_id: debit.id, status: 'rejected', column_name: null, code: debit.failure_code, message: debit.failure_message }
                : { batch_id: batch.id, row, reference: debit.reference, debit_id: debit.id, status: 'accepted', column_name: null, code: null, message: null };
            } catch (error) {
              if (!(error instanceof AppError)) throw error;
              const first = error.errors[0];
              result = {
                batch_id: batch.id,
                row,
                reference: outcome.input.reference,
                debit_id: null,
                status: 'rejected',
                column_name: first ? columnOf(first.pointer, record) : null,
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

  try {
    for await (const { row, record } of readRecords(batch, file)) {
      if (row <= cursor) continue;
      chunk.push({ row, record });
      if (chunk.length >= CHUNK_ROWS) await flush();
    }
    await flush();
    await ctx.store.finishBatch(batch.id, 'completed', ctx.clock.now().toISOString(), null);
  } catch (error) {
    // A file that breaks mid-way (a quote never closed, XML not well-formed): rows so far stand;
    // the rest cannot be read.
    if (error instanceof Pain008ReadError) {
      await ctx.store.finishBatch(batch.id, 'failed', ctx.clock.now().toISOString(), `The file could not be read past line ${error.line}, column ${error.column}: ${error.detail}`);
      return;
    }
    if ((error as { code?: string }).code?.startsWith('CSV_')) {
      const line = (error as { lines?: number }).lines;
      await ctx.store.finishBatch(batch.id, 'failed', ctx.clock.now().toISOString(), `The file could not be read past line ${line ?? '?'}: ${(error as Error).message.replace(/\d{6,}/g, '…')}`);
      return;
    }
    throw error;
  }
}

/**
 * A batch file's rows as records with the CSV column names, numbered from 1. pain.008 maps as
 * SPEC §11 says; its MndtId names the mandate by daikou id or by agreement number (resolved
 * per chunk), and an amount in another currency than CNY is refused on its row.
 */
async function* readRecords(batch: BatchRow, file: string): AsyncGenerator<{ row: number; record: CsvRecord }> {
  if (batch.format === 'pain.008') {
    for await (const { row, record } of readPain008(fs.createReadStream(file))) {
      yield {
        row,
        record: {
          reference: record.reference,
          mandate_ref: record.mandate_ref,
          account_number: record.account_number,
          amount_yuan: record.currency === undefined || record.currency === 'CNY' ? record.amount_yuan : `currency:${record.currency}`,
          holder_name: record.holder_name,
          description: record.description,
        },
      };
    }
    return;
  }
  const parser = fs.createReadStream(file).pipe(parse({ columns: (header: string[]) => header.map((c) => c.trim()), bom: true, relax_column_count: true, skip_empty_lines: true, trim: false }));
  let row = 0;
  for await (const record of parser as AsyncIterable<CsvRecord>) {
    row += 1;
    yield { row, record };
  }
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
    error: batch.error,
    file_sha256: batch.file_sha256,
    created_at: batch.created_at,
    completed_at: batch.completed_at,
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

/** The result file (回盘) as CSV: one line per input row, the debit's current status. */
export async function* batchReportCsv(ctx: AppContext, batchId: string): AsyncGenerator<string> {
  yield 'row,reference,debit_id,status,code,message\n';
  let after = 0;
  for (;;) {
    const lines: BatchReportLine[] = await ctx.store.listBatchReport(batchId, after, 5_000);
    if (lines.length === 0) return;
    yield lines
      .map((line) => {
        const status = line.status === 'rejected' ? 'rejected' : line.debit_status ?? 'pending';
        const code = line.status === 'rejected' ? line.code : line.failure_code;
        const message = line.status === 'rejected' ? (line.column_name ? `${line.column_name}: ${line.message}` : line.message) : line.failure_message;
        return [line.row, line.reference, line.debit_id, status, code, message].map(csvCell).join(',');
      })
      .join('\n') + '\n';
    after = lines[lines.length - 1]!.row;
  }
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
          status: (refused ? 'rejected' : (line.debit_status ?? 'pending')) as DebitStatus,
          code: refused ? line.code : line.failure_code,
          message: refused ? (line.column_name ? `${line.column_name}: ${line.message}` : line.message) : line.failure_message,
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
    lines,
  });
}
