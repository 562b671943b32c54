import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { businessDate } from '../../core/index.js';
import { createMandate, getMandate, listMandates, revokeMandate } from '../../app/mandates.js';
import { presentMandate } from '../../app/presenters.js';
import type { RouteDeps } from '../server.js';
import { merchantOf, merchantScope } from '../auth.js';
import { CreateMandateBody, IdParams, ListMandatesQuery } from '../schemas.js';

export function mandateRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const today = () => businessDate(ctx.clock.now());
  r.post('/v1/mandates', {
    schema: { tags: ['mandates'], summary: "Register a payer's signed mandate", body: CreateMandateBody },
    onRequest: guard('merchant'),
  }, async (request, reply) => {
    const row = await createMandate(ctx, merchantOf(request), request.body);
    return reply.code(201).send(presentMandate(row, today()));
  });
  r.get('/v1/mandates', {
    schema: { tags: ['mandates'], summary: 'List mandates, newest first', querystring: ListMandatesQuery },
    onRequest: guard('any'),
  }, async (request) => {
    const scope = merchantScope(request);
    const page = await listMandates(ctx, {
      merchantId: scope ?? request.query.merchant_id ?? null,
      status: request.query.status,
      limit: request.query.limit,
      startingAfter: request.query.starting_after,
    });
    return { object: 'list', data: page.data.map((row) => presentMandate(row, today())), has_more: page.hasMore };
  });
  r.get('/v1/mandates/:id', {
    schema: { tags: ['mandates'], summary: 'Retrieve a mandate', params: IdParams },
    onRequest: guard('any'),
  }, async (request) => presentMandate(await getMandate(ctx, merchantScope(request), request.params.id), today()));
  r.post('/v1/mandates/:id/revoke', {
    schema: { tags: ['mandates'], summary: 'Revoke a mandate; later debits under it are rejected', params: IdParams },
    onRequest: guard('any'),
  }, async (request) => presentMandate(await revokeMandate(ctx, merchantScope(request), request.params.id), today()));
}
