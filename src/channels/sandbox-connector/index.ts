import {
  invariant,
  isFailureCode,
  type ChannelFlows,
  type DebitInstruction,
  type DebitQuery,
  type DebitSubmit,
  type QueryOutcome,
  type SubmitOutcome,
} from '../../core/index.js';

/** Statuses the channel reports (docs/sandbox-protocol.md) and what each means to daikou. */
type ChannelStatus = 'processing' | 'succeeded' | 'failed';
const STATUS_KIND = {
  processing: 'processing',
  succeeded: 'succeeded',
  failed: 'failed',
} as const satisfies Record<ChannelStatus, QueryOutcome['kind']>;

export interface SandboxConnectorOptions {
  /** The channel this connector serves. */
  channelId: string;
  /** Base URL of the channel's endpoint (the sandbox's URL for the sandbox's channels). */
  baseUrl: string;
  /** How long to wait for an answer before the outcome is `unknown`. */
  timeoutMs: number;
}

/** Most debits, or ids, in one message of the protocol (the sandbox's DEBIT_BATCH_MAX). */
const DEBIT_BATCH_MAX = 1000;

/**
 * Connector for one channel that speaks the daikou channel protocol (docs/sandbox-protocol.md):
 * the sandbox's simulated channels. It only translates; daikou's state machine decides what to
 * do. It serves debit submission and query, each in batches of up to DEBIT_BATCH_MAX.
 */
export class SandboxConnector implements DebitSubmit, DebitQuery {
  readonly batchMax = DEBIT_BATCH_MAX;
  readonly #channelUrl: string;

  constructor(private readonly options: SandboxConnectorOptions) {
    this.#channelUrl = `${options.baseUrl}/channels/${encodeURIComponent(options.channelId)}`;
  }

  /** The flows a channel of this protocol serves. */
  flows(): ChannelFlows {
    return { debitSubmit: this, debitQuery: this, payoutSubmit: null, statementSource: null };
  }

