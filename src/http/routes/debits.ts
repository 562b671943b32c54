import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createDebit, getDebit, listDebits } from '../../app/debits.js';
import { validationFailed } from '../../app/errors.js';
import { presentDebit } from '../../app/presenters.js';
import type { RouteDeps } from '../server.js';
import { merchantOf, merchantScope } from '../auth.js';
import { CreateDebitBody, IdParams, ListDebitsQuery } from '../schemas.js';

export function debitRoutes(app: FastifyInstance, { ctx, guard, onDebitCreated }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/v1/debits', {
    schema: {
      tags: ['debits'],
      summary: 'Create a debit under a mandate',
      description: 'Send an Idempotency-Key header: the same key and body within 24 h replays the first response.',
      body: CreateDebitBody,
    },
    onRequest: guard('merchant'),
  }, async (request, reply) => {
    const header = request.headers['idempotency-key'];
    const key = typeof header === 'string' ? header : null;
    if (key !== null && (key.length === 0 || key.length > 255)) {
      throw validationFailed([{ pointer: '/headers/idempotency-key', code: 'invalid_length', detail: 'Idempotency-Key must be 1 to 255 characters.' }]);
    }
    const result = await createDebit(ctx, merchantOf(request), key, request.body);
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    else onDebitCreated();
    return reply.code(result.status).send(result.body);
  });
  r.get('/v1/debits', {
    schema: { tags: ['debits'], summary: 'List debits, newest first', querystring: ListDebitsQuery },
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
    return { object: 'list', data: page.data.map((row) => presentDebit(row)), has_more: page.hasMore };
  });
  r.get('/v1/debits/:id', {
    schema: { tags: ['debits'], summary: 'Retrieve a debit with its routing, events and attempts', params: IdParams },
    onRequest: guard('any'),
  }, async (request) => getDebit(ctx, merchantScope(request), request.params.id));
}

/**
 * An RFC 3339 bound as the stored form of `created_at` (UTC, `toISOString`). Stored times have a
 * fixed width, so comparing the text compares the instants on both engines; a bound whose year
 * leaves 1970–9999 once converted would not have that width (`+010000-…`), so it is refused.
 */
function storedInstant(text: string, pointer: string): string {
  const ms = Date.parse(text);
  const year = Number.isNaN(ms) ? NaN : new Date(ms).getUTCFullYear();
  if (!(year >= 1970 && year <= 9999)) {
    throw validationFailed([{ pointer, code: 'out_of_range', detail: 'A time between 1970 and 9999 (UTC), RFC 3339 with an offset.' }]);
  }
  return new Date(ms).toISOString();
}
