import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { createJsonSchemaTransformObject, jsonSchemaTransform } from 'fastify-type-provider-zod';

/**
 * The OpenAPI 3.1 document (SPEC §12), served at /openapi.json and committed as
 * openapi/openapi.json. Routes describe themselves (zod schemas for bodies, queries and every
 * answer, problem+json for errors); this file adds what a route schema cannot say — the
 * servers, the tags, response headers, non-JSON request bodies — and keeps only the
 * components the operations use.
 */

type Json = Record<string, unknown>;
// The document is plain JSON; @fastify/swagger types it loosely, so it is walked as such.
type Document = Json & { paths?: Record<string, Record<string, Json>>; components?: Json & { schemas?: Record<string, unknown> } };

const TAGS = [
  { name: 'merchants', description: 'Billers (商户) and their settlement accounts; operator keys manage them' },
  { name: 'api keys', description: "Merchants' API keys: issued, listed by prefix, revoked" },
  { name: 'mandates', description: "Payers' signed authorizations (代扣协议) to debit one account for one merchant" },
  { name: 'debits', description: 'Instructions to collect from a payer account (代扣), with routing, fees and events' },
  { name: 'payouts', description: "Instructions to pay a payee's account (代付) from the merchant's available balance" },
  { name: 'batches', description: 'Files of many instructions (批量文件): CSV or ISO 20022 pain.008, and their result files' },
  { name: 'ledger', description: 'Double-entry balances in fen' },
  { name: 'reconciliation', description: "Channels' statements matched against daikou, their exceptions and how each was resolved" },
  { name: 'fees', description: 'Fee plans and the margin report' },
  { name: 'channels and rules', description: 'Clearing channels, the routing rules that constrain them, and what-if simulation' },
  { name: 'notices', description: 'Regulatory notices (公告) that routing rules come from' },
  { name: 'calendar', description: "China's business days: public holidays and make-up working days (调休) from the State Council's notices" },
  { name: 'webhooks', description: "Where a merchant's events are delivered, signed as Standard Webhooks" },
  { name: 'sandbox', description: 'The simulated clearing network: payer accounts, faults and the test clock (operator keys)' },
  { name: 'operations', description: 'Health and metrics' },
];

const transformObject = createJsonSchemaTransformObject({});

const SUCCESS_DESCRIPTIONS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted: processing goes on in the background',
  '204': 'Done; no content',
};

export function openApiOptions(version: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'daikou API',
        version,
        description:
          'Direct-debit and collection/payout hub. Amounts are integer fen; times are RFC 3339 at +08:00 (Asia/Shanghai), and ' +
          'time filters take any offset. Errors are RFC 9457 application/problem+json with a `code` and JSON pointers. ' +
          'Authenticate with `Authorization: Bearer <key>`: operator keys see everything, a merchant key only its merchant.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative: the daikou that serves the document (`daikou start` listens on :8080 by default).
      servers: [{ url: '/', description: 'The daikou serving this document' }],
      tags: TAGS,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An operator or merchant API key' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => finishDocument(transformObject(input) as Document) as ReturnType<typeof transformObject>,
  };
}

/** The finishing touches, on the generated document (a pure function of it). */
export function finishDocument(document: Document): Document {
  const paths = document.paths ?? {};
  const operation = (path: string, method: string): Json | undefined => paths[path]?.[method];

  const createDebit = operation('/v1/debits', 'post');
  const created = (createDebit?.responses as Record<string, Json> | undefined)?.['201'];
  if (created) {
    created.headers = {
      'Idempotent-Replayed': {
        description: 'true when this is the stored answer to an earlier request with the same Idempotency-Key and body',
        schema: { type: 'string', enum: ['true'] },
      },
    };
  }

  const createBatch = operation('/v1/batches', 'post');
  if (createBatch) {
    createBatch.requestBody = {
      required: true,
      description: 'The file, streamed: CSV (UTF-8, a BOM allowed) or an ISO 20022 pain.008 XML file',
      content: {
        'text/csv': { schema: { type: 'string' } },
        'application/xml': { schema: { type: 'string' } },
      },
    };
  }

  for (const methods of Object.values(paths)) {
    for (const op of Object.values(methods)) {
      const answers = (op.responses ?? {}) as Record<string, Json>;
      // A 204 has no body: no content to describe.
      if (answers['204']) delete answers['204'].content;
      for (const [status, answer] of Object.entries(answers)) {
        if (answer.description === 'Default Response') answer.description = SUCCESS_DESCRIPTIONS[status] ?? 'Success';
      }
    }
  }

  return { ...document, components: { ...document.components, schemas: usedSchemas(document) } };
}

/**
 * Only the component schemas the paths reach. fastify-type-provider-zod writes every registered
 * schema twice (as itself and as `…Input`); the request side of a representation is never used.
 */
function usedSchemas(document: Document): Record<string, unknown> {
  const all = document.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')) {
        const name = child.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(all[name]);
        }
      } else visit(child);
    }
  };
  visit(document.paths);
  return Object.fromEntries(Object.keys(all).sort().filter((name) => used.has(name)).map((name) => [name, all[name]]));
}
