import type { BusinessDate } from '../kernel/clock.js';
import type { RejectionCode } from '../debits/codes.js';

export const ACCOUNT_KINDS = ['personal', 'corporate'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];
export const MEDIA = ['bank_card', 'virtual_account', 'bank_account'] as const;
export type Medium = (typeof MEDIA)[number];

export type StoredMandateStatus = 'active' | 'revoked';
export type MandateStatus = StoredMandateStatus | 'expired';

/** What the checks need to know of a mandate; dates are Shanghai business dates. */
export interface MandateTerms {
  status: StoredMandateStatus;
  validFrom: BusinessDate | null;
  validUntil: BusinessDate | null;
  perDebitMaxFen: number | null;
  monthlyMaxFen: number | null;
}

/** `expired` is derived: a mandate is expired once its last valid day has passed. */
export function mandateStatus(terms: Pick<MandateTerms, 'status' | 'validUntil'>, today: BusinessDate): MandateStatus {
  if (terms.status === 'revoked') return 'revoked';
  if (terms.validUntil !== null && terms.validUntil < today) return 'expired';
  return 'active';
}

export interface DebitAgainstMandate {
  amountFen: number;
  businessDate: BusinessDate;
  /** Whether every payer detail the request gave matches the mandate. */
  payerDetailsMatch: boolean;
  /** Already used this month under the mandate (debits neither rejected nor failed). */
  monthlyUsedFen: number;
}

/**
 * The mandate checks of SPEC §5, in the precedence of REJECTION_CODES. Returns the first
 * reason to refuse, or null when the mandate allows the debit.
 */
export function checkDebitAgainstMandate(terms: MandateTerms, debit: DebitAgainstMandate): RejectionCode | null {
  const status = mandateStatus(terms, debit.businessDate);
  if (status === 'revoked') return 'mandate_revoked';
  if (status === 'expired') return 'mandate_expired';
  if (terms.validFrom !== null && debit.businessDate < terms.validFrom) return 'mandate_not_yet_valid';
  if (!debit.payerDetailsMatch) return 'payer_details_mismatch';
  if (terms.perDebitMaxFen !== null && debit.amountFen > terms.perDebitMaxFen) return 'mandate_limit_exceeded';
  if (terms.monthlyMaxFen !== null && debit.monthlyUsedFen + debit.amountFen > terms.monthlyMaxFen) {
    return 'mandate_monthly_limit_exceeded';
  }
  return null;
}
