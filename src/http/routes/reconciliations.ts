import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getReconciliation, listReconciliationExceptions, listReconciliations, reconcile, resolveReconciliationException, statementFormatOf, type StatementInput } from '../../app/reconciliations.js';
import { validationFailed, type FieldError } from '../../app/errors.js';
import type { BusinessDate } from '../../core/index.js';
import { presentReconciliation, presentReconciliationException } from '../presenters.js';
import { Reconciliation, ReconciliationCreated, ReconciliationException, ReconciliationExceptionList, ReconciliationList, responses } from '../representations/index.js';
import type { RouteDeps } from '../route-deps.js';
import { CreateReconciliationBody, CreateReconciliationQuery, ListReconciliationExceptionsQuery, ListReconciliationsQuery, ResolveExceptionBody } from '../schemas.js';

const IdParams = z.strictObject({ id: z.string() });

/** The zod issues of a hand-checked part of the request as field errors (`where`: '' for the body, '/query'). */
function fieldErrors(error: z.ZodError, where: string): FieldError[] {
  return error.issues.map((issue) => ({ pointer: `${where}/${issue.path.join('/')}`, code: issue.code, detail: issue.message }));
}

function actorOf(request: FastifyRequest): string {
  return request.principal?.keyId ?? 'unknown';
}

/** Reconciliation (SPEC §15): statements matched against daikou, their exceptions, and resolutions. */
export function reconciliationRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['reconciliation'];
  r.post('/v1/reconciliations', {
    schema: {
      operationId: 'createReconciliation',
      tags,
      summary: 'Reconcile a channel\'s statement of one business date: upload it (text/csv or application/xml camt.053.001.02, with channel and business_date in the query), or send JSON { channel, business_date } to fetch it from the channel',
      description:
        'The statement is streamed into a staging table and matched set-based against the debits\' and payouts\' attempts on the channel; the answer comes once it is matched. ' +
        'A statement that cannot be read, whose totals disagree with its lines, or that is of another channel or date makes a failed run (failure names why). ' +
        'A run of a channel and date supersedes the earlier ones; what was resolved stays resolved.',
      consumes: ['application/json', 'text/csv', 'application/xml'],
      querystring: CreateReconciliationQuery,
      response: responses({ 202: ReconciliationCreated }, [400, 401, 403, 404, 415]),
    },
    onRequest: guard('operator'),
  }, async (request, reply) => {
    let channel: string;
    let date: string;
    let input: StatementInput;
    if (request.body instanceof Readable) {
      const format = statementFormatOf(request.headers['content-type'] ?? '');
      if (format === null) throw new Error('unreachable: only CSV and XML bodies are streams');
      const { channel: queried, business_date: queriedDate } = request.query;
      const missing: FieldError[] = [];
      if (queried === undefined) missing.push({ pointer: '/query/channel', code: 'required', detail: 'Name the statement\'s channel.' });
      if (queriedDate === undefined) missing.push({ pointer: '/query/business_date', code: 'required', detail: 'Name the statement\'s business date.' });
      if (missing.length > 0) {
        request.body.resume();
        throw validationFailed(missing, 'A statement file needs channel and business_date in the query.');
      }
      channel = queried!;
      date = queriedDate!;
      input = { kind: 'file', format, body: request.body };
    } else {
      const parsed = CreateReconciliationBody.safeParse(request.body);
      if (!parsed.success) throw validationFailed(fieldErrors(parsed.error, ''));
      if (request.query.channel !== undefined || request.query.business_date !== undefined) {
        throw validationFailed([{ pointer: '/query', code: 'unexpected', detail: 'With a JSON body, channel and business_date go in the body.' }]);
      }
      channel = parsed.data.channel;
      date = parsed.data.business_date;
      input = { kind: 'channel' };
    }
    const run = await reconcile(ctx, { channelId: channel, businessDate: date as BusinessDate, input, requestedBy: actorOf(request) });
    return reply.code(202).send({ id: run.id, object: 'reconciliation' as const, status: run.status });
  });
  r.get('/v1/reconciliations', {
    schema: { operationId: 'listReconciliations', tags, summary: 'List reconciliations, newest first', querystring: ListReconciliationsQuery, response: responses({ 200: ReconciliationList }, [400, 401, 403]) },
    onRequest: guard('operator'),
  }, async (request) => {
    const q = request.query;
    const page = await listReconciliations(ctx, { channelId: q.channel, businessDate: q.business_date, status: q.status, limit: q.limit, startingAfter: q.starting_after });
    return { object: 'list' as const, data: page.data.map(presentReconciliation), has_more: page.hasMore };
  });
  r.get('/v1/reconciliations/:id', {
    schema: { operationId: 'getReconciliation', tags, summary: 'A reconciliation: status, counts of SPEC §15 and both sides\' totals', params: IdParams, response: responses({ 200: Reconciliation }, [401, 403, 404]) },
    onRequest: guard('operator'),
  }, async (request) => presentReconciliation(await getReconciliation(ctx, request.params.id)));
  r.get('/v1/reconciliations/:id/exceptions', {
    schema: {
      operationId: 'listReconciliationExceptions',
      tags,
      summary: 'A reconciliation\'s exceptions, in statement order (missing_in_statement after the lines), with both sides\' values',
      params: IdParams,
      querystring: ListReconciliationExceptionsQuery,
      response: responses({ 200: ReconciliationExceptionList }, [400, 401, 403, 404]),
    },
    onRequest: guard('operator'),
  }, async (request) => {
    const q = request.query;
    const page = await listReconciliationExceptions(ctx, { reconciliationId: request.params.id, kind: q.kind, status: q.status, limit: q.limit, startingAfter: q.starting_after });
    return { object: 'list' as const, data: page.data.map(presentReconciliationException), has_more: page.hasMore };
  });
  r.post('/v1/reconciliation-exceptions/:id/resolve', {
    schema: {
      operationId: 'resolveReconciliationException',
      tags,
      summary: 'Resolve an open exception: accept (nothing posted), adjust (a balanced correcting transaction against the merchant), write_off (against the platform)',
      description: 'Records who (the API key) and why. An exception resolved before, or of a superseded run: 409 exception_not_open.',
      params: IdParams,
      body: ResolveExceptionBody,
      response: responses({ 200: ReconciliationException }, [400, 401, 403, 404, 409, 415]),
    },
    onRequest: guard('operator'),
  }, async (request) => {
    const resolved = await resolveReconciliationException(ctx, { id: request.params.id, action: request.body.action, reason: request.body.reason, actor: actorOf(request) });
    return presentReconciliationException(resolved);
  });
}
