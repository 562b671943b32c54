/**
 * Payers: the checks, bank lookups and masks for what a mandate says about the person paying
 * (SPEC §3, §13). Pure: no clock, no I/O beyond the bank tables bundled from `data/banks/`.
 */
export { FIELD_REASONS, type FieldFailure, type FieldReason, type FieldResult, type FieldSuccess } from './field-result.js';
export { ACCOUNT_MEDIA, type AccountMedium } from './account-medium.js';

export { luhnCheckDigit, hasValidLuhn } from './luhn.js';
export { PROVINCE_CODES, isProvinceCode } from './province-codes.js';
export { validateBankCard, BANK_CARD_DIGITS_MIN, BANK_CARD_DIGITS_MAX } from './validate-bank-card.js';
export { validateAccountNumber, ACCOUNT_DIGITS_MIN, ACCOUNT_DIGITS_MAX } from './validate-account-number.js';
export { validateIdNumber, idCheckCharacter } from './validate-id-number.js';
export { validatePhone } from './validate-phone.js';
export { validateHolderName } from './validate-holder-name.js';
export { validateRegionCode } from './validate-region-code.js';

export { BANKS, type Bank, type BankCode } from './bank-table.js';
export { normalizeBankCode } from './normalize-bank-code.js';
export { bankFromBin } from './bank-from-bin.js';
export { resolvePayerBank, type PayerBankInput } from './resolve-payer-bank.js';

export { maskAccountNumber } from './mask-account-number.js';
export { maskIdNumber } from './mask-id-number.js';
export { maskPhone } from './mask-phone.js';
export { maskDigitRuns } from './mask-digit-runs.js';
export { SensitiveString, sensitiveAccount, sensitiveId, sensitivePhone } from './sensitive-string.js';
export { findPersonalDataInText, maskPersonalDataInText, type PersonalDataFound, type PersonalDataKind } from './personal-data-in-text.js';
