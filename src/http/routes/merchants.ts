import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getMerchant, listMerchants, createMerchant } from '../../app/merchants.js';
import { presentMerchant } from '../presenters.js';
import { notFound } from '../../app/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { merchantScope } from '../auth.js';
import { Merchant, MerchantCreated, MerchantList, responses } from '../representations/index.js';
import { CreateMerchantBody, IdParams, ListMerchantsQuery } from '../schemas.js';

export function merchantRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['merchants'];
  r.post('/v1/merchants', {
    schema: {
      operationId: 'createMerchant',
      tags,
      summary: 'Create a merchant and its first API key (shown once)',
      body: CreateMerchantBody,
      response: responses({ 201: MerchantCreated }, [400, 401, 403, 409, 413, 415]),
    },
    onRequest: guard('operator'),
  }, async (request, reply) => {
    const { merchant, apiKey } = await createMerchant(ctx, request.body);
    return reply.code(201).send({ ...presentMerchant(merchant), api_key: apiKey });
  });
  r.get('/v1/merchants', {
    schema: { operationId: 'listMerchants', tags, summary: 'List merchants, newest first', querystring: ListMerchantsQuery, response: responses({ 200: MerchantList }, [400, 401, 403]) },
    onRequest: guard('operator'),
  }, async (request) => {
    const page = await listMerchants(ctx, { limit: request.query.limit, startingAfter: request.query.starting_after });
    return { object: 'list' as const, data: page.data.map(presentMerchant), has_more: page.hasMore };
  });
  r.get('/v1/merchants/:id', {
    schema: {
      operationId: 'getMerchant',
      tags,
      summary: 'Retrieve a merchant (a merchant key: its own only)',
      params: IdParams,
      response: responses({ 200: Merchant }, [401, 404]),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const scope = merchantScope(request);
    if (scope !== null && scope !== request.params.id) throw notFound('merchant', request.params.id);
    return presentMerchant(await getMerchant(ctx, request.params.id));
  });
}
