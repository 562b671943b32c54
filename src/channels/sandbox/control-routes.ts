import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CLOCK_RANGE_TEXT, businessDate, formatInstant, isWithinClockRange, parseDurationMs } from '../../core/kernel/index.js';
import { maskAccountNumber, maskIdNumber, normalizeHolderName } from './account-privacy.js';
import { type Fault, defaultSeed } from './fault-table.js';
import { type StatementParams, loadStatementFaults, statementAnswer } from './statement-answer.js';
import type { StatementFault } from './statements.js';
import { PROBLEM_CONTENT_TYPE, fieldErrors, problem, validationProblem } from './problem.js';
import type { SandboxContext } from './sandbox-context.js';
import { type AccountPatch, type StoredAccount, defaultAccount } from './sandbox-store.js';
import {
  ACCOUNT_NUMBER_PATTERN,
  type Problem,
  type ProblemFieldError,
  type SandboxAccount,
  type SandboxClock,
  type SandboxFault,
  RECEIVED_ID_PATTERN,
  RECEIVED_PAGE_LIMIT_MAX,
  accountPutSchema,
  receivedId,
  clockRequestSchema,
  faultRequestSchema,
} from './wire.js';

type AccountParams = { account_number: string };
type PageQuery = { limit?: string; starting_after?: string };

/**
 * The operator's control endpoints under `/v1/sandbox` (accounts and what their bank received,
 * faults, the clock), behind the control token; errors are RFC 9457 problems.
 */
export async function registerControlRoutes(app: FastifyInstance, ctx: SandboxContext, controlToken: string): Promise<void> {
  const { store, faults, clock, blinder } = ctx;
  const controlTokenDigest = sha256(controlToken);

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
          store.deleteChannelStatementFaults(body.channel);
          request.log.info({ channel: body.channel }, 'sandbox faults cleared');
          return reply.code(200).send({ channel: body.channel, mode: 'none' });
        }
        if (body.mode === 'statement') {
          const discrepancy = body.discrepancy!;
          const statementFault: StatementFault = {
            channel: body.channel,
            discrepancy,
            rate: body.rate ?? 1,
            seed: body.seed ?? defaultSeed(body.channel, `statement\u0000${discrepancy}`),
          };
          store.saveStatementFault(statementFault);
          request.log.info({ fault: statementFaultView(statementFault) }, 'sandbox statement fault set');
          return reply.code(200).send(statementFaultView(statementFault));
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

      control.get('/faults', async () => ({
        data: [...faults.list().map(faultView), ...loadStatementFaults(store).map(statementFaultView)],
      }));

      control.delete('/faults', async (request, reply) => {
        faults.clearAll();
        store.deleteAllStatementFaults();
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

      control.get<{ Params: StatementParams }>('/channels/:channel/statements/:date', async (request, reply) => {
        const answer = statementAnswer(ctx, request.params, request.headers.accept);
        if (answer.kind === 'refused') {
          const { status, code, detail } = answer;
          if (status === 400) return controlBadRequest(reply, [{ parameter: code === 'invalid_channel' ? 'channel' : 'date', code: 'invalid_value', detail }]);
          return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problem(status, code.replaceAll('_', '-'), 'Conflict', detail));
        }
        return reply.code(200).type(answer.contentType).send(answer.body);
      });
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
        direction: entry.direction,
      })),
      received_has_more: entries.length > page.limit,
    };
  }

  function clockView(): SandboxClock {
    const now = clock.now();
    return { now: formatInstant(now), business_date: businessDate(now) };
  }
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

function statementFaultView(fault: StatementFault): SandboxFault {
  return { channel: fault.channel, mode: 'statement', discrepancy: fault.discrepancy, rate: fault.rate, count: null, delay_ms: null, seed: fault.seed };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
