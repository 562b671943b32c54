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

/** Resolves `Authorization: Bearer <key>` and refuses callers without the role a route needs. */
export function requireRole(ctx: AppContext, operatorKeyFromEnv: string | null, role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const header = request.headers.authorization;
    const key = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
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
