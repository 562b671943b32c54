import { businessDate, isCalendarDate, isPositiveFen, type BusinessDate, type Medium } from '../core/index.js';
import { nowIso, type AppContext } from './context.js';
import { AppError, notFound, validationFailed, type FieldError } from './errors.js';
import { eventRow } from './events.js';
import { sealAccount, sealIdNumber, sealPhone, validatePayer, type PayerInput } from './payer-details.js';
import type { MandateRow, MandateStore, Page } from './ports.js';

export interface CreateMandateInput {
  payer: PayerInput & { medium: Medium };
  agreement_number: string;
  signed_at: string;
  valid_from?: string | undefined;
  valid_until?: string | undefined;
  limits?: { per_debit_max?: number | undefined; monthly_max?: number | undefined } | undefined;
}

export async function createMandate(ctx: AppContext, merchantId: string, input: CreateMandateInput): Promise<MandateRow> {
  const row = buildMandateRow(ctx, merchantId, input);
  // A concurrent request may take the agreement number between the check and the insert.
  await ctx.store.transaction(async (tx) => {
    if ((await tx.findMandateByAgreement(merchantId, input.agreement_number)) !== null) throw agreementTaken();
    if ((await tx.insertMandate(row)) === 'agreement_taken') throw agreementTaken();
    await tx.insertEvents([eventRow(ctx.ids.next('event'), 'mandate.created', merchantId, ctx.presenters.mandate(row, businessDate(new Date(row.created_at))), row.created_at)]);
  });
  return row;
}

/**
 * The mandate a request describes, validated, with its personal data sealed, not yet written:
 * createMandate writes it after checking the agreement number; bulk imports write many at once
 * (StoreTx.insertMandates), where the unique index on (merchant, agreement number) is the check.
 * Throws validationFailed with every bad field.
 */
export function buildMandateRow(ctx: AppContext, merchantId: string, input: CreateMandateInput): MandateRow {
  const now = ctx.clock.now();
  const today = businessDate(now);
  const errors: FieldError[] = [];
  const payer = validatePayer(input.payer, '/payer', today, errors);
  const signedAt = parseInstantOrDate(input.signed_at);
  if (signedAt === null) errors.push({ pointer: '/signed_at', code: 'invalid_datetime', detail: 'signed_at must be an RFC 3339 time or a YYYY-MM-DD date.' });
  else if (signedAt.getTime() > now.getTime()) errors.push({ pointer: '/signed_at', code: 'in_future', detail: 'signed_at cannot be in the future.' });
  const validFrom = optionalDate(errors, '/valid_from', input.valid_from);
  const validUntil = optionalDate(errors, '/valid_until', input.valid_until);
  if (validFrom && validUntil && validUntil < validFrom) {
    errors.push({ pointer: '/valid_until', code: 'before_valid_from', detail: 'valid_until is before valid_from.' });
  }
  const perDebitMax = input.limits?.per_debit_max ?? null;
  const monthlyMax = input.limits?.monthly_max ?? null;
  for (const [pointer, value] of [['/limits/per_debit_max', perDebitMax], ['/limits/monthly_max', monthlyMax]] as const) {
    if (value !== null && !isPositiveFen(value)) errors.push({ pointer, code: 'invalid_amount', detail: 'A limit is a positive integer amount of fen.' });
  }
  if (errors.length > 0 || payer === null || signedAt === null) throw validationFailed(errors);

  const account = sealAccount(ctx.vault, payer.accountNumber);
  const idNumber = payer.idNumber === null ? null : sealIdNumber(ctx.vault, payer.idNumber);
  const phone = payer.phone === null ? null : sealPhone(ctx.vault, payer.phone);
  return {
    id: ctx.ids.next('mandate'),
    merchant_id: merchantId,
    agreement_number: input.agreement_number,
    status: 'active',
    account_ciphertext: account.ciphertext,
    account_index: account.index,
    account_masked: account.masked,
    account_kind: payer.accountKind,
    medium: payer.medium,
    bank_code: payer.bankCode,
    region_code: payer.regionCode,
    holder_name: payer.holderName,
    id_number_ciphertext: idNumber?.ciphertext ?? null,
    id_number_index: idNumber?.index ?? null,
    id_number_masked: idNumber?.masked ?? null,
    phone_ciphertext: phone?.ciphertext ?? null,
    phone_index: phone?.index ?? null,
    phone_masked: phone?.masked ?? null,
    signed_at: signedAt.toISOString(),
    valid_from: validFrom,
    valid_until: validUntil,
    per_debit_max: perDebitMax,
    monthly_max: monthlyMax,
    revoked_at: null,
    created_at: now.toISOString(),
  };
}

function agreementTaken(): AppError {
  return new AppError('agreement_number_already_used', 'This merchant already has a mandate with this agreement_number.', [
    { pointer: '/agreement_number', code: 'already_used', detail: 'agreement_number must be unique per merchant.' },
  ]);
}

/** A merchant sees only its own mandates: another merchant's is "not found", not "forbidden". */
export async function getMandate(ctx: AppContext, merchantId: string | null, id: string, tx: MandateStore = ctx.store): Promise<MandateRow> {
  const row = await tx.getMandate(id);
  if (row === null || (merchantId !== null && row.merchant_id !== merchantId)) throw notFound('mandate', id);
  return row;
}

export async function revokeMandate(ctx: AppContext, merchantId: string | null, id: string): Promise<MandateRow> {
  return ctx.store.transaction(async (tx) => {
    const row = await getMandate(ctx, merchantId, id, tx);
    if (row.status === 'revoked') return row;
    const at = nowIso(ctx);
    await tx.revokeMandate(id, at);
    const revoked = await getMandate(ctx, merchantId, id, tx);
    await tx.insertEvents([eventRow(ctx.ids.next('event'), 'mandate.revoked', revoked.merchant_id, ctx.presenters.mandate(revoked, businessDate(new Date(at))), at)]);
    return revoked;
  });
}

export async function listMandates(
  ctx: AppContext,
  filter: {
    merchantId: string | null;
    status?: 'active' | 'revoked' | undefined;
    accountNumber?: string | undefined;
    agreementNumber?: string | undefined;
    limit: number;
    startingAfter?: string | undefined;
  },
): Promise<Page<MandateRow>> {
  return ctx.store.listMandates({
    merchantId: filter.merchantId ?? undefined,
    status: filter.status,
    accountIndex: filter.accountNumber === undefined ? undefined : ctx.vault.index('account', filter.accountNumber),
    agreementNumber: filter.agreementNumber,
    limit: filter.limit,
    startingAfter: filter.startingAfter,
  });
}

function parseInstantOrDate(text: string): Date | null {
  if (isCalendarDate(text)) return new Date(`${text}T00:00:00+08:00`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const value = new Date(text);
  return Number.isNaN(value.getTime()) ? null : value;
}

function optionalDate(errors: FieldError[], pointer: string, text: string | undefined): BusinessDate | null {
  if (text === undefined) return null;
  if (isCalendarDate(text)) return text;
  errors.push({ pointer, code: 'invalid_date', detail: `${pointer.slice(1)} must be a date written YYYY-MM-DD.` });
  return null;
}
