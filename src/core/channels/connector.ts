import type { AccountKind, Medium } from '../mandates/index.js';
import type { FailureCode } from '../debits/codes.js';

/** What a channel needs to carry one debit. Personal data is in clear here, and only here. */
export interface DebitInstruction {
  channelId: string;
  endToEndId: string;
  amountFen: number;
  accountNumber: string;
  accountKind: AccountKind;
  medium: Medium;
  bankCode: string | null;
  holderName: string | null;
  idNumber: string | null;
  phone: string | null;
  mandateReference: string;
}

/**
 * The channel's answer to a submission.
 * - `accepted`: it holds the debit; the outcome comes from a later query.
 * - `not_sent`: it confirmed it did not receive it (connection refused, an explicit
 *   "unavailable", or the message refused unread as too large), so it may be sent again.
 * - `unknown`: anything else (timeout, reset, a 5xx): it may hold it; only a query may tell.
 */
export type SubmitOutcome =
  | { kind: 'accepted'; channelReference: string }
  | { kind: 'not_sent'; reason: string }
  | { kind: 'unknown'; reason: string };

/**
 * The channel's answer to a status query by end-to-end id.
 * - `not_found`: the only answer that allows a new attempt.
 * - `unreachable`: the query itself failed; ask again later.
 */
export type QueryOutcome =
  | { kind: 'processing' }
  | { kind: 'succeeded'; channelReference: string }
  | { kind: 'failed'; code: FailureCode; message: string }
  | { kind: 'not_found' }
  | { kind: 'unreachable'; reason: string };

/** A connector only translates between daikou and one channel's protocol. */
export interface ChannelConnector {
  submitDebit(instruction: DebitInstruction): Promise<SubmitOutcome>;
  queryDebit(channelId: string, endToEndId: string): Promise<QueryOutcome>;
  /**
   * For channels that take many instructions in one message (collection centers take files):
   * one outcome per instruction, in order. A transport failure gives every one the same outcome.
   */
  submitDebits?(channelId: string, instructions: readonly DebitInstruction[]): Promise<SubmitOutcome[]>;
  queryDebits?(channelId: string, endToEndIds: readonly string[]): Promise<QueryOutcome[]>;
}
