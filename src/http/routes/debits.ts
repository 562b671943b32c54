import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createDebit, getDebit, listDebits, type ApiResponse } from '../../app/debits.js';
import { representDebit } from '../../app/representments.js';
import { validationFailed } from '../../app/errors.js';
import { presentCreatedDebit, presentDebit, type DebitView } from '../presenters.js';
import type { RouteDeps } from '../route-deps.js';
import { merchantOf, merchantScope } from '../auth.js';
import { Debit, DebitList, responses } from '../representations/index.js';
import { CreateDebitBody, IdempotencyHeaders, IdParams, ListDebitsQuery } from '../schemas.js';

export function debitRoutes(app: FastifyInstance, { ctx, guard, onDebitCreated }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['debits'];
  r.post('/v1/debits', {
    schema: {
      operationId: 'createDebit',
      tags,
      summary: 'Create a debit under a mandate',
      description:
        'Send an Idempotency-Key header: the same key and body within 24 h replays the first response (status and body) with ' +
        '`Idempotent-Replayed: true`; the same key with another body, or while the first request still runs, is 409. ' +
        'A well-formed debit that daikou refuses is stored and answered 201 with status `rejected` and a failure code.',
      headers: IdempotencyHeaders,
      body: CreateDebitBody,
      response: responses({ 201: Debit }, [400, 401, 403, 409, 413, 415]),
    },
    onRequest: guard('merchant'),
  }, async (request, reply) => {
    const result = await createDebit(ctx, merchantOf(request), idempotencyKeyOf(request.headers), request.body, presentCreatedDebit);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    else onDebitCreated();
    return sendDebitAnswer(reply, result);
  });
  r.get('/v1/debits', {
    schema: { operationId: 'listDebits', tags, summary: 'List debits, newest first', querystring: ListDebitsQuery, response: responses({ 200: DebitList }, [400, 401]) },
    onRequest: guard('any'),
  }, async (request) => {
    const q = request.query;
    const page = await listDebits(ctx, {
      merchantId: merchantScope(request) ?? q.merchant_id,
      status: q.status,
      reference: q.reference,
      mandateId: q.mandate_id,
      channelId: q.channel,
      batchId: q.batch_id,
      createdFrom: q.created_gte === undefined ? undefined : storedInstant(q.created_gte, '/query/created_gte'),
      createdTo: q.created_lt === undefined ? undefined : storedInstant(q.created_lt, '/query/created_lt'),
      limit: q.limit,
      startingAfter: q.starting_after,
    });
    return { object: 'list' as const, data: page.data.map((row) => presentDebit(row)), has_more: page.hasMore };
  });
  r.get('/v1/debits/:id', {
    schema: {
      operationId: 'getDebit',
      tags,
      summary: 'Retrieve a debit with its routing, events and attempts',
      params: IdParams,
      response: responses({ 200: Debit }, [401, 404]),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const { debit, events, attempts, givenMandateId, representedBy } = await getDebit(ctx, merchantScope(request), request.params.id);
    return presentDebit(debit, { events, attempts, representedBy }, givenMandateId);
  });
  r.post('/v1/debits/:id/represent', {
    schema: {
      operationId: 'representDebit',
      tags,
      summary: 'Present a failed debit again (re-presentment)',
      description:
        'Creates a new debit with the same mandate, amount and reference and `represents` naming this one, through the normal ' +
        'decision (mandate limits and the payer fee allowance count it; it may be `rejected` like any debit). Only for a failed ' +
        'debit with a retryable code (`insufficient_funds`, `limit_exceeded`, `channel_unavailable`), at least one business day ' +
        'after the business date it failed on, at most twice per original. Refusals (409): `debit_not_failed`, `not_retryable`, ' +
        '`represent_limit_reached`, `represent_too_soon`, `already_represented` (present the newest presentment instead). ' +
        'Idempotency-Key as for POST /v1/debits.',
      headers: IdempotencyHeaders,
      params: IdParams,
      response: responses({ 201: Debit }, [400, 401, 403, 404, 409, 503]),
    },
    onRequest: guard('merchant'),
  }, async (request, reply) => {
    const result = await representDebit(ctx, merchantOf(request), idempotencyKeyOf(request.headers), request.params.id, presentCreatedDebit);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    else onDebitCreated();
    return sendDebitAnswer(reply, result);
  });
}

/**
 * A debit's 201, fresh or replayed. When the use case serialised the answer already (the text it
 * stores with the key, from the presenter typed by the response schema), that text is sent as it
 * is: Fastify sends a JSON string unserialised, so the body is not parsed and stringified again.
 * Otherwise the response schema serialises the body.
 */
function sendDebitAnswer(reply: FastifyReply, result: ApiResponse): FastifyReply {
  reply.code(result.status);
  if (result.json !== undefined) return reply.type('application/json; charset=utf-8').send(result.json);
  return reply.send(result.body as DebitView);
}

export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | null {
  const header = headers['idempotency-key'];
  const key = typeof header === 'string' ? header : null;
  if (key !== null && (key.length === 0 || key.length > 255)) {
    throw validationFailed([{ pointer: '/headers/idempotency-key', code: 'invalid_length', detail: 'Idempotency-Key must be 1 to 255 characters.' }]);
  }
  return key;
}

/**
 * An RFC 3339 bound as the stored form of `created_at` (UTC, `toISOString`). Stored times have a
 * fixed width, so comparing the text compares the instants on both engines; a bound whose year
 * leaves 1970–9999 once converted would not have that width (`+010000-…`), so it is refused.
 */
export function storedInstant(text: string, pointer: string): string {
  const ms = Date.parse(text);
  const year = Number.isNaN(ms) ? NaN : new Date(ms).getUTCFullYear();
  if (!(year >= 1970 && year <= 9999)) {
    throw validationFailed([{ pointer, code: 'out_of_range', detail: 'A time between 1970 and 9999 (UTC), RFC 3339 with an offset.' }]);
  }
  return new Date(ms).toISOString();
}
