import type { BusinessDate, Medium } from '../core/index.js';
import {
  maskAccountNumber,
  maskIdNumber,
  maskPhone,
  normalizeBankCode,
  resolvePayerBank,
  validateAccountNumber,
  validateHolderName,
  validateIdNumber,
  validatePhone,
  validateRegionCode,
} from '../core/payers/index.js';
import type { FieldError } from './errors.js';
import type { PersonalDataVault } from './ports.js';

type Check<T> = { ok: true; value: T } | { ok: false; code: string; detail: string };

/** Runs one field check, recording a field error under `pointer` when it fails. */
export function field<T>(errors: FieldError[], pointer: string, result: Check<T>): T | undefined {
  if (result.ok) return result.value;
  errors.push({ pointer, code: result.code, detail: result.detail });
  return undefined;
}

export function optionalField<T>(errors: FieldError[], pointer: string, text: string | undefined, check: (text: string) => Check<T>): T | null {
  if (text === undefined) return null;
  return field(errors, pointer, check(text)) ?? null;
}

/** A personal value as it is stored: ciphertext, blind index and display form. */
export interface SealedValue {
  ciphertext: string;
  index: string;
  masked: string;
}

export function sealAccount(vault: PersonalDataVault, accountNumber: string): SealedValue {
  return { ciphertext: vault.seal(accountNumber), index: vault.index('account', accountNumber), masked: maskAccountNumber(accountNumber) };
}

export function sealIdNumber(vault: PersonalDataVault, idNumber: string): SealedValue {
  return { ciphertext: vault.seal(idNumber), index: vault.index('id_number', idNumber), masked: maskIdNumber(idNumber) };
}

export function sealPhone(vault: PersonalDataVault, phone: string): SealedValue {
  return { ciphertext: vault.seal(phone), index: vault.index('phone', phone), masked: maskPhone(phone) };
}

export interface PayerInput {
  account_number: string;
  account_kind: 'personal' | 'corporate';
  medium: Medium;
  holder_name?: string | undefined;
  id_number?: string | undefined;
  phone?: string | undefined;
  bank_code?: string | undefined;
  region_code?: string | undefined;
}

export interface ValidPayer {
  accountNumber: string;
  accountKind: 'personal' | 'corporate';
  medium: Medium;
  holderName: string | null;
  idNumber: string | null;
  phone: string | null;
  bankCode: string | null;
  regionCode: string | null;
}

/** Validates a mandate's payer (SPEC §3); every bad field is reported, none echoes a full number. */
export function validatePayer(input: PayerInput, base: string, today: BusinessDate, errors: FieldError[]): ValidPayer | null {
  const before = errors.length;
  const accountNumber = field(errors, `${base}/account_number`, validateAccountNumber(input.account_number, input.medium));
  const holderName = optionalField(errors, `${base}/holder_name`, input.holder_name, validateHolderName);
  const idNumber = optionalField(errors, `${base}/id_number`, input.id_number, (text) => validateIdNumber(text, today));
  const phone = optionalField(errors, `${base}/phone`, input.phone, validatePhone);
  const regionCode = optionalField(errors, `${base}/region_code`, input.region_code, validateRegionCode);
  let bankCode: string | null = null;
  if (accountNumber !== undefined) {
    bankCode = field(errors, `${base}/bank_code`, resolvePayerBank({ accountNumber, medium: input.medium, bankCode: input.bank_code })) ?? null;
  }
  if (errors.length > before || accountNumber === undefined) return null;
  return { accountNumber, accountKind: input.account_kind, medium: input.medium, holderName, idNumber, phone, bankCode, regionCode };
}

export { normalizeBankCode, validateAccountNumber, validateHolderName, validateIdNumber, validatePhone, validateRegionCode };
