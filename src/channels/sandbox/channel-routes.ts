import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { businessDate } from '../../core/kernel/index.js';
import { maskAccountNumber, normalizeHolderName } from './account-privacy.js';
import { FAILURE_MESSAGES } from './bank-rules.js';
import type { Fault } from './fault-table.js';
import { describe, fieldErrors } from './problem.js';
import type { SandboxContext } from './sandbox-context.js';
import type { DebitQueryInput, ReceivedDebit } from './sandbox-store.js';
import type { Direction } from './bank-rules.js';
import { type StatementParams, statementAnswer } from './statement-answer.js';
import {
  ATTEMPT_MAX,
  ATTEMPT_PARAMETER_PATTERN,
  CHANNEL_ID_PATTERN,
  END_TO_END_ID_PATTERN,
  REPORTED_NOT_FOUND,
  REPORTED_NOT_FOUND_MESSAGE,
  type BatchItemAnswer,
  type DebitAccepted,
  type DebitQueryAnswer,
  type DebitStatusAnswer,
  type ProblemFieldError,
  DEBIT_BATCH_BODY_BYTES_MAX,
  DEBIT_QUERY_BODY_BYTES_MAX,
  debitBatchSchema,
  debitQuerySchema,
  payoutBatchSchema,
  debitRequestSchema,
  payoutRequestSchema,
  type DebitRequest,
  type PayoutRequest,
} from './wire.js';

type ChannelParams = { channel: string };
type QueryParams = { channel: string; end_to_end_id: string };

/**
 * The channel endpoints (docs/sandbox-protocol.md): what a connector talks to. Faults act here,
 * at the edge, before or after the bank records a debit (fault-table.ts).
 */
