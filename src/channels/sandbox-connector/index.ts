import {
  invariant,
  isFailureCode,
  type AttemptQuery,
  type ChannelFlows,
  type DebitInstruction,
  type DebitQuery,
  type DebitSubmit,
  type PayoutInstruction,
  type PayoutSubmit,
  type QueryOutcome,
  type StatementOutcome,
  type StatementSource,
  type SubmitOutcome,
} from '../../core/index.js';
import {
  CHANNEL_UNAVAILABLE,
  channelErrorSchema,
  DEBIT_BATCH_MAX,
  debitAcceptedSchema,
  debitBatchAcceptedSchema,
  debitNotFoundSchema,
  debitQueryAnswerSchema,
  debitStatusAnswerSchema,
  payoutBatchAcceptedSchema,
  REPORTED_NOT_FOUND,
  type BatchItemAnswer,
  type DebitBatchRequest,
  type DebitQueryRequest,
  type DebitRequest,
  type DebitStatusAnswer,
  type PayoutBatchRequest,
  type PayoutRequest,
} from '../../channels/sandbox-protocol/index.js';

export interface SandboxConnectorOptions {
  /** The channel this connector serves. */
  channelId: string;
  /** Base URL of the channel's endpoint (the sandbox's URL for the sandbox's channels). */
  baseUrl: string;
  /** How long to wait for an answer before the outcome is `unknown`. */
  timeoutMs: number;
}

/**
 * Connector for one channel that speaks the daikou channel protocol (docs/sandbox-protocol.md):
 * the sandbox's simulated channels. It only translates; daikou's state machine decides what to
 * do. It builds its requests typed by the protocol's schemas and reads answers only through
 * them: an answer that breaks the protocol proves nothing (`unknown`, `unreachable`). It serves
 * debit and payout submission and query, each in messages of up to the protocol's DEBIT_BATCH_MAX,
 * every message and query carrying its attempt number.
 */
export class SandboxConnector implements DebitSubmit, DebitQuery, StatementSource {
  readonly batchMax = DEBIT_BATCH_MAX;
  readonly #channelUrl: string;

  constructor(private readonly options: SandboxConnectorOptions) {
    this.#channelUrl = `${options.baseUrl}/channels/${encodeURIComponent(options.channelId)}`;
  }

  /** The flows a channel of this protocol serves. */
  flows(): ChannelFlows {
    return { debitSubmit: this, debitQuery: this, payoutSubmit: this.#payouts, statementSource: this };
  }

  /**
   * Payouts go as debits do (`POST …/payouts`, `…/payout-batches`) and are queried through the
   * debit query flow: the channel answers by end-to-end id whichever way the money moved.
   */
  readonly #payouts: PayoutSubmit = {
    batchMax: DEBIT_BATCH_MAX,
    submitPayout: (instruction) => this.submitPayout(instruction),
    submitPayouts: (instructions) => this.submitPayouts(instructions),
  };

  async submitPayout(instruction: PayoutInstruction): Promise<SubmitOutcome> {
    this.#assertOwn([instruction]);
    return this.#submitOne('/payouts', wirePayout(instruction));
  }

  async submitPayouts(instructions: readonly PayoutInstruction[]): Promise<SubmitOutcome[]> {
    this.#assertOwn(instructions);
    const body: PayoutBatchRequest = { payouts: instructions.map(wirePayout) };
    return this.#submitMany('/payout-batches', body, instructions, (payload) => payoutBatchAcceptedSchema.safeParse(payload).data?.payouts);
  }

  async submitDebit(instruction: DebitInstruction): Promise<SubmitOutcome> {
    this.#assertOwn([instruction]);
    const body: DebitRequest = wireDebit(instruction);
    return this.#submitOne('/debits', body);
  }

