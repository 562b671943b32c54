import { pipeline, Transform, type Readable } from 'node:stream';
import { checkPain008Totals, detectIso20022Message, Pain008TotalsReader, readPain008GroupHeader, unsupportedPain008Version } from '../formats/iso20022/index.js';
import { decodeHead, encodingCheck, encodingName, encodingOfContentType, TextEncodingError } from '../formats/text-encodings.js';
import { maskFileText } from './batch-errors.js';
import type { AppContext } from './context.js';
import { invariant } from '../core/index.js';
import { AppError, validationFailed } from './errors.js';
import type { BatchRow, NewBatchRow } from './ports.js';
import type { BatchKind } from '../core/index.js';

/*
 * Taking an uploaded batch file (SPEC §11): checked as it streams in, stored, and recorded as a
 * batch that the batch worker then processes (src/app/batches-processing.ts).
 */

/** The file's first bytes, read for its header (CSV) or message type (ISO 20022). */
const HEAD_BYTES = 4096;
/** A batch file may be large, but not without bound. */
export const BATCH_FILE_BYTES_MAX = 1024 * 1024 * 1024;

const KNOWN_COLUMNS = new Set(['reference', 'mandate_id', 'account_number', 'amount', 'amount_yuan', 'holder_name', 'id_number', 'phone', 'description']);
/** A payout batch's CSV columns (SPEC §14). */
const PAYOUT_COLUMNS = new Set(['reference', 'account_number', 'holder_name', 'account_kind', 'amount', 'amount_yuan', 'bank_code', 'description']);
const PAYOUT_REQUIRED = ['reference', 'account_number', 'holder_name', 'account_kind'] as const;

/**
 * Checks a CSV header (SPEC §§11, 14) for a batch of `kind`; a wrong header refuses the whole file.
 * A debit file with payout columns is most likely a payout file sent without `?kind=payout`: the
 * answer names the parameter rather than the columns (a payout file read as debits would fail
 * every row, and `account_kind` alone cannot tell which was meant).
 */
