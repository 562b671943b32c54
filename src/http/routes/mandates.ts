import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { businessDate } from '../../core/index.js';
import { createMandate, getMandate, listMandates, revokeMandate } from '../../app/mandates.js';
import { presentMandate } from '../presenters.js';
import type { RouteDeps } from '../route-deps.js';
import { merchantOf, merchantScope } from '../auth.js';
import { Mandate, MandateList, responses } from '../representations/index.js';
import { CreateMandateBody, IdParams, ListMandatesQuery } from '../schemas.js';

export function mandateRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const today = () => businessDate(ctx.clock.now());
  const tags = ['mandates'];
  r.post('/v1/mandates', {
    schema: {
      operationId: 'createMandate',
      tags,
      summary: "Register a payer's signed mandate",
      body: CreateMandateBody,
      response: responses({ 201: Mandate }, [400, 401, 403, 409, 413, 415]),
    },
    onRequest: guard('merchant'),
  }, async (request, reply) => {
    const row = await createMandate(ctx, merchantOf(request), request.body);
    return reply.code(201).send(presentMandate(row, today()));
  });
  r.get('/v1/mandates', {
    schema: { operationId: 'listMandates', tags, summary: 'List mandates, newest first', querystring: ListMandatesQuery, response: responses({ 200: MandateList }, [400, 401]) },
    onRequest: guard('any'),
  }, async (request) => {
    const scope = merchantScope(request);
    const page = await listMandates(ctx, {
      merchantId: scope ?? request.query.merchant_id ?? null,
      status: request.query.status,
      agreementNumber: request.query.agreement_number,
      limit: request.query.limit,
      startingAfter: request.query.starting_after,
    });
    return { object: 'list' as const, data: page.data.map((row) => presentMandate(row, today())), has_more: page.hasMore };
  });
  r.get('/v1/mandates/:id', {
    schema: { operationId: 'getMandate', tags, summary: 'Retrieve a mandate', params: IdParams, response: responses({ 200: Mandate }, [401, 404]) },
    onRequest: guard('any'),
  }, async (request) => presentMandate(await getMandate(ctx, merchantScope(request), request.params.id), today()));
  r.post('/v1/mandates/:id/revoke', {
    schema: {
      operationId: 'revokeMandate',
      tags,
      summary: 'Revoke a mandate; later debits under it are rejected',
      params: IdParams,
      response: responses({ 200: Mandate }, [401, 404]),
    },
    onRequest: guard('any'),
  }, async (request) => presentMandate(await revokeMandate(ctx, merchantScope(request), request.params.id), today()));
}
