import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { issueMerchantKey, listMerchantKeys, revokeMerchantKey } from '../../app/api-keys.js';
import type { ApiKeyRow } from '../../app/ports.js';
import { presentInstant, presentOptionalInstant } from '../presenters.js';
import type { RouteDeps } from '../route-deps.js';
import { ApiKey, ApiKeyIssued, ApiKeyList, responses } from '../representations/index.js';
import { IdParams, PageQuery } from '../schemas.js';

const IssueApiKeyBody = z.strictObject({
  label: z.string().max(100).optional().describe('What the key is for, e.g. "billing system"; shown in lists'),
});
const ListApiKeysQuery = z.strictObject({ ...PageQuery });

/** A key as lists show it: never the key, only its first 12 characters. */
export function presentApiKey(row: ApiKeyRow): z.output<typeof ApiKey> {
  return {
    id: row.id,
    object: 'api_key',
    merchant_id: row.merchant_id,
    prefix: row.prefix,
    label: row.label,
    created_at: presentInstant(row.created_at),
    revoked_at: presentOptionalInstant(row.revoked_at),
  };
}

/** SPEC §17: the operator issues, lists and revokes merchants' API keys. */
export function apiKeyRoutes(app: FastifyInstance, { ctx, guard, apiKeys }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['api keys'];
  r.post('/v1/merchants/:id/api-keys', {
    schema: {
      operationId: 'issueApiKey',
      tags,
      summary: 'Issue another API key for a merchant (the key is shown once)',
      params: IdParams,
      body: IssueApiKeyBody,
      response: responses({ 201: ApiKeyIssued }, [400, 401, 403, 404, 413, 415]),
    },
    onRequest: guard('operator'),
  }, async (request, reply) => {
    const { row, key } = await issueMerchantKey(ctx, request.params.id, request.body.label ?? '');
    return reply.code(201).send({ ...presentApiKey(row), key });
  });
  r.get('/v1/merchants/:id/api-keys', {
    schema: {
      operationId: 'listApiKeys',
      tags,
      summary: "A merchant's API keys by prefix, newest first, revoked ones too",
      params: IdParams,
      querystring: ListApiKeysQuery,
      response: responses({ 200: ApiKeyList }, [400, 401, 403, 404]),
    },
    onRequest: guard('operator'),
  }, async (request) => {
    const page = await listMerchantKeys(ctx, request.params.id, { limit: request.query.limit, startingAfter: request.query.starting_after });
    return { object: 'list' as const, data: page.data.map(presentApiKey), has_more: page.hasMore };
  });
  r.delete('/v1/api-keys/:id', {
    schema: {
      operationId: 'revokeApiKey',
      tags,
      summary: "Revoke a merchant's API key: refused from the next request on",
      description: "A merchant's last key may be revoked: the merchant is locked out until another is issued.",
      params: IdParams,
      response: responses({ 200: ApiKey }, [401, 403, 404]),
    },
    onRequest: guard('operator'),
  }, async (request) => {
    const row = await revokeMerchantKey(ctx, request.params.id);
    apiKeys.forgetAll();
    return presentApiKey(row);
  });
}