  /** One instruction in one message, debit or payout: the channel answers both alike (202 and a reference). */
  async #submitOne(path: '/debits' | '/payouts', body: DebitRequest | PayoutRequest): Promise<SubmitOutcome> {
    const sent = await this.#post(path, body);
    if (sent.kind === 'failed') return submitFailure(sent.error);
    const { response, payload } = sent;
    const refused = refusedUnread(response.status, payload);
    if (refused !== null) return refused;
    if (response.status === 409 && channelErrorSchema.safeParse(payload).data?.code === REPORTED_NOT_FOUND) return { kind: 'not_sent', reason: REPORTED_NOT_FOUND };
    if (response.status !== 202) return { kind: 'unknown', reason: `HTTP ${response.status}` };
    const accepted = debitAcceptedSchema.safeParse(payload);
    if (!accepted.success) return { kind: 'unknown', reason: malformed(response.status) };
    return { kind: 'accepted', channelReference: accepted.data.channel_reference };
  }

  async submitDebits(instructions: readonly DebitInstruction[]): Promise<SubmitOutcome[]> {
    this.#assertOwn(instructions);
    const body: DebitBatchRequest = { debits: instructions.map(wireDebit) };
    return this.#submitMany('/debit-batches', body, instructions, (payload) => debitBatchAcceptedSchema.safeParse(payload).data?.debits);
  }

  /**
   * A batch message, debits or payouts: the channel answers item by item (`read` takes the items
   * out of the answer, undefined when it breaks the protocol).
   */
  async #submitMany(
    path: '/debit-batches' | '/payout-batches',
    body: DebitBatchRequest | PayoutBatchRequest,
    instructions: readonly (DebitInstruction | PayoutInstruction)[],
    read: (payload: unknown) => BatchItemAnswer[] | undefined,
  ): Promise<SubmitOutcome[]> {
    const all = (outcome: SubmitOutcome) => instructions.map(() => outcome);
    const sent = await this.#post(path, body);
    if (sent.kind === 'failed') return all(submitFailure(sent.error));
    const { response, payload } = sent;
    const refused = refusedUnread(response.status, payload);
    if (refused !== null) return all(refused);
    if (response.status !== 202) return all({ kind: 'unknown', reason: `HTTP ${response.status}` });
    const items = read(payload);
    if (items === undefined) return all({ kind: 'unknown', reason: malformed(response.status) });
    const byId = new Map(items.map((item) => [item.end_to_end_id, item]));
    // An instruction the answer does not mention may or may not be held: only a query can tell.
    return instructions.map((instruction): SubmitOutcome => {
      const item = byId.get(instruction.endToEndId);
      if (item === undefined) return { kind: 'unknown', reason: 'missing from the batch answer' };
      if (item.status !== 'refused') return { kind: 'accepted', channelReference: item.channel_reference };
      // The channel reported this attempt not found and holds none of it: the attempt is dead.
      return item.code === REPORTED_NOT_FOUND ? { kind: 'not_sent', reason: REPORTED_NOT_FOUND } : { kind: 'unknown', reason: `refused: ${item.code}` };
    });
  }

  async queryDebits(queries: readonly AttemptQuery[]): Promise<QueryOutcome[]> {
    const endToEndIds = queries.map((query) => query.endToEndId);
    const body: DebitQueryRequest = { queries: queries.map((query) => ({ end_to_end_id: query.endToEndId, attempt: query.attemptNumber })) };
    const sent = await this.#post('/debit-queries', body);
    if (sent.kind === 'failed') return endToEndIds.map(() => ({ kind: 'unreachable', reason: describe(sent.error) }));
    const { response, payload } = sent;
    if (response.status !== 200) return endToEndIds.map(() => ({ kind: 'unreachable', reason: unansweredReason(response.status) }));
    const answer = debitQueryAnswerSchema.safeParse(payload);
    if (!answer.success) return endToEndIds.map(() => ({ kind: 'unreachable', reason: malformed(response.status) }));
    const byId = new Map(answer.data.results.map((result) => [result.end_to_end_id, result]));
    return endToEndIds.map((id) => {
      const result = byId.get(id);
      if (result === undefined) return { kind: 'unreachable', reason: 'missing from the query answer' };
      if (result.status === 'not_found') return { kind: 'not_found' };
      return toQueryOutcome(result);
    });
  }

  async queryDebit(query: AttemptQuery): Promise<QueryOutcome> {
    const path = `/debits/${encodeURIComponent(query.endToEndId)}?attempt=${query.attemptNumber}`;
    const sent = await this.#exchange(path, { signal: AbortSignal.timeout(this.options.timeoutMs) });
    if (sent.kind === 'failed') return { kind: 'unreachable', reason: describe(sent.error) };
    const { response, payload } = sent;
    if (response.status === 404 && debitNotFoundSchema.safeParse(payload).success) return { kind: 'not_found' };
    if (response.status !== 200) return { kind: 'unreachable', reason: unansweredReason(response.status) };
    const answer = debitStatusAnswerSchema.safeParse(payload);
    if (!answer.success) return { kind: 'unreachable', reason: malformed(response.status) };
    return toQueryOutcome(answer.data);
  }

  /**
   * The channel's CSV statement of a business date (docs/statements.md), handed on as it streams
   * in: the hub reads it line by line, never whole. 409 = the date is not over yet at the
   * channel; any other answer than 200, or no answer, leaves it unread. The timeout covers the
   * whole body: a read that outlasts it breaks off.
   */
  async statement(businessDate: string): Promise<StatementOutcome> {
    let response: Response;
    try {
      response = await fetch(`${this.#channelUrl}/statements/${encodeURIComponent(businessDate)}`, {
        headers: { accept: 'text/csv' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      return { kind: 'unreachable', reason: describe(error) };
    }
    try {
      if (response.status === 409) {
        await response.body?.cancel();
        return { kind: 'not_ready' };
      }
      if (response.status !== 200) {
        const answer = channelErrorSchema.safeParse(await readJson(response));
        return { kind: 'unreachable', reason: answer.success ? `HTTP ${response.status} ${answer.data.code}` : `HTTP ${response.status}` };
      }
      return { kind: 'ready', body: response.body ?? noBody() };
    } catch (error) {
      // The answer broke off (or timed out) while it was read.
      return { kind: 'unreachable', reason: describe(error) };
    }
  }

  #assertOwn(instructions: readonly (DebitInstruction | PayoutInstruction)[]): void {
    invariant(
      instructions.every((instruction) => instruction.channelId === this.options.channelId),
      `an instruction for another channel given to the connector of ${this.options.channelId}`,
    );
  }

  #post(path: string, body: DebitRequest | DebitBatchRequest | PayoutBatchRequest | DebitQueryRequest): Promise<Exchange> {
    return this.#exchange(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
  }

  /** One request and its answer's JSON (null when it has none), or the error that kept it from being answered. */
  async #exchange(path: string, init: RequestInit): Promise<Exchange> {
    let response: Response;
    try {
      response = await fetch(`${this.#channelUrl}${path}`, init);
    } catch (error) {
      return { kind: 'failed', error };
    }
    return { kind: 'answered', response, payload: await readJson(response) };
  }
}

