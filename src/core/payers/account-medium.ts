/**
 * What a payer account number is written on (SPEC §1). Only bank cards carry a check digit;
 * e-accounts (Ⅱ/Ⅲ类户) and passbook or corporate accounts follow each bank's own numbering.
 */
export const ACCOUNT_MEDIA = ['bank_card', 'virtual_account', 'bank_account'] as const;

export type AccountMedium = (typeof ACCOUNT_MEDIA)[number];
