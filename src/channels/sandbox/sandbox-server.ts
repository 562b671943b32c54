import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  type SettableClock,
  CLOCK_RANGE_TEXT,
  businessDate,
  formatInstant,
  invariant,
  isWithinClockRange,
  parseDurationMs,
} from '../../core/kernel/index.js';
import {
  AccountBlinder,
  maskAccountNumber,
  maskIdNumber,
  normalizeHolderName,
} from './account-privacy.js';
import { FAILURE_MESSAGES } from './bank-rules.js';
import { type Fault, FaultTable } from './fault-table.js';
import { HeldConnections } from './held-connections.js';
import { PROBLEM_CONTENT_TYPE, describe, fieldErrors, problem, validationProblem } from './problem.js';
import { type AccountPatch, type ReceivedDebit, SandboxStore, type StoredAccount, defaultAccount } from './sandbox-store.js';
import {
  ACCOUNT_NUMBER_PATTERN,
  CHANNEL_ID_PATTERN,
  END_TO_END_ID_PATTERN,
  type DebitAccepted,
  type DebitStatusAnswer,
  type Problem,
  type ProblemFieldError,
  type SandboxAccount,
  type SandboxClock,
  type SandboxFault,
  DEBIT_BATCH_BODY_BYTES_MAX,
  DEBIT_BODY_BYTES_MAX,
  DEBIT_QUERY_BODY_BYTES_MAX,
  RECEIVED_ID_PATTERN,
  RECEIVED_PAGE_LIMIT_MAX,
  accountPutSchema,
  receivedId,
  clockRequestSchema,
  debitBatchSchema,
  debitQuerySchema,
  debitRequestSchema,
  type DebitRequest,
  faultRequestSchema,
} from './wire.js';

export interface SandboxOptions {
  /** The sandbox keeps its state in `<dataDir>/sandbox.sqlite`. */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks an ephemeral port. */
  port: number;
  /**
   * The sandbox's test clock. A clock offset saved by an earlier run on the same data directory
   * is restored into it on start (the sandbox keeps its time across restarts, like its accounts).
   */
  clock: SettableClock;
  /** Bearer token of the control endpoints (/v1/sandbox/*). */
  controlToken: string;
  /** Keys the HMAC under which account and ID numbers are stored. */
  secret: string;
  /** A pino logger; default (and `false`): no logging. */
  logger?: FastifyBaseLogger | false;
  /** A query reports `processing` until the clock passes receipt + this; default 0. */
  settleDelayMs?: number;
  /** How long a connection held by a `timeout` or `drop` fault stays open at most; default 60 s. */
  holdMsMax?: number;
}

export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash. */
  url: string;
  port: number;
  clock: SettableClock;
  /** Stops listening, destroys held connections, saves the clock and closes the database. */
  close(): Promise<void>;
}

/**
 * Every endpoint but the two batch endpoints takes at most this much: one debit, an account
 * patch, a fault. The batch endpoints have limits of their own, sized for DEBIT_BATCH_MAX of the
 * largest debit (wire.ts).
 */
const BODY_BYTES_MAX = DEBIT_BODY_BYTES_MAX;
const PARAM_LENGTH_MAX = 256;
const HOLD_MS_DEFAULT = 60_000;

