import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, type Principal } from '../app/api-keys.js';
import type { AppContext } from '../app/context.js';
import { problem, sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export type Role = 'operator' | 'merchant' | 'any';

/** The scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Resolves `Authorization: Bearer <key>` and refuses callers without the role a route needs. It
 * runs as an `onRequest` hook, before the body is read: a caller without a key gets a 401 and
 * nothing of its body is parsed or validated.
 */
export function requireRole(ctx: AppContext, operatorKeyFromEnv: string | null, role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const key = BEARER.exec(request.headers.authorization ?? '')?.[1] ?? null;
    const principal = key ? await authenticate(ctx, key, operatorKeyFromEnv) : null;
    if (principal === null) {
      reply.header('www-authenticate', 'Bearer');
      return sendProblem(reply, problem(401, 'unauthorized', key ? 'The API key is not valid.' : 'Send an API key as Authorization: Bearer <key>.'));
    }
    if (role !== 'any' && principal.kind !== role) {
      return sendProblem(reply, problem(403, 'forbidden', role === 'operator' ? 'This needs an operator key.' : 'This needs a merchant key: it acts for one merchant.'));
    }
    request.principal = principal;
    return undefined;
  };
}

/** The merchant whose objects the caller may see: its own, or any (null) for the operator. */
export function merchantScope(request: FastifyRequest): string | null {
  const principal = request.principal;
  return principal?.kind === 'merchant' ? principal.merchantId : null;
}

export function merchantOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind !== 'merchant') throw new Error('route needs a merchant principal');
  return principal.merchantId;
}
