/**
 * Why daikou refused a debit before it left (SPEC §5), in order of precedence: when several
 * apply, the first one listed is the one reported.
 */
export const REJECTION_CODES = [
  'mandate_not_found',
  'mandate_revoked',
  'mandate_expired',
  'mandate_not_yet_valid',
  'payer_details_mismatch',
  'mandate_limit_exceeded',
  'mandate_monthly_limit_exceeded',
  'no_eligible_channel',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export const REJECTION_MESSAGES = {
  mandate_not_found: 'No mandate of this merchant matches the debit.',
  mandate_revoked: 'The mandate has been revoked.',
  mandate_expired: 'The mandate expired before the debit date.',
  mandate_not_yet_valid: 'The mandate is not valid yet on the debit date.',
  payer_details_mismatch: 'The payer details given do not match the mandate.',
  mandate_limit_exceeded: "The amount is above the mandate's per-debit limit.",
  mandate_monthly_limit_exceeded: "The amount would take this month's debits above the mandate's monthly limit.",
  no_eligible_channel: 'No channel may carry this debit today.',
} as const satisfies Record<RejectionCode, string>;

/** Why a channel failed a debit (SPEC §9). */
export const FAILURE_CODES = [
  'insufficient_funds',
  'limit_exceeded',
  'channel_unavailable',
  'account_invalid',
  'account_closed',
  'account_blocked',
  'holder_mismatch',
  'mandate_invalid',
  'payer_refused',
  'issuer_decline',
  'unknown',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export function isFailureCode(value: string): value is FailureCode {
  return (FAILURE_CODES as readonly string[]).includes(value);
}

/** Whether the merchant may present the debit again (SPEC §9 explains when). */
export const FAILURE_RETRYABLE = {
  insufficient_funds: true,
  limit_exceeded: true,
  channel_unavailable: true,
  account_invalid: false,
  account_closed: false,
  account_blocked: false,
  holder_mismatch: false,
  mandate_invalid: false,
  payer_refused: false,
  issuer_decline: false,
  unknown: false,
} as const satisfies Record<FailureCode, boolean>;

export const FAILURE_MESSAGES = {
  insufficient_funds: 'The payer account does not hold enough money (余额不足). It may be presented again after at least one business day, at most twice.',
  limit_exceeded: "The amount is over the payer bank's single, daily or annual limit for this account.",
  channel_unavailable: 'The channel was closed, busy or outside its hours and did not receive the debit.',
  account_invalid: 'The payer account does not exist (账号不存在).',
  account_closed: 'The payer account has been closed (已销户).',
  account_blocked: 'The payer account is frozen, stopped or reported lost (冻结/止付/挂失).',
  holder_mismatch: 'The name, ID number or phone does not match the payer account.',
  mandate_invalid: 'The payer bank does not hold this mandate, or the debit is outside its scope.',
  payer_refused: 'The payer refused or disputed the debit.',
  issuer_decline: 'The payer bank declined the debit.',
  unknown: 'The channel has not said what happened; daikou keeps asking it.',
} as const satisfies Record<FailureCode, string>;
