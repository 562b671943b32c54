import type { onRequestAsyncHookHandler } from 'fastify';
import type { AppContext } from '../app/context.js';
import type { ApiKeyCache, Role } from './auth.js';

/** What every route module is given by `buildServer`; kept apart so that routes need not import the server that imports them. */
export interface RouteDeps {
  ctx: AppContext;
  /** An `onRequest` hook: the key is checked before any of the body is read. */
  guard(role: Role): onRequestAsyncHookHandler;
  /** The keys this process trusts for a moment; routes that revoke one tell it. */
  apiKeys: ApiKeyCache;
  onDebitCreated(): void;
  onBatchReceived(): void;
  /** The test clock moved (POST /v1/sandbox/clock). */
  onClockChanged(): void;
}
