import { maskPersonalDataInText } from '../core/payers/index.js';

/**
 * Why a batch ended `failed` (SPEC §11): the file could not be read to its end, or processing met
 * unexpected errors too many times. Rows read before the point of failure stand. Shown in the
 * batch as `error`, stored as JSON in `batches.error`.
 */
export const BATCH_ERROR_CODES = {
  invalid_csv: 'The CSV cannot be parsed past this point (a quote out of place or never closed, for instance).',
  invalid_xml: 'The XML is not a well-formed pain.008 past this point.',
  invalid_utf8: 'The file is not valid UTF-8 here: save it as UTF-8.',
  invalid_encoding: 'The file is not valid in its declared encoding (GBK or GB18030) here.',
  row_too_long: 'A row is longer than the limit; the rest of the file cannot be read.',
  file_unreadable: 'The stored file is missing or does not verify.',
  internal_error: 'daikou met unexpected errors processing this batch and gave up; the rows read so far stand.',
} as const satisfies Record<string, string>;
export type BatchErrorCode = keyof typeof BATCH_ERROR_CODES;

export interface BatchError {
  code: BatchErrorCode;
  /** A sentence for people; never a full account or ID number. */
  detail: string;
  /** The data row (numbered as in the report, from 1) that could not be read; null before the first row (the header) or when unknown. */
  row: number | null;
  /** The CSV column, or the pain.008 field, being read; null when unknown. */
  column: string | null;
  /** 1-based line of the file where reading stopped. */
  line: number | null;
  /** Bytes from the start of the file: where the row that could not be read begins (CSV), or where the reader stood (XML, UTF-8). */
  byte_offset: number | null;
}

/**
 * Why a batch row is refused before its debit is decided, most significant first. Rows refused
 * by the debit rules carry the API's field codes (`invalid_check_digit`, `ambiguous_mandate`, …)
 * or its rejection codes (`payer_details_mismatch`, …) instead: the same validators decide both.
 */
export const BATCH_ROW_CODES = {
  row_too_short: 'The row has fewer cells than the header: the columns it lacks are named.',
  extra_column: 'The row has more cells than the header.',
  too_long: 'A field is longer than its limit.',
  personal_data_in_free_text: 'A free-text column holds a card or ID number.',
  required: 'A field that must be given is empty.',
  invalid_currency: 'The amount is in another currency than CNY.',
  invalid_amount: 'The amount is not a positive amount in its unit.',
  amount_too_large: 'The amount is larger than any amount daikou takes.',
  invalid_value: 'A field holds a value outside its list (a payout row\'s account_kind: personal or corporate).',
} as const satisfies Record<string, string>;
export type BatchRowCode = keyof typeof BATCH_ROW_CODES;

/** A batch file that cannot be read on: the batch fails with this error, other batches go on. */
export class BatchFileError extends Error {
  override name = 'BatchFileError';
  constructor(readonly error: BatchError) {
    super(error.detail);
  }
}

export function batchError(code: BatchErrorCode, detail: string, where: Partial<Pick<BatchError, 'row' | 'column' | 'line' | 'byte_offset'>> = {}): BatchError {
  return { code, detail: maskFileText(detail), row: where.row ?? null, column: where.column === undefined || where.column === null ? null : maskFileText(where.column).slice(0, 64), line: where.line ?? null, byte_offset: where.byte_offset ?? null };
}

/**
 * Text from an uploaded file echoed into a stored message or a log line: runs of 15+ digits (cards,
 * ID numbers) masked as everywhere, and any other run of 6+ digits (a short account number) cut out.
 */
export function maskFileText(text: string): string {
  return maskPersonalDataInText(text).replace(/\d{6,}/g, '…');
}

export function encodeBatchError(error: BatchError): string {
  return JSON.stringify(error);
}

/** Reads `batches.error`; the migration turned older plain sentences into JSON. */
export function decodeBatchError(stored: string | null): BatchError | null {
  if (stored === null) return null;
  try {
    return JSON.parse(stored) as BatchError;
  } catch {
    return batchError('file_unreadable', stored);
  }
}