export function checkCsvHeader(columns: string[], kind: BatchKind = 'debit'): string | null {
  const known = kind === 'debit' ? KNOWN_COLUMNS : PAYOUT_COLUMNS;
  const unknown = columns.filter((column) => !known.has(column));
  // The header is the sender's text, echoed back: masked, and each name cut short.
  const echo = (column: string) => `"${maskFileText(column.length > 40 ? `${column.slice(0, 40)}…` : column)}"`;
  if (kind === 'debit' && unknown.length > 0 && unknown.every((column) => PAYOUT_COLUMNS.has(column))) {
    return `The header has the payout column${unknown.length > 1 ? 's' : ''} ${unknown.map(echo).join(', ')}: to pay out, send the file with ?kind=payout (daikou batch submit --kind payout); a debit file's columns are ${[...KNOWN_COLUMNS].join(', ')}.`;
  }
  if (unknown.length > 0) return `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map(echo).join(', ')}${unknown.length > 5 ? ', …' : ''}; the columns${kind === 'payout' ? ' of a payout file' : ''} are ${[...known].join(', ')}.`;
  for (const column of kind === 'debit' ? ['reference'] : PAYOUT_REQUIRED) if (!columns.includes(column)) return `The header has no "${column}" column${kind === 'payout' ? ' (a payout file needs reference, account_number, holder_name, account_kind)' : ''}.`;
  if (kind === 'debit' && !columns.includes('mandate_id') && !columns.includes('account_number')) return 'The header needs a "mandate_id" or an "account_number" column.';
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

function bytesHeldRefused(ctx: AppContext, held: number): AppError {
  const max = ctx.batches.bytesHeldMax;
  return new AppError('batch_bytes_held_limit', `This merchant's unfinished batches hold ${held} bytes; with this file they would pass the limit of ${max} bytes. Wait for them to finish, or send a smaller file.`, [
    { pointer: '/file', code: 'batch_bytes_held_limit', detail: `At most ${max} bytes of files may wait for processing per merchant.` },
  ]);
}

/**
 * Takes an uploaded file: streams it into the batch file store (encrypted at rest, SPEC §13) while checking
 * that every byte is valid in the encoding it declares (UTF-8 unless `charset=gbk` or `gb18030`;
 * a file that is not is refused whole, 400 `invalid_encoding`, with the offset of the first bad
 * character), checks that it is what it claims (a CSV with a valid header, or a pain.008), and
 * records the batch. The same file again is the same batch. The merchant's unfinished batches may hold at most
 * `bytesHeldMax` bytes together; past it the upload is refused 413 and nothing stays stored.
 */
export async function receiveBatch(ctx: AppContext, merchantId: string, contentType: string, body: Readable, declaredBytes?: number, requestedKind?: BatchKind): Promise<{ batch: BatchRow; created: boolean }> {
  const xml = /^(application|text)\/xml\b/.test(contentType);
  if (!xml && !/^text\/csv\b/.test(contentType)) {
    body.resume();
    throw invalidFile('Send a CSV file as text/csv, or an ISO 20022 pain.008 (debits) or pain.001 (payouts) file as application/xml.');
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
  // The id comes first: the file is stored under it as it streams in (any node may process the
  // batch), and deleted again if the upload is refused or turns out to be a file already taken.
  const id = ctx.ids.next('batch');
  let bytes = 0;
  const headParts: Buffer[] = [];
  let headBytes = 0;
  const text = encodingCheck(encoding);
  // A pain.008's totals (NbOfTxs, CtrlSum) and its blocks' PmtInfIds need the whole file: they are
  // read as it streams in, so that a file that contradicts itself is refused now, with both values,
  // rather than failing its batch later. It costs a second, light parse of the file.
  const totalsReader = xml ? new Pain008TotalsReader() : null;
  let recorded = false;
  try {
    const checked = new Transform({
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
        totalsReader?.write(chunk);
        callback(null, chunk);
      },
    });
    // pipeline, not pipe: a refused or broken upload destroys both streams, and reading `checked`
    // (in put) throws the refusal; the callback has nothing to add.
    const stored = await ctx.batchFiles.put(id, pipeline(body, checked, () => undefined));
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
    let kind: BatchKind = requestedKind ?? 'debit';
    if (xml) {
      const messageKind = detectIso20022Message(start);
      const version = unsupportedPain008Version(start);
      if (version !== null) {
        throw new AppError('validation_failed', `pain.008 version ${version} is not supported; supported: .02 to .08 (pain.008.001.02 to pain.008.001.08).`, [
          { pointer: '/file', code: 'unsupported_version', detail: `pain.008 version ${version} is not supported; supported: .02 to .08.` },
        ]);
      }
      // The message says what its rows become: a pain.008 debits, a pain.001 payouts.
      const fileKind: BatchKind = messageKind === 'pain.001' ? 'payout' : 'debit';
      if (requestedKind !== undefined && messageKind !== null && requestedKind !== fileKind) {
        throw new AppError('validation_failed', `This is a ${messageKind} file, whose rows are ${fileKind}s; it was sent with kind=${requestedKind}. Leave kind out for ISO 20022 files, or send a ${requestedKind === 'payout' ? 'pain.001' : 'pain.008'}.`, [
          { pointer: '/query/kind', code: 'kind_mismatch', detail: `A ${messageKind} is a ${fileKind} batch.` },
        ]);
      }
      kind = fileKind;
      const header = messageKind === null ? null : readPain008GroupHeader(start, messageKind);
      if (header === null) throw invalidFile('The XML is not an ISO 20022 pain.008 customer direct debit initiation nor a pain.001 customer credit transfer initiation (.03 to .08).');
      const totals = totalsReader?.end() ?? null;
      // MsgId is checked from the head too: a file that breaks later still has its MsgId quoted in the pain.002.
      const problems = checkPain008Totals(totals ?? { messageId: header.messageId, declared: { transactions: undefined, controlSum: undefined }, transactions: 0, amountSum: null, paymentInformations: [] }, messageKind!);
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
      const problem = checkCsvHeader(firstLine.split(',').map((column) => column.trim().replace(/^"|"$/g, '')), kind);
      if (problem !== null) throw invalidFile(problem);
    }
    const sha256 = stored.sha256;
    const existing = await ctx.store.findBatchByFile(merchantId, sha256);
    if (existing !== null) {
      // No file passes the checks of both kinds (a payout CSV needs account_kind, which a debit CSV
      // refuses; an ISO 20022 message says its kind), so the same file is always the same kind.
      invariant(existing.kind === kind, `file ${sha256} was taken as a ${existing.kind} batch and passed as a ${kind} one`);
      return { batch: existing, created: false };
    }
    // Checked again now that the size is known: another upload may have finished meanwhile.
    const heldNow = await ctx.store.sumBatchBytesHeld(merchantId);
    if (heldNow + bytes > ctx.batches.bytesHeldMax) throw bytesHeldRefused(ctx, heldNow);
    const fileName = `${id}.${xml ? 'xml' : 'csv'}.enc`;
    const batch: NewBatchRow = {
      id,
      merchant_id: merchantId,
      file_sha256: sha256,
      format: xml ? (kind === 'payout' ? 'pain.001' : 'pain.008') : 'csv',
      kind,
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
    if ((await ctx.store.insertBatch(batch)) === 'file_taken') {
      // A concurrent upload of the same file was recorded first: answer as for a repeated upload.
      const taken = await ctx.store.findBatchByFile(merchantId, sha256);
      invariant(taken !== null, `batch of file ${sha256} of merchant ${merchantId} was taken, then not found`);
      return { batch: taken, created: false };
    }
    recorded = true;
    return { batch: { ...batch, lease_owner: null, lease_until: null }, created: true };
  } finally {
    // Refused, already taken, or not recorded: nothing uploaded stays. Should this delete fail
    // too, the batch worker's sweep deletes the file later (deleteAbandoned).
    if (!recorded) await ctx.batchFiles.delete(id).catch(() => undefined);
  }
}
