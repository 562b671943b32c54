import type { AccountKind, Medium } from '../mandates/index.js';
import type { FailureCode } from '../debits/codes.js';
import { invariant } from '../kernel/index.js';

/** What a channel needs to move money to or from one account. Personal data is in clear here, and only here. */
interface AccountInstruction {
  channelId: string;
  endToEndId: string;
  /**
   * Which attempt at the instruction this is (1, 2, …): carried to the channel so that, once it
   * has answered `not_found` for an attempt, it refuses that attempt's message if it arrives late.
   */
  attemptNumber: number;
  amountFen: number;
  accountNumber: string;
  accountKind: AccountKind;
  medium: Medium;
  bankCode: string | null;
  holderName: string | null;
}

/** What a channel needs to carry one debit: the account, and what proves the payer's mandate. */
export interface DebitInstruction extends AccountInstruction {
  idNumber: string | null;
  phone: string | null;
  mandateReference: string;
}

/** What a status query asks about: an instruction's end-to-end id, and the attempt the asker holds open. */
export interface AttemptQuery {
  endToEndId: string;
  attemptNumber: number;
}

/**
 * The channel's answer to a submission.
 * - `accepted`: it holds the debit; the outcome comes from a later query.
 * - `not_sent`: it confirmed it did not receive it (connection refused, an explicit
 *   "unavailable", the message refused unread as too large, or refused because the channel has
 *   already reported that attempt not found), so it may be sent again.
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

/*
 * Connectors by flow (as Hyperswitch does): one interface per thing a channel can be asked to
 * do. A connector only translates between daikou and one channel's protocol; each instance
 * serves one channel, whose endpoint it was built with, and declares the flows it serves and
 * their limits in `ChannelFlows`. Callers find a flow through the `ConnectorRegistry`.
 *
 * None of these methods throws for anything the channel or the network does: every such
 * failure is one of the outcomes above. A throw is a connector bug; callers treat it as the
 * most doubtful outcome (`unknown` for a submission, `unreachable` for a query).
 */

/** Sends debits to the channel. */
export interface DebitSubmit {
  /** Most instructions one `submitDebits` call takes (≥ 1); callers split larger groups. */
  readonly batchMax: number;
  submitDebit(instruction: DebitInstruction): Promise<SubmitOutcome>;
  /**
   * Several instructions of this channel in one message (collection centers take files): one
   * outcome per instruction, in order. A transport failure gives every one the same outcome.
   * Called with 2 to `batchMax` instructions; never when `batchMax` is 1.
   */
  submitDebits(instructions: readonly DebitInstruction[]): Promise<SubmitOutcome[]>;
}

/**
 * Asks the channel what became of debits, by end-to-end id and attempt number. A `not_found`
 * answer closes that attempt at the channel: a message of it arriving later is refused.
 */
export interface DebitQuery {
  /** Most ids one `queryDebits` call takes (≥ 1); callers split larger groups. */
  readonly batchMax: number;
  queryDebit(query: AttemptQuery): Promise<QueryOutcome>;
  /** One outcome per query, in order. Called with 2 to `batchMax` queries; never when `batchMax` is 1. */
  queryDebits(queries: readonly AttemptQuery[]): Promise<QueryOutcome[]>;
}

/** What a channel needs to carry one payout (credit to a payee). */
export type PayoutInstruction = AccountInstruction;

/** Sends payouts to the channel; the same answers and limits as debits. Their outcome is asked through the channel's DebitQuery flow (by end-to-end id). */
export interface PayoutSubmit {
  readonly batchMax: number;
  submitPayout(instruction: PayoutInstruction): Promise<SubmitOutcome>;
  submitPayouts(instructions: readonly PayoutInstruction[]): Promise<SubmitOutcome[]>;
}

/**
 * A channel's statement of one business date (camt.053 or its own format; the sandbox connector
 * fetches the CSV of docs/statements.md). `body` is the document as it arrives, chunk by chunk
 * (a million lines are ~95 MiB): read it once; a read that breaks off throws.
 */
export type StatementOutcome =
  | { kind: 'ready'; body: AsyncIterable<Uint8Array> }
  | { kind: 'not_ready' }
  | { kind: 'unreachable'; reason: string };

/** Fetches the channel's statements, for reconciliation; served by the sandbox connector. */
export interface StatementSource {
  /** `businessDate` is `YYYY-MM-DD` in Asia/Shanghai. */
  statement(businessDate: string): Promise<StatementOutcome>;
}

/**
 * The flows one channel's connector serves: every flow is named, null when the channel does
 * not serve it, so that adding a flow makes every connector say whether it serves it.
 */
export interface ChannelFlows {
  debitSubmit: DebitSubmit | null;
  debitQuery: DebitQuery | null;
  payoutSubmit: PayoutSubmit | null;
  statementSource: StatementSource | null;
}

export type FlowName = keyof ChannelFlows;

/**
 * Why a registry has no implementation of a flow for a channel:
 * - `unknown_channel`: no channel of that id is configured (yet: another process may have
 *   just added it);
 * - `flow_not_served`: the channel's connector does not serve that flow.
 */
export type FlowUnsupportedReason = 'unknown_channel' | 'flow_not_served';

export type FlowLookup<Flow> =
  | { kind: 'served'; flow: Flow }
  | { kind: 'not_supported'; channelId: string; flowName: FlowName; reason: FlowUnsupportedReason };

/** Finds the implementation of a flow for a channel. */
export interface ConnectorRegistry {
  debitSubmit(channelId: string): FlowLookup<DebitSubmit>;
  debitQuery(channelId: string): FlowLookup<DebitQuery>;
  payoutSubmit(channelId: string): FlowLookup<PayoutSubmit>;
  statementSource(channelId: string): FlowLookup<StatementSource>;
}

/** A registry over a fixed map of channels to their flows. */
export class FlowTable implements ConnectorRegistry {
  constructor(private readonly byChannel: ReadonlyMap<string, ChannelFlows>) {}

  debitSubmit(channelId: string): FlowLookup<DebitSubmit> {
    return this.#lookup(channelId, 'debitSubmit');
  }

  debitQuery(channelId: string): FlowLookup<DebitQuery> {
    return this.#lookup(channelId, 'debitQuery');
  }

  payoutSubmit(channelId: string): FlowLookup<PayoutSubmit> {
    return this.#lookup(channelId, 'payoutSubmit');
  }

  statementSource(channelId: string): FlowLookup<StatementSource> {
    return this.#lookup(channelId, 'statementSource');
  }

  #lookup<Name extends FlowName>(channelId: string, flowName: Name): FlowLookup<NonNullable<ChannelFlows[Name]>> {
    const flows = this.byChannel.get(channelId);
    if (flows === undefined) return { kind: 'not_supported', channelId, flowName, reason: 'unknown_channel' };
    const flow = flows[flowName];
    if (flow === null) return { kind: 'not_supported', channelId, flowName, reason: 'flow_not_served' };
    return { kind: 'served', flow: flow as NonNullable<ChannelFlows[Name]> };
  }
}

/** Splits items into runs of at most `size` (≥ 1), in order: a group cut to a flow's `batchMax`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  invariant(Number.isSafeInteger(size) && size >= 1, `a chunk size must be a positive integer, got ${size}`);
  const runs: T[][] = [];
  for (let start = 0; start < items.length; start += size) runs.push(items.slice(start, start + size));
  return runs;
}
