import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CLOCK_RANGE_TEXT, isWithinClockRange, parseDurationMs, type SettableClock } from '../../core/index.js';
import { RECEIVED_ID_PATTERN, RECEIVED_PAGE_LIMIT_MAX } from '../../channels/sandbox-protocol/index.js';
import type { RouteDeps } from '../route-deps.js';
import { problem, sendProblem, type ProblemBody } from '../problem.js';
import { responses, SandboxAccount, SandboxClock, SandboxFault } from '../representations/index.js';
import { SandboxAccountBody, SandboxClockBody, SandboxFaultBody } from '../schemas.js';

export interface SandboxLink {
  url: string;
  controlToken: string;
  /** The hub's clock, kept equal to the sandbox's test clock. */
  clock: SettableClock;
}

const AccountParams = z.strictObject({ account_number: z.string().regex(/^\d{6,32}$/, 'an account number is 6 to 32 digits') });
const StatementParams = z.strictObject({
  channel: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a channel id').describe('The channel id'),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD').describe('The business date, YYYY-MM-DD (Asia/Shanghai)'),
});
const ReceivedQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(RECEIVED_PAGE_LIMIT_MAX).optional().describe(`received entries per page (default ${RECEIVED_PAGE_LIMIT_MAX})`),
  starting_after: z.string().regex(RECEIVED_ID_PATTERN, 'the id of a received entry (rcv_…)').optional().describe('the last entry of the previous page: older entries follow'),
});

/**
 * The sandbox's control API, for operators, under the hub's own address and keys. Calls are
 * forwarded to the sandbox service with its control token.
 */
