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
  createdAt: Date;
}
