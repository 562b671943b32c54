import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound, validationFailed } from '../../app/errors.js';
import { createWebhookEndpoint, deleteWebhookEndpoint, getWebhookEndpoint, listWebhookEndpoints, rotateWebhookSecret, updateWebhookEndpoint } from '../../app/webhook-endpoints.js';
import { listWebhookDeliveries, redeliverEvent } from '../../app/webhook-deliveries.js';
import { merchantScope } from '../auth.js';
import { presentWebhookDelivery, presentWebhookEndpoint } from '../presenters.js';
import { responses, WebhookDeliveryList, WebhookEndpoint, WebhookEndpointList, WebhookEndpointWithSecret } from '../representations/index.js';
import type { RouteDeps } from '../route-deps.js';
import { CreateWebhookEndpointBody, IdParams, ListWebhookDeliveriesQuery, ListWebhookEndpointsQuery, RedeliverEventBody, RotateWebhookSecretBody, UpdateWebhookEndpointBody } from '../schemas.js';

/** Webhook endpoints (SPEC §16): a merchant manages its own; the operator any merchant's. */
export function webhookRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];

  /** The merchant an endpoint is created for: the key's own, or the one an operator names. */
  async function ownerOf(request: FastifyRequest, named: string | undefined): Promise<string> {
    const scope = merchantScope(request);
    if (scope !== null) {
      if (named !== undefined && named !== scope) throw validationFailed([{ pointer: '/merchant_id', code: 'not_allowed', detail: 'A merchant key creates endpoints for its own merchant; leave merchant_id out.' }]);
      return scope;
    }
    if (named === undefined) throw validationFailed([{ pointer: '/merchant_id', code: 'required', detail: 'An operator key names the merchant whose events the endpoint receives.' }]);
    if ((await ctx.store.getMerchant(named)) === null) throw notFound('merchant', named);
    return named;
  }

  r.post('/v1/webhook-endpoints', {
    schema: {
      operationId: 'createWebhookEndpoint',
      tags,
      summary: 'Register a URL to receive events, signed (Standard Webhooks); the secret is shown once',
      body: CreateWebhookEndpointBody,
      response: responses({ 201: WebhookEndpointWithSecret }, [400, 401, 404, 413, 415]),
    },
    onRequest: guard('any'),
  }, async (request, reply) => {
    const { merchant_id: named, ...input } = request.body;
    const created = await createWebhookEndpoint(ctx, await ownerOf(request, named), input);
    return reply.code(201).send({ ...presentWebhookEndpoint(created.endpoint), secret: created.secret });
  });
  r.get('/v1/webhook-endpoints', {
    schema: { operationId: 'listWebhookEndpoints', tags, summary: 'List webhook endpoints, newest first', querystring: ListWebhookEndpointsQuery, response: responses({ 200: WebhookEndpointList }, [400, 401]) },
    onRequest: guard('any'),
  }, async (request) => {
    const q = request.query;
    const page = await listWebhookEndpoints(ctx, { merchantId: merchantScope(request) ?? q.merchant_id, limit: q.limit, startingAfter: q.starting_after });
    return { object: 'list' as const, data: page.data.map(presentWebhookEndpoint), has_more: page.hasMore };
  });
  r.get('/v1/webhook-endpoints/:id', {
    schema: { operationId: 'getWebhookEndpoint', tags, summary: 'Retrieve a webhook endpoint (without its secret)', params: IdParams, response: responses({ 200: WebhookEndpoint }, [401, 404]) },
    onRequest: guard('any'),
  }, async (request) => presentWebhookEndpoint(await getWebhookEndpoint(ctx, merchantScope(request), request.params.id)));
  r.patch('/v1/webhook-endpoints/:id', {
    schema: {
      operationId: 'updateWebhookEndpoint',
      tags,
      summary: 'Change where, which events, or whether a webhook endpoint receives',
      params: IdParams,
      body: UpdateWebhookEndpointBody,
      response: responses({ 200: WebhookEndpoint }, [400, 401, 404, 413, 415]),
    },
    onRequest: guard('any'),
  }, async (request) => presentWebhookEndpoint(await updateWebhookEndpoint(ctx, merchantScope(request), request.params.id, request.body)));
  r.delete('/v1/webhook-endpoints/:id', {
    schema: { operationId: 'deleteWebhookEndpoint', tags, summary: 'Delete a webhook endpoint: nothing more is delivered to it', params: IdParams, response: responses({ 204: z.undefined().describe('Deleted') }, [401, 404]) },
    onRequest: guard('any'),
  }, async (request, reply) => {
    await deleteWebhookEndpoint(ctx, merchantScope(request), request.params.id);
    return reply.code(204).send();
  });
  r.post('/v1/webhook-endpoints/:id/rotate-secret', {
    schema: {
      operationId: 'rotateWebhookSecret',
      tags,
      summary: 'A new signing secret, shown once; the current one keeps signing beside it for an overlap (24 h unless said)',
      params: IdParams,
      body: RotateWebhookSecretBody.optional(),
      response: responses({ 200: WebhookEndpointWithSecret }, [400, 401, 404, 413, 415]),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const rotated = await rotateWebhookSecret(ctx, merchantScope(request), request.params.id, request.body?.previous_secret_hours);
    return { ...presentWebhookEndpoint(rotated.endpoint), secret: rotated.secret };
  });
  r.get('/v1/webhook-endpoints/:id/deliveries', {
    schema: {
      operationId: 'listWebhookDeliveries',
      tags,
      summary: "The endpoint's deliveries, newest first, each with its attempts (status, latency, the answer's first bytes)",
      params: IdParams,
      querystring: ListWebhookDeliveriesQuery,
      response: responses({ 200: WebhookDeliveryList }, [400, 401, 404]),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const q = request.query;
    const page = await listWebhookDeliveries(ctx, merchantScope(request), request.params.id, { status: q.status, limit: q.limit, startingAfter: q.starting_after });
    return { object: 'list' as const, data: page.data.map(presentWebhookDelivery), has_more: page.hasMore };
  });
  r.post('/v1/events/:id/redeliver', {
    schema: {
      operationId: 'redeliverEvent',
      tags,
      summary: 'Send an event again, now, with the same webhook-id (a new 3-day retry window)',
      params: IdParams,
      body: RedeliverEventBody.nullish(),
      response: responses({ 202: WebhookDeliveryList }, [400, 401, 404, 413, 415]),
    },
    onRequest: guard('any'),
  }, async (request, reply) => {
    const deliveries = await redeliverEvent(ctx, merchantScope(request), request.params.id, request.body?.endpoint_id);
    return reply.code(202).send({ object: 'list' as const, data: deliveries.map(presentWebhookDelivery), has_more: false });
  });
}