type ChannelParams = { channel: string };
type QueryParams = { channel: string; end_to_end_id: string };
type AccountParams = { account_number: string };
type PageQuery = { limit?: string; starting_after?: string };

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  invariant(options.controlToken.length > 0, 'the sandbox needs a control token');
  const settleDelayMs = options.settleDelayMs ?? 0;
  invariant(Number.isSafeInteger(settleDelayMs) && settleDelayMs >= 0, 'settleDelayMs is a whole number of ms ≥ 0');
  const host = options.host ?? '127.0.0.1';
  const { clock } = options;

  const blinder = new AccountBlinder(options.secret);
  const store = new SandboxStore(options.dataDir);
  const savedOffsetMs = store.clockOffsetMs();
  if (savedOffsetMs !== null) {
    const restoreMs = savedOffsetMs - clock.offsetMs;
    // An older version let the clock leave 2000–2100 and saved it so; such a clock is not restored.
    if (isWithinClockRange(clock.now().getTime() + restoreMs)) clock.advance(restoreMs);
    else store.saveClockOffsetMs(Math.round(clock.offsetMs));
  }
  const faults = new FaultTable(store);
  const held = new HeldConnections(options.holdMsMax ?? HOLD_MS_DEFAULT);
  const closing = new AbortController();
  const controlTokenDigest = sha256(options.controlToken);

  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Fastify's own request lines carry the URL, and an account URL carries the account number.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    return503OnClosing: true,
    bodyLimit: BODY_BYTES_MAX,
    routerOptions: { maxParamLength: PARAM_LENGTH_MAX },
  }) as unknown as FastifyInstance;

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the URL: `/v1/sandbox/accounts/:account_number`.
    request.log.debug(
      { method: request.method, route: request.routeOptions.url ?? null, status: reply.statusCode, ms: reply.elapsedTime },
      'sandbox request',
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'sandbox request failed');
    // Fastify's own messages (FST_*) describe the request, never its content; anything else may.
    const detail = status >= 500 ? 'internal error' : error.code?.startsWith('FST_') ? error.message : 'the request could not be read';
    if (isControl(request)) {
      return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problem(status, 'request-error', titleOf(status), detail));
    }
    return reply.code(status).send({ code: channelErrorCode(status), message: detail });
  });

  app.setNotFoundHandler((request, reply) => {
    if (isControl(request)) {
      return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem(404, 'no-such-endpoint', 'Not Found', 'no such endpoint'));
    }
    // Deliberately not `{ status: "not_found" }`: that answer tells a connector it may resend.
    return reply.code(404).send({ code: 'no_such_endpoint', message: 'no such endpoint' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  // ---- Channel endpoints ----

  app.post<{ Params: ChannelParams }>('/channels/:channel/debits', async (request, reply) => {
    const { channel } = request.params;
    if (!CHANNEL_ID_PATTERN.test(channel)) return channelBadRequest(reply, [channelParamError()]);
    const fault = faults.affecting(channel, 'submit');
    if (fault?.mode === 'unavailable') return reply.code(503).send({ code: 'channel_unavailable' });
    const parsed = debitRequestSchema.safeParse(request.body);
    if (!parsed.success) return channelBadRequest(reply, fieldErrors(parsed.error.issues, request.body));
    if (fault?.mode === 'drop') return holdUnanswered(request, reply, fault);

    const body = parsed.data;
    const result = store.receiveDebit(receiveInput(channel, body, clock.now()));

    if (fault?.mode === 'timeout') return holdUnanswered(request, reply, fault);
    if (fault?.mode === 'delay_ms' && !(await pause(fault))) return abandon(request, reply);
    const answer: DebitAccepted = {
      status: 'accepted',
      channel_reference: result.channelReference,
      end_to_end_id: body.end_to_end_id,
    };
    return reply.code(202).send(answer);
  });

  // A batch of debits in one message, as collection centers take files: recorded together, in
  // one transaction; faults act on the whole message.
  app.post<{ Params: ChannelParams }>('/channels/:channel/debit-batches', { bodyLimit: DEBIT_BATCH_BODY_BYTES_MAX }, async (request, reply) => {
    const { channel } = request.params;
    if (!CHANNEL_ID_PATTERN.test(channel)) return channelBadRequest(reply, [channelParamError()]);
    const fault = faults.affecting(channel, 'submit');
    if (fault?.mode === 'unavailable') return reply.code(503).send({ code: 'channel_unavailable' });
    const parsed = debitBatchSchema.safeParse(request.body);
    if (!parsed.success) return channelBadRequest(reply, fieldErrors(parsed.error.issues, request.body));
    if (fault?.mode === 'drop') return holdUnanswered(request, reply, fault);
    const now = clock.now();
    const results = store.receiveDebits(parsed.data.debits.map((body) => receiveInput(channel, body, now)));
    if (fault?.mode === 'timeout') return holdUnanswered(request, reply, fault);
    if (fault?.mode === 'delay_ms' && !(await pause(fault))) return abandon(request, reply);
    return reply.code(202).send({
      status: 'accepted',
      debits: parsed.data.debits.map((body, index) => ({ end_to_end_id: body.end_to_end_id, channel_reference: results[index]!.channelReference })),
    });
  });

  app.post<{ Params: ChannelParams }>('/channels/:channel/debit-queries', { bodyLimit: DEBIT_QUERY_BODY_BYTES_MAX }, async (request, reply) => {
    const { channel } = request.params;
    if (!CHANNEL_ID_PATTERN.test(channel)) return channelBadRequest(reply, [channelParamError()]);
    const fault = faults.affecting(channel, 'query');
    if (fault?.mode === 'unavailable') return reply.code(503).send({ code: 'channel_unavailable' });
    const parsed = debitQuerySchema.safeParse(request.body);
    if (!parsed.success) return channelBadRequest(reply, fieldErrors(parsed.error.issues, request.body));
    const { end_to_end_ids: endToEndIds } = parsed.data;
    const results = store.findDebits(channel, endToEndIds).map((debit, index) => {
      const endToEndId = endToEndIds[index]!;
      return debit === undefined ? { end_to_end_id: endToEndId, status: 'not_found' as const } : statusAnswer(endToEndId, debit);
    });
    if (fault?.mode === 'delay_ms' && !(await pause(fault))) return abandon(request, reply);
    return reply.code(200).send({ results });
  });

  function receiveInput(channel: string, body: DebitRequest, now: Date) {
    const holderName = body.holder_name == null ? '' : normalizeHolderName(body.holder_name);
    const idNumber = body.id_number == null ? '' : body.id_number.trim();
    return {
      channel,
      endToEndId: body.end_to_end_id,
      amountFen: body.amount,
      accountHmac: blinder.account(body.account_number),
      accountMasked: maskAccountNumber(body.account_number),
      holderName: holderName === '' ? undefined : holderName,
      idNumberHmac: idNumber === '' ? undefined : blinder.idNumber(idNumber),
      receivedAtMs: now.getTime(),
      businessDate: businessDate(now),
    };
  }

  app.get<{ Params: QueryParams }>('/channels/:channel/debits/:end_to_end_id', async (request, reply) => {
    const { channel, end_to_end_id: endToEndId } = request.params;
    if (!CHANNEL_ID_PATTERN.test(channel)) return channelBadRequest(reply, [channelParamError()]);
    const fault = faults.affecting(channel, 'query');
    if (fault?.mode === 'unavailable') return reply.code(503).send({ code: 'channel_unavailable' });
    if (!END_TO_END_ID_PATTERN.test(endToEndId)) {
      return channelBadRequest(reply, [
        { parameter: 'end_to_end_id', code: 'invalid_value', detail: 'must be 1 to 128 printable ASCII characters' },
      ]);
    }
    const debit = store.findDebit(channel, endToEndId);
    const answer = debit === undefined ? undefined : statusAnswer(endToEndId, debit);
    if (fault?.mode === 'delay_ms' && !(await pause(fault))) return abandon(request, reply);
    if (answer === undefined) return reply.code(404).send({ status: 'not_found' });
    return reply.code(200).send(answer);
  });

  function statusAnswer(endToEndId: string, debit: ReceivedDebit): DebitStatusAnswer {
    const base = { channel_reference: debit.channelReference, end_to_end_id: endToEndId, amount: debit.amountFen };
    const settled = settleDelayMs === 0 || clock.now().getTime() >= debit.receivedAtMs + settleDelayMs;
    if (!settled) return { status: 'processing', ...base };
    if (debit.outcome === 'succeeded') return { status: 'succeeded', ...base };
    return { status: 'failed', ...base, code: debit.outcome, message: FAILURE_MESSAGES[debit.outcome] };
  }

  // ---- Control endpoints ----

  await app.register(
    async (control) => {
      control.addHook('onRequest', async (request, reply) => {
        if (authorized(request.headers.authorization)) return;
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="daikou-sandbox"')
          .type(PROBLEM_CONTENT_TYPE)
          .send(problem(401, 'unauthorized', 'Unauthorized', 'a valid sandbox control token is required'));
      });

      control.put<{ Params: AccountParams }>('/accounts/:account_number', async (request, reply) => {
        const accountNumber = request.params.account_number;
        if (!ACCOUNT_NUMBER_PATTERN.test(accountNumber)) return controlBadRequest(reply, [accountParamError()]);
        const parsed = accountPutSchema.safeParse(request.body);
        if (!parsed.success) return controlBadRequest(reply, fieldErrors(parsed.error.issues, request.body));
        const body = parsed.data;
        const patch: AccountPatch = {
          balanceFen: body.balance,
          status: body.status,
          accountClass: body.account_class,
          holderName: body.holder_name == null ? body.holder_name : normalizeHolderName(body.holder_name),
          idNumber:
            body.id_number == null ? body.id_number : { hmac: blinder.idNumber(body.id_number), masked: maskIdNumber(body.id_number) },
        };
        const accountHmac = blinder.account(accountNumber);
        const account = store.updateAccount(accountHmac, maskAccountNumber(accountNumber), patch);
        return reply.code(200).send(accountView(accountHmac, account));
      });

      control.get<{ Params: AccountParams; Querystring: PageQuery }>('/accounts/:account_number', async (request, reply) => {
        const accountNumber = request.params.account_number;
        if (!ACCOUNT_NUMBER_PATTERN.test(accountNumber)) return controlBadRequest(reply, [accountParamError()]);
        const page = receivedPage(request.query);
        if (!('limit' in page)) return controlBadRequest(reply, page);
        const accountHmac = blinder.account(accountNumber);
        const account = store.account(accountHmac) ?? defaultAccount(maskAccountNumber(accountNumber));
        return reply.code(200).send(accountView(accountHmac, account, page));
      });

      control.post('/faults', async (request, reply) => {
        const parsed = faultRequestSchema.safeParse(request.body);
        if (!parsed.success) return controlBadRequest(reply, fieldErrors(parsed.error.issues, request.body));
        const body = parsed.data;
        if (body.mode === 'none') {
          faults.clearChannel(body.channel);
          request.log.info({ channel: body.channel }, 'sandbox faults cleared');
          return reply.code(200).send({ channel: body.channel, mode: 'none' });
        }
        const fault = faults.set({
          channel: body.channel,
          mode: body.mode,
          rate: body.rate,
          count: body.count,
          delayMs: body.delay_ms,
          seed: body.seed,
        });
        request.log.info({ fault: faultView(fault) }, 'sandbox fault set');
        return reply.code(200).send(faultView(fault));
      });

      control.get('/faults', async () => ({ data: faults.list().map(faultView) }));

      control.delete('/faults', async (request, reply) => {
        faults.clearAll();
        request.log.info('sandbox faults cleared');
        return reply.code(204).send();
      });

      control.post('/clock', async (request, reply) => {
        const parsed = clockRequestSchema.safeParse(request.body);
        if (!parsed.success) return controlBadRequest(reply, fieldErrors(parsed.error.issues, request.body));
        const { now, advance } = parsed.data;
        if (now !== undefined) {
          const instant = new Date(now);
          if (!isWithinClockRange(instant.getTime())) return controlBadRequest(reply, [clockRangeError('/now')]);
          clock.set(instant);
        } else if (advance !== undefined) {
          const advanceMs = parseDurationMs(advance);
          if (advanceMs === null) {
            return controlBadRequest(reply, [
              { pointer: '/advance', code: 'invalid_value', detail: 'must be an ISO 8601 duration in days, hours, minutes or seconds (P1D, PT36H)' },
            ]);
          }
          if (!isWithinClockRange(clock.now().getTime() + advanceMs)) return controlBadRequest(reply, [clockRangeError('/advance')]);
          clock.advance(advanceMs);
        }
        store.saveClockOffsetMs(Math.round(clock.offsetMs));
        const view = clockView();
        request.log.info({ clock: view }, 'sandbox clock set');
        return reply.code(200).send(view);
      });

      control.get('/clock', async () => clockView());
    },
    { prefix: '/v1/sandbox' },
  );

  function authorized(header: string | undefined): boolean {
    if (header === undefined) return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) return false;
    return timingSafeEqual(sha256(match[1]!), controlTokenDigest);
  }

  function accountView(accountHmac: string, account: StoredAccount, page: { limit: number; beforeId?: number } = { limit: RECEIVED_PAGE_LIMIT_MAX }): SandboxAccount {
    const entries = store.received(accountHmac, page.limit + 1, page.beforeId);
    return {
      account_number_masked: account.accountMasked,
      balance: account.balanceFen,
      status: account.status,
      account_class: account.accountClass,
      holder_name: account.holderName,
      id_number_masked: account.idNumberMasked,
      received: entries.slice(0, page.limit).map((entry) => ({
        id: receivedId(entry.id),
        channel: entry.channel,
        channel_reference: entry.channelReference,
        end_to_end_id: entry.endToEndId,
        amount: entry.amountFen,
        at: formatInstant(new Date(entry.receivedAtMs)),
        outcome: entry.outcome,
      })),
      received_has_more: entries.length > page.limit,
    };
  }

  function clockView(): SandboxClock {
    const now = clock.now();
    return { now: formatInstant(now), business_date: businessDate(now) };
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
      await sleep(fault.delayMs ?? 0, undefined, { signal: closing.signal });
      return true;
    } catch {
      return false;
    }
  }

  try {
    await app.listen({ host, port: options.port });
  } catch (error) {
    store.close();
    throw error;
  }
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  app.log.info({ url }, 'sandbox clearing network listening');

  let closed: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing.abort();
    held.destroyAll();
    try {
      await app.close();
    } finally {
      store.saveClockOffsetMs(Math.round(clock.offsetMs));
      store.close();
    }
  }

  return {
    url,
    port,
    clock,
    close: () => (closed ??= close()),
  };
}