export function registerChannelRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const { store, faults, clock, blinder, held, closing } = ctx;

  // One debit, or one payout (the payee's bank credits the account: SPEC §10, §14), in one message.
  const single = (schema: typeof debitRequestSchema | typeof payoutRequestSchema, direction: Direction) =>
    async (request: FastifyRequest<{ Params: ChannelParams }>, reply: FastifyReply) => {
      const { channel } = request.params;
      if (!CHANNEL_ID_PATTERN.test(channel)) return channelBadRequest(reply, [channelParamError()]);
      const fault = faults.affecting(channel, 'submit');
      if (fault?.mode === 'unavailable') return reply.code(503).send({ code: 'channel_unavailable' });
      const parsed = schema.safeParse(request.body);
      if (!parsed.success) return channelBadRequest(reply, fieldErrors(parsed.error.issues, request.body));
      if (fault?.mode === 'drop') return holdUnanswered(request, reply, fault);
      const body = parsed.data;
      const result = store.receiveDebit({ ...receiveInput(channel, body, clock.now()), direction });
      if (fault?.mode === 'timeout') return holdUnanswered(request, reply, fault);
      if (fault?.mode === 'delay_ms' && !(await pause(fault))) return abandon(request, reply);
      if (result.kind === 'refused_reported_not_found') return reply.code(409).send({ code: REPORTED_NOT_FOUND, message: REPORTED_NOT_FOUND_MESSAGE });
      const answer: DebitAccepted = { status: 'accepted', channel_reference: result.channelReference, end_to_end_id: body.end_to_end_id };
      return reply.code(202).send(answer);
    };
  app.post<{ Params: ChannelParams }>('/channels/:channel/debits', single(debitRequestSchema, 'debit'));
  app.post<{ Params: ChannelParams }>('/channels/:channel/payouts', single(payoutRequestSchema, 'credit'));

  // Many debits, or many payouts, in one message, as collection centers take files: recorded
  // together, in one transaction; faults act on the whole message; answered item by item.
  const batch = <Field extends 'debits' | 'payouts'>(
    field: Field,
    schema: typeof debitBatchSchema | typeof payoutBatchSchema,
    direction: Direction,
  ) =>
    async (request: FastifyRequest<{ Params: ChannelParams }>, reply: FastifyReply) => {
      const { channel } = request.params;
      if (!CHANNEL_ID_PATTERN.test(channel)) return channelBadRequest(reply, [channelParamError()]);
      const fault = faults.affecting(channel, 'submit');
      if (fault?.mode === 'unavailable') return reply.code(503).send({ code: 'channel_unavailable' });
      const parsed = schema.safeParse(request.body);
      if (!parsed.success) return channelBadRequest(reply, fieldErrors(parsed.error.issues, request.body));
      if (fault?.mode === 'drop') return holdUnanswered(request, reply, fault);
      const now = clock.now();
      const items: (DebitRequest | PayoutRequest)[] = 'debits' in parsed.data ? parsed.data.debits : parsed.data.payouts;
      // The account HMAC once per distinct account of the message.
      const blinded = new Map<string, string>();
      const blind = (accountNumber: string) => {
        let hmac = blinded.get(accountNumber);
        if (hmac === undefined) blinded.set(accountNumber, (hmac = blinder.account(accountNumber)));
        return hmac;
      };
      const results = store.receiveDebits(items.map((body) => ({ ...receiveInput(channel, body, now, blind), direction })));
      if (fault?.mode === 'timeout') return holdUnanswered(request, reply, fault);
      if (fault?.mode === 'delay_ms' && !(await pause(fault))) return abandon(request, reply);
      const answers = items.map((body, index): BatchItemAnswer => {
        const result = results[index]!;
        return result.kind === 'received'
          ? { end_to_end_id: body.end_to_end_id, status: 'accepted', channel_reference: result.channelReference }
          : { end_to_end_id: body.end_to_end_id, status: 'refused', code: REPORTED_NOT_FOUND, message: REPORTED_NOT_FOUND_MESSAGE };
      });
      return reply.code(202).send({ status: 'accepted', [field]: answers });
    };
  app.post<{ Params: ChannelParams }>('/channels/:channel/debit-batches', { bodyLimit: DEBIT_BATCH_BODY_BYTES_MAX }, batch('debits', debitBatchSchema, 'debit'));
  app.post<{ Params: ChannelParams }>('/channels/:channel/payout-batches', { bodyLimit: DEBIT_BATCH_BODY_BYTES_MAX }, batch('payouts', payoutBatchSchema, 'credit'));

  app.post<{ Params: ChannelParams }>('/channels/:channel/debit-queries', { bodyLimit: DEBIT_QUERY_BODY_BYTES_MAX }, async (request, reply) => {
    const { channel } = request.params;
    if (!CHANNEL_ID_PATTERN.test(channel)) return channelBadRequest(reply, [channelParamError()]);
    const fault = faults.affecting(channel, 'query');
    if (fault?.mode === 'unavailable') return reply.code(503).send({ code: 'channel_unavailable' });
    const parsed = debitQuerySchema.safeParse(request.body);
    if (!parsed.success) return channelBadRequest(reply, fieldErrors(parsed.error.issues, request.body));
    const queries: DebitQueryInput[] =
      parsed.data.queries?.map((query) => ({ endToEndId: query.end_to_end_id, attempt: query.attempt })) ??
      parsed.data.end_to_end_ids!.map((endToEndId) => ({ endToEndId, attempt: null }));
    const results = store.answerQueries(channel, queries).map((debit, index) => {
      const endToEndId = queries[index]!.endToEndId;
      return debit === undefined ? { end_to_end_id: endToEndId, status: 'not_found' as const } : statusAnswer(endToEndId, debit);
    });
    if (fault?.mode === 'delay_ms' && !(await pause(fault))) return abandon(request, reply);
    const answer: DebitQueryAnswer = { results };
    return reply.code(200).send(answer);
  });

  function receiveInput(channel: string, body: DebitRequest | PayoutRequest, now: Date, blind = (accountNumber: string) => blinder.account(accountNumber)) {
    const holderName = body.holder_name == null ? '' : normalizeHolderName(body.holder_name);
    const idNumber = !('id_number' in body) || body.id_number == null ? '' : body.id_number.trim();
    return {
      channel,
      endToEndId: body.end_to_end_id,
      amountFen: body.amount,
      accountHmac: blind(body.account_number),
      accountMasked: maskAccountNumber(body.account_number),
      holderName: holderName === '' ? undefined : holderName,
      idNumberHmac: idNumber === '' ? undefined : blinder.idNumber(idNumber),
      receivedAtMs: now.getTime(),
      businessDate: businessDate(now),
      attempt: body.attempt,
    };
  }

  app.get<{ Params: QueryParams; Querystring: { attempt?: string } }>('/channels/:channel/debits/:end_to_end_id', async (request, reply) => {
    const { channel, end_to_end_id: endToEndId } = request.params;
    if (!CHANNEL_ID_PATTERN.test(channel)) return channelBadRequest(reply, [channelParamError()]);
    const fault = faults.affecting(channel, 'query');
    if (fault?.mode === 'unavailable') return reply.code(503).send({ code: 'channel_unavailable' });
    if (!END_TO_END_ID_PATTERN.test(endToEndId)) {
      return channelBadRequest(reply, [
        { parameter: 'end_to_end_id', code: 'invalid_value', detail: 'must be 1 to 128 printable ASCII characters' },
      ]);
    }
    const attemptText = request.query.attempt;
    const attempt = attemptText === undefined ? null : Number(attemptText);
    if (attemptText !== undefined && (!ATTEMPT_PARAMETER_PATTERN.test(attemptText) || attempt! > ATTEMPT_MAX)) {
      return channelBadRequest(reply, [{ parameter: 'attempt', code: 'invalid_value', detail: `must be an integer from 1 to ${ATTEMPT_MAX}` }]);
    }
    const [debit] = store.answerQueries(channel, [{ endToEndId, attempt }]);
    const answer = debit === undefined ? undefined : statusAnswer(endToEndId, debit);
    if (fault?.mode === 'delay_ms' && !(await pause(fault))) return abandon(request, reply);
    if (answer === undefined) return reply.code(404).send({ status: 'not_found' });
    return reply.code(200).send(answer);
  });

  // The channel's statement of a business date, as a connector downloads it for reconciliation
  // (docs/statements.md); the same document as the control endpoint's. Faults act as on queries.
  app.get<{ Params: StatementParams }>('/channels/:channel/statements/:date', async (request, reply) => {
    const { channel } = request.params;
    if (!CHANNEL_ID_PATTERN.test(channel)) return channelBadRequest(reply, [channelParamError()]);
    const fault = faults.affecting(channel, 'query');
    if (fault?.mode === 'unavailable') return reply.code(503).send({ code: 'channel_unavailable' });
    if (fault?.mode === 'delay_ms' && !(await pause(fault))) return abandon(request, reply);
    const answer = statementAnswer(ctx, request.params, request.headers.accept);
    if (answer.kind === 'refused') {
      if (answer.status === 400) return channelBadRequest(reply, [{ parameter: answer.code === 'invalid_channel' ? 'channel' : 'date', code: 'invalid_value', detail: answer.detail }]);
      return reply.code(answer.status).send({ code: answer.code, message: answer.detail });
    }
    return reply.code(200).type(answer.contentType).send(answer.body);
  });

  function statusAnswer(endToEndId: string, debit: ReceivedDebit): DebitStatusAnswer {
    const base = { channel_reference: debit.channelReference, end_to_end_id: endToEndId, amount: debit.amountFen };
    const settled = ctx.settleDelayMs === 0 || clock.now().getTime() >= debit.receivedAtMs + ctx.settleDelayMs;
    if (!settled) return { status: 'processing', ...base };
    if (debit.outcome === 'succeeded') return { status: 'succeeded', ...base };
    return { status: 'failed', ...base, code: debit.outcome, message: FAILURE_MESSAGES[debit.outcome] };
  }

  /** Leaves the request unanswered; the connection stays open until the client gives up. */
  function holdUnanswered(request: FastifyRequest, reply: FastifyReply, fault: Fault): void {
    reply.hijack();
    held.hold(request.raw.socket);
    request.log.info({ channel: fault.channel, fault: fault.mode }, 'sandbox fault: holding the connection unanswered');
  }

  /** The sandbox is closing during a delay: drop the connection rather than touch a closed store. */
  function abandon(request: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    request.raw.socket.destroy();
  }

  /** Waits out a `delay_ms` fault; false when the sandbox is closing meanwhile. */
  async function pause(fault: Fault): Promise<boolean> {
    try {
      await sleep(fault.delayMs ?? 0, undefined, { signal: closing });
      return true;
    } catch {
      return false;
    }
  }
}

function channelBadRequest(reply: FastifyReply, errors: ProblemFieldError[]): FastifyReply {
  return reply.code(400).send({ code: 'bad_request', message: describe(errors), errors });
}

function channelParamError(): ProblemFieldError {
  return { parameter: 'channel', code: 'invalid_value', detail: 'must be a channel id (letters, digits, _ . -)' };
}
