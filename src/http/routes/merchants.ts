import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getMerchant, listMerchants, createMerchant } from '../../app/merchants.js';
import { presentMerchant } from '../../app/presenters.js';
import { notFound } from '../../app/errors.js';
import type { RouteDeps } from '../server.js';
import { merchantScope } from '../auth.js';
import { CreateMerchantBody, IdParams, ListMerchantsQuery } from '../schemas.js';

export function merchantRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post('/v1/merchants', {
    schema: { tags: ['merchants'], summary: 'Create a merchant and its first API key (shown once)', body: CreateMerchantBody },
    onRequest: guard('operator'),
  }, async (request, reply) => {
    const { merchant, apiKey } = await createMerchant(ctx, request.body);
    return reply.code(201).send({ ...presentMerchant(merchant), api_key: apiKey });
  });
  r.get('/v1/merchants', {
    schema: { tags: ['merchants'], summary: 'List merchants, newest first', querystring: ListMerchantsQuery },
    onRequest: guard('operator'),
  }, async (request) => {
    const page = await listMerchants(ctx, { limit: request.query.limit, startingAfter: request.query.starting_after });
    return { object: 'list', data: page.data.map(presentMerchant), has_more: page.hasMore };
  });
  r.get('/v1/merchants/:id', {
    schema: { tags: ['merchants'], summary: 'Retrieve a merchant', params: IdParams },
    onRequest: guard('any'),
  }, async (request) => {
    const scope = merchantScope(request);
    if (scope !== null && scope !== request.params.id) throw notFound('merchant', request.params.id);
    return presentMerchant(await getMerchant(ctx, request.params.id));
  });
}