function isControl(request: FastifyRequest): boolean {
  return request.url.startsWith('/v1/');
}

/** A body over the endpoint's limit is refused before it is read: nothing was recorded. */
function channelErrorCode(status: number): string {
  if (status === 413) return 'payload_too_large';
  return status >= 500 ? 'internal_error' : 'bad_request';
}

function channelBadRequest(reply: FastifyReply, errors: ProblemFieldError[]): FastifyReply {
  return reply.code(400).send({ code: 'bad_request', message: describe(errors), errors });
}

/** `limit` (1–100, default 100) and `starting_after` (an entry id) of a received page, or why not. */
function receivedPage(query: PageQuery): { limit: number; beforeId?: number } | ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  let limit = RECEIVED_PAGE_LIMIT_MAX;
  if (query.limit !== undefined) {
    limit = /^\d{1,3}$/.test(query.limit) ? Number(query.limit) : 0;
    if (limit < 1 || limit > RECEIVED_PAGE_LIMIT_MAX) errors.push({ parameter: 'limit', code: 'invalid_value', detail: `must be a whole number from 1 to ${RECEIVED_PAGE_LIMIT_MAX}` });
  }
  if (query.starting_after !== undefined && !RECEIVED_ID_PATTERN.test(query.starting_after)) {
    errors.push({ parameter: 'starting_after', code: 'invalid_value', detail: 'must be the id of a received entry (rcv_…)' });
  }
  if (errors.length > 0) return errors;
  return query.starting_after === undefined ? { limit } : { limit, beforeId: Number(query.starting_after.slice('rcv_'.length)) };
}