  async submitDebit(instruction: DebitInstruction): Promise<SubmitOutcome> {
    invariant(instruction.channelId === this.options.channelId, `an instruction for ${instruction.channelId} given to the connector of ${this.options.channelId}`);
    const url = `${this.#channelUrl}/debits`;
    const body = JSON.stringify(wireDebit(instruction));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      return refusedBeforeSending(error) ? { kind: 'not_sent', reason: describe(error) } : { kind: 'unknown', reason: describe(error) };
    }
    const payload = await readJson(response);
    if (response.status === 202 && typeof payload?.channel_reference === 'string') {
      return { kind: 'accepted', channelReference: payload.channel_reference };
    }
    return refusedUnread(response.status, payload) ?? { kind: 'unknown', reason: `HTTP ${response.status}` };
  }

  async submitDebits(instructions: readonly DebitInstruction[]): Promise<SubmitOutcome[]> {
    invariant(instructions.every((instruction) => instruction.channelId === this.options.channelId), `instructions for another channel given to the connector of ${this.options.channelId}`);
    const url = `${this.#channelUrl}/debit-batches`;
    const all = (outcome: SubmitOutcome) => instructions.map(() => outcome);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ debits: instructions.map(wireDebit) }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      return all(refusedBeforeSending(error) ? { kind: 'not_sent', reason: describe(error) } : { kind: 'unknown', reason: describe(error) });
    }
    const payload = await readJson(response);
    const refused = refusedUnread(response.status, payload);
    if (refused !== null) return all(refused);
    if (response.status !== 202 || !Array.isArray(payload?.debits)) return all({ kind: 'unknown', reason: `HTTP ${response.status}` });
    const references = new Map((payload.debits as { end_to_end_id: string; channel_reference: string }[]).map((d) => [d.end_to_end_id, d.channel_reference]));
    // An instruction the answer does not mention may or may not be held: only a query can tell.
    return instructions.map((instruction): SubmitOutcome => {
      const reference = references.get(instruction.endToEndId);
      return reference === undefined ? { kind: 'unknown', reason: 'missing from the batch answer' } : { kind: 'accepted', channelReference: reference };
    });
  }

  async queryDebits(endToEndIds: readonly string[]): Promise<QueryOutcome[]> {
    const url = `${this.#channelUrl}/debit-queries`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ end_to_end_ids: endToEndIds }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      return endToEndIds.map(() => ({ kind: 'unreachable', reason: describe(error) }));
    }
    const payload = await readJson(response);
    if (response.status !== 200 || !Array.isArray(payload?.results)) return endToEndIds.map(() => ({ kind: 'unreachable', reason: unansweredReason(response.status) }));
    const byId = new Map((payload.results as Record<string, unknown>[]).map((result) => [String(result.end_to_end_id), result]));
    return endToEndIds.map((id) => {
      const result = byId.get(id);
      if (result === undefined) return { kind: 'unreachable', reason: 'missing from the query answer' };
      if (result.status === 'not_found') return { kind: 'not_found' };
      return toQueryOutcome(result);
    });
  }

  async queryDebit(endToEndId: string): Promise<QueryOutcome> {
    const url = `${this.#channelUrl}/debits/${encodeURIComponent(endToEndId)}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      return { kind: 'unreachable', reason: describe(error) };
    }
    const payload = await readJson(response);
    if (response.status === 404 && payload?.status === 'not_found') return { kind: 'not_found' };
    if (response.status !== 200 || payload === null) return { kind: 'unreachable', reason: unansweredReason(response.status) };
    return toQueryOutcome(payload);
  }
}

const PAYLOAD_TOO_LARGE = 'payload_too_large: the channel refused the message unread (HTTP 413)';

/**
 * Submission answers that prove the channel recorded nothing of the message, so that it may be
 * sent again (`not_sent`); null for any other answer.
 * - 503 `channel_unavailable`: the protocol's "nothing was recorded".
 * - 413: the message is larger than the channel takes; it was refused before it was read
 *   (HTTP's own meaning, whoever answered it: the channel or a proxy in front of it).
 */
function refusedUnread(status: number, payload: Record<string, unknown> | null): SubmitOutcome | null {
  if (status === 503 && payload?.code === 'channel_unavailable') return { kind: 'not_sent', reason: 'channel_unavailable' };
  if (status === 413) return { kind: 'not_sent', reason: PAYLOAD_TOO_LARGE };
  return null;
}

/** Why a query got no answer, when the channel answered with an HTTP error instead. */
function unansweredReason(status: number): string {
  return status === 413 ? PAYLOAD_TOO_LARGE : `HTTP ${status}`;
}

function toQueryOutcome(payload: Record<string, unknown>): QueryOutcome {
  const status = payload.status as ChannelStatus;
  switch (STATUS_KIND[status]) {
    case 'processing':
      return { kind: 'processing' };
    case 'succeeded':
      return { kind: 'succeeded', channelReference: String(payload.channel_reference) };
    case 'failed': {
      const code = String(payload.code);
      // A code we do not know is the channel's bug, but the money did not move: report it as a decline.
      return isFailureCode(code)
        ? { kind: 'failed', code, message: String(payload.message ?? code) }
        : { kind: 'failed', code: 'issuer_decline', message: `channel code ${code}` };
    }
    default:
      return { kind: 'unreachable', reason: `unexpected channel status ${String(payload.status)}` };
  }
}

function wireDebit(instruction: DebitInstruction): Record<string, unknown> {
  return {
    end_to_end_id: instruction.endToEndId,
    amount: instruction.amountFen,
    account_number: instruction.accountNumber,
    account_kind: instruction.accountKind,
    medium: instruction.medium,
    ...(instruction.bankCode === null ? {} : { bank_code: instruction.bankCode }),
    ...(instruction.holderName === null ? {} : { holder_name: instruction.holderName }),
    ...(instruction.idNumber === null ? {} : { id_number: instruction.idNumber }),
    ...(instruction.phone === null ? {} : { phone: instruction.phone }),
    mandate_reference: instruction.mandateReference,
  };
}

async function readJson(response: Response): Promise<Record<string, unknown> | null> {
  try {
    const value: unknown = await response.json();
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Only a refused connection proves that no byte of the request reached the channel. */
function refusedBeforeSending(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  return cause?.code === 'ECONNREFUSED';
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.name : 'transport error';
}
