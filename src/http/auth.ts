import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, hashApiKey, type Principal } from '../app/api-keys.js';
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

/** How long a merchant key found valid is trusted without reading it again: one revoked through another process is refused at most this long after. */
export const API_KEY_CACHE_MS = 1_000;
/** Keys remembered at most; the oldest are forgotten first. */
const API_KEY_CACHE_SIZE_MAX = 10_000;

/**
 * The merchants of merchant keys found valid, for API_KEY_CACHE_MS: each request would otherwise
 * read its key's row (on SQLite through the one connection the group commits hold). A key revoked
 * through this process's API is forgotten at once (`forgetAll`, called by the route that revokes);
 * one revoked through another hub process on the same database is refused once its entry is older
 * than API_KEY_CACHE_MS. Operator keys are read on every request: `daikou operator-key rotate`,
 * another process, revokes them at once. Refusals are not remembered: a key issued a moment ago
 * works at once.
 */
export class ApiKeyCache {
  readonly #entries = new Map<string, { principal: Principal; until: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  /** `now`: a monotonic clock in ms (tests move it). */
  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttlMs = options.ttlMs ?? API_KEY_CACHE_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  async principalOf(ctx: Pick<AppContext, 'store'>, key: string, operatorKeyFromEnv: string | null): Promise<Principal | null> {
    const hash = hashApiKey(key);
    const now = this.#now();
    const entry = this.#entries.get(hash);
    if (entry !== undefined && entry.until > now) return entry.principal;
    this.#entries.delete(hash);
    const principal = await authenticate(ctx, key, operatorKeyFromEnv, hash);
    if (principal?.kind !== 'merchant') return principal;
    if (this.#entries.size >= API_KEY_CACHE_SIZE_MAX) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(hash, { principal, until: now + this.#ttlMs });
    return principal;
  }

  /** A key was revoked here: none is trusted without being read again. */
  forgetAll(): void {
    this.#entries.clear();
  }
}

/**
 * Resolves `Authorization: Bearer <key>` and refuses callers without the role a route needs. It
 * runs as an `onRequest` hook, before the body is read: a caller without a key gets a 401 and
 * nothing of its body is parsed or validated.
 */
export function requireRole(ctx: AppContext, operatorKeyFromEnv: string | null, role: Role, keys: ApiKeyCache) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const key = BEARER.exec(request.headers.authorization ?? '')?.[1] ?? null;
    const principal = key ? await keys.principalOf(ctx, key, operatorKeyFromEnv) : null;
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