type Exchange = { kind: 'answered'; response: Response; payload: unknown } | { kind: 'failed'; error: unknown };

const PAYLOAD_TOO_LARGE = 'payload_too_large: the channel refused the message unread (HTTP 413)';

function malformed(status: number): string {
  return `malformed answer (HTTP ${status})`;
}

/** A submission that got no answer: only a refused connection proves the channel has nothing. */
function submitFailure(error: unknown): SubmitOutcome {
  return refusedBeforeSending(error) ? { kind: 'not_sent', reason: describe(error) } : { kind: 'unknown', reason: describe(error) };
}

/**
 * Submission answers that prove the channel recorded nothing of the message, so that it may be
 * sent again (`not_sent`); null for any other answer.
 * - 503 `channel_unavailable`: the protocol's "nothing was recorded".
 * - 413: the message is larger than the channel takes; it was refused before it was read
 *   (HTTP's own meaning, whoever answered it: the channel or a proxy in front of it).
 */
function refusedUnread(status: number, payload: unknown): SubmitOutcome | null {
  if (status === 503 && channelErrorSchema.safeParse(payload).data?.code === CHANNEL_UNAVAILABLE) return { kind: 'not_sent', reason: CHANNEL_UNAVAILABLE };
  if (status === 413) return { kind: 'not_sent', reason: PAYLOAD_TOO_LARGE };
  return null;
}

/** Why a query got no answer, when the channel answered with an HTTP error instead. */
function unansweredReason(status: number): string {
  return status === 413 ? PAYLOAD_TOO_LARGE : `HTTP ${status}`;
}

/**
 * What each status the channel reports (docs/sandbox-protocol.md) means to daikou: a switch over
 * the protocol's closed union with no default, so that a new status does not compile unmapped.
 */
function toQueryOutcome(answer: DebitStatusAnswer): QueryOutcome {
  switch (answer.status) {
    case 'processing':
      return { kind: 'processing' };
    case 'succeeded':
      return { kind: 'succeeded', channelReference: answer.channel_reference };
    case 'failed':
      // A code we do not know is the channel's bug, but the money did not move: report it as a decline.
      return isFailureCode(answer.code)
        ? { kind: 'failed', code: answer.code, message: answer.message ?? answer.code }
        : { kind: 'failed', code: 'issuer_decline', message: `channel code ${answer.code}` };
  }
}

function wirePayout(instruction: PayoutInstruction): PayoutRequest {
  return {
    end_to_end_id: instruction.endToEndId,
    attempt: instruction.attemptNumber,
    amount: instruction.amountFen,
    account_number: instruction.accountNumber,
    account_kind: instruction.accountKind,
    medium: instruction.medium,
    ...(instruction.bankCode === null ? {} : { bank_code: instruction.bankCode }),
    ...(instruction.holderName === null ? {} : { holder_name: instruction.holderName }),
  };
}

/** A debit is a payout's account part and what proves the mandate. */
function wireDebit(instruction: DebitInstruction): DebitRequest {
  return {
    ...wirePayout(instruction),
    ...(instruction.idNumber === null ? {} : { id_number: instruction.idNumber }),
    ...(instruction.phone === null ? {} : { phone: instruction.phone }),
    mandate_reference: instruction.mandateReference,
  };
}

async function* noBody(): AsyncGenerator<Uint8Array> {
  // An answer without a body: an empty statement, which the reader refuses as one.
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
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
