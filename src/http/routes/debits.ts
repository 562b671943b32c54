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
    preHandler: guard('merchant'),
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
    preHandler: guard('any'),
  }, async (request) => {
    const q = request.query;
    const page = await listDebits(ctx, {
      merchantId: merchantScope(request) ?? q.merchant_id,
      status: q.status,
      reference: q.reference,
      mandateId: q.mandate_id,
      channelId: q.channel,
      createdFrom: q.created_gte === undefined ? undefined : new Date(q.created_gte).toISOString(),
      createdTo: q.created_lt === undefined ? undefined : new Date(q.created_lt).toISOString(),
      limit: q.limit,
      startingAfter: q.starting_after,
    });
    return { object: 'list', data: page.data.map((row) => presentDebit(row)), has_more: page.hasMore };
  });
  r.get('/v1/debits/:id', {
    schema: { tags: ['debits'], summary: 'Retrieve a debit with its routing, events and attempts', params: IdParams },
    preHandler: guard('any'),
  }, async (request) => getDebit(ctx, merchantScope(request), request.params.id));
}
