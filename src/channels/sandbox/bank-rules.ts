/**
 * The simulated banks' rules, applied once, at receipt (docs/sandbox-protocol.md, "Bank rules").
 * Pure: the store reads the account and today's usage, asks here, and writes what it is told.
 */

export const ACCOUNT_STATUSES = ['open', 'frozen', 'closed'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const ACCOUNT_CLASSES = ['I', 'II', 'III'] as const;
export type AccountClass = (typeof ACCOUNT_CLASSES)[number];

/**
 * The SPEC §9 failure codes a simulated bank gives, in the order the rules are checked: the first
 * that applies wins.
 */
export const SANDBOX_FAILURE_CODES = [
  'account_closed',
  'account_blocked',
  'holder_mismatch',
  'limit_exceeded',
  'insufficient_funds',
] as const;
export type SandboxFailureCode = (typeof SANDBOX_FAILURE_CODES)[number];

export type DebitOutcome = 'succeeded' | SandboxFailureCode;
/** What the received log says of a message: its decided outcome, or that it repeated an earlier one. */
export type ReceivedOutcome = DebitOutcome | 'duplicate';

/** An account nobody configured: open, class Ⅰ, 1,000,000.00 yuan, any name and ID. */
export const DEFAULT_BALANCE_FEN = 100_000_000;
export const DEFAULT_STATUS: AccountStatus = 'open';
export const DEFAULT_CLASS: AccountClass = 'I';

/** Daily debit limit per account class and Shanghai business date; Ⅰ类 has none (SPEC §9). */
export const DAILY_LIMIT_FEN = {
  I: null,
  II: 1_000_000,
  III: 200_000,
} as const satisfies Record<AccountClass, number | null>;

export const FAILURE_MESSAGES = {
  account_closed: 'account closed (已销户)',
  account_blocked: 'account frozen or stopped (冻结/止付)',
  holder_mismatch: 'holder name or ID number does not match (户名/证件号不符)',
  limit_exceeded: 'daily limit of the account class exceeded (超过日累计限额)',
  insufficient_funds: 'insufficient funds (余额不足)',
} as const satisfies Record<SandboxFailureCode, string>;

export interface AccountState {
  status: AccountStatus;
  accountClass: AccountClass;
  balanceFen: number;
  /** Normalized; null when the operator configured none (then any name is accepted). */
  holderName: string | null;
  idNumberHmac: string | null;
}

export interface DebitMessage {
  amountFen: number;
  /** Normalized; undefined when the message carries none (then it is not checked). */
  holderName?: string | undefined;
  idNumberHmac?: string | undefined;
}

export function decideDebit(account: AccountState, message: DebitMessage, usedTodayFen: number): DebitOutcome {
  if (account.status === 'closed') return 'account_closed';
  if (account.status === 'frozen') return 'account_blocked';
  if (differs(account.holderName, message.holderName)) return 'holder_mismatch';
  if (differs(account.idNumberHmac, message.idNumberHmac)) return 'holder_mismatch';
  const limitFen = DAILY_LIMIT_FEN[account.accountClass];
  if (limitFen !== null && usedTodayFen + message.amountFen > limitFen) return 'limit_exceeded';
  if (account.balanceFen < message.amountFen) return 'insufficient_funds';
  return 'succeeded';
}

/** Which way an instruction moves money: a debit draws on the account, a payout credits it. */
export type Direction = 'debit' | 'credit';

/**
 * A payout (credit) to an account (SPEC §10, §14): a closed account refuses it, a frozen one
 * (冻结/止付) takes nothing in, a holder name given must match, and Ⅱ/Ⅲ类 accounts' daily limit
 * counts credits as well; there is no balance to lack.
 */
export function decideCredit(account: AccountState, message: DebitMessage, usedTodayFen: number): DebitOutcome {
  if (account.status === 'closed') return 'account_closed';
  if (account.status === 'frozen') return 'account_blocked';
  if (differs(account.holderName, message.holderName)) return 'holder_mismatch';
  const limitFen = DAILY_LIMIT_FEN[account.accountClass];
  if (limitFen !== null && usedTodayFen + message.amountFen > limitFen) return 'limit_exceeded';
  return 'succeeded';
}

/** Only a value given on both sides can differ: an unconfigured account accepts any name. */
function differs(configured: string | null, given: string | undefined): boolean {
  return configured !== null && given !== undefined && configured !== given;
}

export function isLimitedClass(accountClass: AccountClass): boolean {
  return DAILY_LIMIT_FEN[accountClass] !== null;
}
