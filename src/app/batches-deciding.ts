import { parseYuan } from '../core/index.js';
import { findPersonalDataInText, maskPersonalDataInText } from '../core/payers/index.js';
import { maskFileText } from './batch-errors.js';
import type { CsvRecord, RowProblem } from './batches-reading.js';
import type { CreateDebitInput } from './debit-sources.js';
import type { CreatePayoutInput } from './payouts.js';
import type { MandateStore } from './ports.js';

/*
 * Deciding a batch's rows: a record becomes a debit request (or the reason it cannot be one), and
 * a chunk's requests are decided against what one transaction reads and locks.
 */

/**
 * A field is at most this long; a longer one refuses its row (`too_long` on its column) and the
 * rest of the file goes on: the row is already bounded, so reading on costs nothing.
 */
export const FIELD_BYTES_MAX = 4 * 1024;
/** Columns of free text: personal data found in one refuses the row (SPEC §13). */
const FREE_TEXT_COLUMNS = ['reference', 'holder_name', 'description'] as const;
/** A rejected row's reference as stored for the report: masked, and cut if long. */
const STORED_REFERENCE_UNITS_MAX = 64;

/** The largest amount taken, in fen (SPEC §2: a safe integer), written for people. */
const AMOUNT_FEN_MAX_TEXT = '9,007,199,254,740,991 fen (90,071,992,547,409.91 yuan)';

/**
 * pain.008 names mandates by MndtId: a daikou id is used as it is, anything else is looked up as
 * the merchant's agreement number — one query for the whole chunk. An unknown one stays as given,
 * and the debit is then rejected `mandate_not_found`.
 */
export async function resolveMandateRefs(tx: Pick<MandateStore, 'findMandateIdsByAgreements'>, merchantId: string, records: CsvRecord[]): Promise<void> {
  const refs = records.flatMap((record) => (record.mandate_ref !== undefined && !record.mandate_ref.startsWith('mdt_') ? [record.mandate_ref.trim()] : []));
  const byAgreement = new Map((await tx.findMandateIdsByAgreements(merchantId, [...new Set(refs)])).map((m) => [m.agreement_number, m.id]));
  for (const record of records) {
    if (!('mandate_ref' in record)) continue;
    const ref = record.mandate_ref?.trim();
    record.mandate_id = ref === undefined || ref === '' ? undefined : ref.startsWith('mdt_') ? ref : (byAgreement.get(ref) ?? `agreement:${ref}`);
    delete record.mandate_ref;
  }
}

/** A rejected row's reference as the report shows it: never a full card or ID number, never very long. */
export function storedReference(text: string | undefined): string | null {
  const trimmed = text?.trim();
  if (trimmed === undefined || trimmed === '') return null;
  // Only runs of 15+ digits: a reference's order number of 6–14 digits is the merchant's own key
  // to the row, and no card or ID number is that short.
  const masked = maskPersonalDataInText(trimmed);
  return masked.length > STORED_REFERENCE_UNITS_MAX ? `${masked.slice(0, STORED_REFERENCE_UNITS_MAX)}…` : masked;
}

/** Maps a request pointer to the CSV column it came from. */
export function columnOf(pointer: string, record: CsvRecord): string {
  const field = pointer.split('/').at(-1) ?? '';
  if (field === 'amount') return 'amount_yuan' in record ? 'amount_yuan' : 'amount';
  return field;
}

/**
 * Turns a CSV record into a debit request, or the reason it cannot be one. Messages name each field
 * as the file does (`names`: pain.008 paths; a CSV column is its own name); `column` is the CSV name.
 */
export function recordToInput(record: CsvRecord, names: Readonly<Record<string, string>> = {}): { input: CreateDebitInput } | RowProblem {
  const common = commonFields(record, names);
  if ('code' in common) return common;
  const { name, value, reference, amount } = common;
  const mandateId = value('mandate_id');
  const accountNumber = value('account_number');
  if (mandateId === undefined && accountNumber === undefined) {
    const column = 'mandate_id' in record ? 'mandate_id' : 'account_number';
    return { column, code: 'required', message: `Give ${name('mandate_id')} or ${name('account_number')}.` };
  }
  const described = descriptionOf(value, name);
  if ('code' in described) return described;
  const { description } = described;
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

/** The account kinds a payout batch row may name (SPEC §14). */
const ACCOUNT_KINDS = ['personal', 'corporate'] as const;

/**
 * Turns a payout batch's record (a CSV row of SPEC §14's columns, or a pain.001 transaction named
 * as one) into a payout request, or the reason it cannot be one. The payee's own checks (account
 * number, holder name, bank) are the API's, made when the payout is decided.
 */
export function recordToPayoutInput(record: CsvRecord, names: Readonly<Record<string, string>> = {}): { input: CreatePayoutInput } | RowProblem {
  const common = commonFields(record, names);
  if ('code' in common) return common;
  const { name, value, reference, amount } = common;
  for (const column of ['account_number', 'holder_name', 'account_kind'] as const) {
    if (value(column) === undefined) return { column, code: 'required', message: `${name(column)} is empty.` };
  }
  const described = descriptionOf(value, name);
  if ('code' in described) return described;
  const { description } = described;
  const accountKind = value('account_kind')!;
  if (!(ACCOUNT_KINDS as readonly string[]).includes(accountKind)) {
    return { column: 'account_kind', code: 'invalid_value', message: `${name('account_kind')} is personal or corporate, not ${maskFileText(accountKind.slice(0, 32))}.` };
  }
  const bankCode = value('bank_code');
  const payee: CreatePayoutInput['payee'] = { account_number: value('account_number')!, account_kind: accountKind as CreatePayoutInput['payee']['account_kind'], holder_name: value('holder_name')!, ...(bankCode === undefined ? {} : { bank_code: bankCode }) };
  return { input: { payee, amount, currency: 'CNY', reference, ...(description === undefined ? {} : { description }) } };
}

/**
 * The checks every batch row passes, debit or payout: a field too long for any column, personal
 * data in free text (SPEC §13), the reference, the currency and the amount (fen or yuan). Messages name each field as the file does.
 */
function commonFields(
  record: CsvRecord,
  names: Readonly<Record<string, string>>,
): RowProblem | { name: (column: string) => string; value: (column: string) => string | undefined; reference: string; amount: number } {
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
  return { name, value, reference, amount };
}

/** The description, when it is at most 140 characters (checked after the row's other fields, as it always was). */
function descriptionOf(value: (column: string) => string | undefined, name: (column: string) => string): RowProblem | { description: string | undefined } {
  const description = value('description');
  if (description !== undefined && description.length > 140) return { column: 'description', code: 'too_long', message: `${name('description')} is longer than 140 characters.` };
  return { description };
}
