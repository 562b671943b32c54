import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

/**
 * The typed daikou client: paths, parameters, bodies and answers come from the OpenAPI document
 * the server serves (src/client/schema.ts, written by `npm run client:generate`), so that a
 * change to the API that the client does not follow fails to compile.
 *
 *   const daikou = createDaikouClient('http://localhost:8080', key);
 *   const { data, error } = await daikou.GET('/v1/debits/{id}', { params: { path: { id } } });
 */
export type DaikouClient = Client<paths>;

export function createDaikouClient(baseUrl: string, key: string, options: { fetch?: typeof fetch } = {}): DaikouClient {
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${key}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** Named representations: `Schemas['Debit']`, `Schemas['Problem']`, … */
export type Schemas = components['schemas'];
export type { components, operations, paths };
