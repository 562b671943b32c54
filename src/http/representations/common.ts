import { z } from 'zod';

/**
 * Pieces every representation shares. A schema given an `id` here becomes one entry of the
 * document's `components.schemas` (fastify-type-provider-zod turns registered schemas into
 * `$ref`s), so that the typed client names it.
 */

/** RFC 3339 at Asia/Shanghai's offset (SPEC §2): what every time in an answer looks like. */
export const Timestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?\+08:00$/)
  .meta({ id: 'Timestamp', format: 'date-time', description: 'RFC 3339 time at +08:00 (Asia/Shanghai), e.g. 2026-03-15T10:00:00.000+08:00' });

export const BusinessDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .meta({ id: 'BusinessDate', format: 'date', description: 'A business date in Asia/Shanghai, YYYY-MM-DD' });

/** Integer fen; 0 and negative balances are possible, unlike amounts in requests. */
export const Fen = z.number().int().describe('Integer fen (分)');

export const Currency = z.literal('CNY');

export const FieldError = z
  .strictObject({
    pointer: z.string().describe('JSON pointer to the bad field: /payer/id_number, /query/limit, /headers/idempotency-key'),
    code: z.string(),
    detail: z.string(),
  })
  .meta({ id: 'FieldError' });

export const Problem = z
  .strictObject({
    type: z.string().describe('https://daikou.dev/problems/<code>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe('The kind of problem, the last segment of type: not_found, validation_failed, …'),
    errors: z.array(FieldError).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; personal data in it is masked' });

/** A cursor-paginated list (SPEC §12): newest first, `starting_after` the last id seen. */
export function listOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .strictObject({
      object: z.literal('list'),
      data: z.array(item),
      has_more: z.boolean().describe('More items follow the last one: pass its id as starting_after'),
    })
    .meta({ id });
}

export const PROBLEM_TITLES = {
  400: 'The request is invalid: the problem names each bad field',
  401: 'No API key, or not a valid one',
  403: 'The key may not do this (an operator or a merchant key is needed)',
  404: 'No such object, or it belongs to another merchant',
  409: 'A conflict: the reference, agreement number, id or Idempotency-Key is taken, or the same request is still running',
  413: 'The body is too large',
  415: 'The body is not of a content type the operation takes',
  502: 'The sandbox clearing network did not answer',
  503: 'Not healthy',
} as const;
export type ProblemStatus = keyof typeof PROBLEM_TITLES;

/** The documented answer for an error status: problem+json, one shared `Problem` schema. */
export function problemResponse(status: ProblemStatus) {
  return { description: PROBLEM_TITLES[status], content: { 'application/problem+json': { schema: Problem } } };
}

/**
 * An operation's responses: its successes, then its error statuses as problems. Fastify picks
 * the serializer by status and content type, so a problem is checked against `Problem` too.
 */
export function responses<S extends Record<number, z.ZodType | { description?: string; content: Record<string, { schema: z.ZodType }> }>>(success: S, errors: readonly ProblemStatus[]) {
  const out: Record<number, unknown> = { ...success };
  for (const status of errors) out[status] = problemResponse(status);
  return out as S & Record<ProblemStatus, ReturnType<typeof problemResponse>>;
}
