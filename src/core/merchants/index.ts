export const MERCHANT_CATEGORIES = [
  'utility',
  'public_welfare',
  'telecom',
  'insurance',
  'loan_repayment',
  'education',
  'government',
  'other',
] as const;
export type MerchantCategory = (typeof MERCHANT_CATEGORIES)[number];

/** The merchant fee plan a merchant gets when none is named (SPEC §6). */
export function defaultFeePlan(category: MerchantCategory): string {
  return category === 'public_welfare' ? 'welfare' : 'standard';
}

export interface Merchant {
  id: string;
  name: string;
  category: MerchantCategory;
  settlementAccountMasked: string;
  settlementBankCode: string;
  settlementRegionCode: string;
  settlementHolderName: string;
  feePlan: string;
  payerFeePlan: string | null;
  /** Failed debits presented again automatically (SPEC §14); max 0: off. */
  autoRepresent: AutoRepresent;
  createdAt: Date;
}

/** A merchant's `auto_represent`: how many re-presentments of each original, how many business days after each failure. */
export interface AutoRepresent {
  /** 0–2 */
  max: number;
  /** 1–5 */
  afterBusinessDays: number;
}

/** Off: failed debits are presented again only by hand. */
export const AUTO_REPRESENT_OFF: AutoRepresent = { max: 0, afterBusinessDays: 1 };