function controlBadRequest(reply: FastifyReply, errors: ProblemFieldError[]): FastifyReply {
  const body: Problem = validationProblem(errors);
  return reply.code(400).type(PROBLEM_CONTENT_TYPE).send(body);
}

function channelParamError(): ProblemFieldError {
  return { parameter: 'channel', code: 'invalid_value', detail: 'must be a channel id (letters, digits, _ . -)' };
}

function accountParamError(): ProblemFieldError {
  return { parameter: 'account_number', code: 'invalid_value', detail: 'must be 6 to 32 digits' };
}

/** A clock change that would leave the years every date rule is written for. */
function clockRangeError(pointer: '/now' | '/advance'): ProblemFieldError {
  return { pointer, code: 'out_of_range', detail: `the clock must stay ${CLOCK_RANGE_TEXT}` };
}

function faultView(fault: Fault): SandboxFault {
  return {
    channel: fault.channel,
    mode: fault.mode,
    rate: fault.rate,
    count: fault.countRemaining,
    delay_ms: fault.delayMs,
    seed: fault.seed,
  };
}

function titleOf(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request';
    case 413:
      return 'Content Too Large';
    case 415:
      return 'Unsupported Media Type';
    default:
      return status >= 500 ? 'Internal Server Error' : 'Request Error';
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