export function sandboxRoutes(app: FastifyInstance, { guard, onClockChanged }: RouteDeps, link: SandboxLink): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const forward = async (reply: FastifyReply, method: string, path: string, body?: unknown): Promise<{ status: number; payload: unknown }> => {
    let response: Response;
    try {
      response = await fetch(`${link.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${link.controlToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      sendProblem(reply, problem(502, 'sandbox_unreachable', 'The sandbox clearing network did not answer.'));
      return { status: 502, payload: null };
    }
    const payload: unknown = await response.json().catch(() => null);
    if (response.status >= 400) sendProblem(reply, sandboxProblem(response.status, payload));
    else if (response.status === 204) reply.code(204).send();
    else reply.code(response.status).type(response.headers.get('content-type') ?? 'application/json').send(payload);
    return { status: response.status, payload };
  };
  const tags = ['sandbox'];
  r.put('/v1/sandbox/accounts/:account_number', {
    schema: {
      operationId: 'putSandboxAccount',
      tags,
      summary: 'Configure a simulated payer account',
      params: AccountParams,
      body: SandboxAccountBody,
      response: responses({ 200: SandboxAccount }, [400, 401, 403, 413, 415, 502]),
    },
    onRequest: guard('operator'),
  }, async (request, reply) => {
    await forward(reply, 'PUT', `/v1/sandbox/accounts/${request.params.account_number}`, request.body);
    return reply;
  });
  r.get('/v1/sandbox/accounts/:account_number', {
    schema: {
      operationId: 'getSandboxAccount',
      tags,
      summary: 'A simulated account: balance, status, class, and what its bank received, newest first, a page at a time',
      params: AccountParams,
      querystring: ReceivedQuery,
      response: responses({ 200: SandboxAccount }, [400, 401, 403, 502]),
    },
    onRequest: guard('operator'),
  }, async (request, reply) => {
    const page = new URLSearchParams();
    if (request.query.limit !== undefined) page.set('limit', String(request.query.limit));
    if (request.query.starting_after !== undefined) page.set('starting_after', request.query.starting_after);
    const search = page.toString() === '' ? '' : `?${page.toString()}`;
    await forward(reply, 'GET', `/v1/sandbox/accounts/${request.params.account_number}${search}`);
    return reply;
  });
  r.post('/v1/sandbox/faults', {
    schema: {
      operationId: 'createSandboxFault',
      tags,
      summary: "Inject a fault at a channel's edge (mode none clears the channel's)",
      body: SandboxFaultBody,
      response: responses({ 200: SandboxFault }, [400, 401, 403, 413, 415, 502]),
    },
    onRequest: guard('operator'),
  }, async (request, reply) => {
    await forward(reply, 'POST', '/v1/sandbox/faults', request.body);
    return reply;
  });
  r.delete('/v1/sandbox/faults', {
    schema: { operationId: 'clearSandboxFaults', tags, summary: 'Clear every fault', response: responses({ 204: z.undefined().describe('Every fault cleared') }, [401, 403, 502]) },
    onRequest: guard('operator'),
  }, async (_request, reply) => {
    await forward(reply, 'DELETE', '/v1/sandbox/faults');
    return reply;
  });
  r.get('/v1/sandbox/channels/:channel/statements/:date', {
    schema: {
      operationId: 'getSandboxStatement',
      tags,
      summary: "A channel's statement of a business date: every instruction it decided that day, once, with totals (docs/statements.md); CSV, or camt.053.001.02 with Accept: application/xml",
      params: StatementParams,
      response: responses(
        {
          200: {
            description: 'The statement, streamed',
            content: {
              'text/csv': { schema: z.string().describe('Header record,channel,business_date,channel_reference,end_to_end_id,direction,amount,status,settled_at,count; entry lines, then the debit and the credit total') },
              'application/xml': { schema: z.string().describe('ISO 20022 camt.053.001.02 (bank to customer statement)') },
            },
          },
        },
        [400, 401, 403, 404, 409, 502],
      ),
    },
    onRequest: guard('operator'),
  }, async (request, reply) => {
    const { channel, date } = request.params;
    const accept = /\b(application|text)\/xml\b/i.test(request.headers.accept ?? '') ? 'application/xml' : 'text/csv';
    let response: Response;
    try {
      response = await fetch(`${link.url}/v1/sandbox/channels/${encodeURIComponent(channel)}/statements/${date}`, {
        headers: { authorization: `Bearer ${link.controlToken}`, accept },
        signal: AbortSignal.timeout(STATEMENT_TIMEOUT_MS),
      });
    } catch {
      return sendProblem(reply, problem(502, 'sandbox_unreachable', 'The sandbox clearing network did not answer.'));
    }
    if (response.status !== 200 || response.body === null) {
      const payload: unknown = await response.json().catch(() => null);
      return sendProblem(reply, sandboxProblem(response.status === 200 ? 502 : response.status, payload));
    }
    // Passed through as it arrives: a million-line statement is never held whole here either.
    reply.type(response.headers.get('content-type') ?? (accept === 'text/csv' ? 'text/csv; charset=utf-8' : 'application/xml; charset=utf-8'));
    return reply.send(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) as unknown as string);
  });
  r.post('/v1/sandbox/clock', {
    schema: {
      operationId: 'setSandboxClock',
      tags,
      summary: 'Set or advance the test clock that every date rule reads',
      body: SandboxClockBody,
      response: responses({ 200: SandboxClock }, [400, 401, 403, 413, 415, 502]),
    },
    onRequest: guard('operator'),
  }, async (request, reply) => {
    // Refused here as well as in the sandbox: a sandbox run standalone may be an older version,
    // and the hub's clock must never be set to what the sandbox let through.
    const outOfRange = clockOutOfRange(link.clock, request.body);
    if (outOfRange !== null) {
      return sendProblem(reply, problem(400, 'validation_failed', `The test clock must stay ${CLOCK_RANGE_TEXT}.`, [
        { pointer: outOfRange, code: 'out_of_range', detail: `The clock must stay ${CLOCK_RANGE_TEXT}.` },
      ]));
    }
    const { status, payload } = await forward(reply, 'POST', '/v1/sandbox/clock', request.body);
    const now = (payload as { now?: string } | null)?.now;
    const instantMs = typeof now === 'string' ? Date.parse(now) : Number.NaN;
    if (status === 200 && isWithinClockRange(instantMs)) {
      link.clock.set(new Date(instantMs));
      onClockChanged();
    }
    return reply;
  });
}

/** A statement of a busy day takes a while to stream; the sandbox answers its first bytes at once. */
const STATEMENT_TIMEOUT_MS = 10 * 60_000;

/** Where a clock change would take the clock outside 2000–2100, if it would; a bad duration is the sandbox's to refuse. */
function clockOutOfRange(clock: SettableClock, body: { now: string } | { advance: string }): '/now' | '/advance' | null {
  if ('now' in body) return isWithinClockRange(Date.parse(body.now)) ? null : '/now';
  const advanceMs = parseDurationMs(body.advance);
  if (advanceMs === null) return null;
  return isWithinClockRange(clock.now().getTime() + advanceMs) ? null : '/advance';
}

/**
 * The sandbox's refusal as one of the hub's problems: same status, detail and pointers, with the
 * hub's `code` (the sandbox's kind, e.g. `sandbox_invalid_request`), and masked like every other.
 */
function sandboxProblem(status: number, payload: unknown): ProblemBody {
  const given = (payload ?? {}) as { type?: unknown; detail?: unknown; errors?: unknown };
  const kind = typeof given.type === 'string' ? given.type.split('/').slice(-2).join('_').replaceAll('-', '_').replace(/[^a-z0-9_]/g, '') : '';
  const errors = Array.isArray(given.errors)
    ? given.errors.flatMap((error: { pointer?: unknown; code?: unknown; detail?: unknown }) =>
        typeof error.pointer === 'string' ? [{ pointer: error.pointer, code: String(error.code ?? 'invalid'), detail: String(error.detail ?? '') }] : [],
      )
    : [];
  const code = kind.startsWith('sandbox_') ? kind : `sandbox_${kind || 'error'}`;
  return problem(status, code, typeof given.detail === 'string' ? given.detail : 'The sandbox clearing network refused the request.', errors);
}
