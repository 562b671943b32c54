import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { type SettableClock, invariant, isWithinClockRange } from '../../core/kernel/index.js';
import { AccountBlinder } from './account-privacy.js';
import { registerChannelRoutes } from './channel-routes.js';
import { registerControlRoutes } from './control-routes.js';
import { FaultTable } from './fault-table.js';
import { HeldConnections } from './held-connections.js';
import { PROBLEM_CONTENT_TYPE, problem } from './problem.js';
import type { SandboxContext } from './sandbox-context.js';
import { SandboxStore } from './sandbox-store.js';
import { DEBIT_BODY_BYTES_MAX } from './wire.js';

export interface SandboxOptions {
  /** The sandbox keeps its state in `<dataDir>/sandbox.sqlite`. */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks an ephemeral port. */
  port: number;
  /**
   * The sandbox's test clock. A clock offset saved by an earlier run on the same data directory
   * is restored into it on start (the sandbox keeps its time across restarts, like its accounts).
   */
  clock: SettableClock;
  /** Bearer token of the control endpoints (/v1/sandbox/*). */
  controlToken: string;
  /** Keys the HMAC under which account and ID numbers are stored. */
  secret: string;
  /** A pino logger; default (and `false`): no logging. */
  logger?: FastifyBaseLogger | false;
  /** A query reports `processing` until the clock passes receipt + this; default 0. */
  settleDelayMs?: number;
  /** How long a connection held by a `timeout` or `drop` fault stays open at most; default 60 s. */
  holdMsMax?: number;
}

export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash. */
  url: string;
  port: number;
  clock: SettableClock;
  /** Stops listening, destroys held connections, saves the clock and closes the database. */
  close(): Promise<void>;
}

/**
 * Every endpoint but the two batch endpoints takes at most this much: one debit, an account
 * patch, a fault. The batch endpoints have limits of their own, sized for DEBIT_BATCH_MAX of the
 * largest debit (wire.ts).
 */
const BODY_BYTES_MAX = DEBIT_BODY_BYTES_MAX;
const PARAM_LENGTH_MAX = 256;
const HOLD_MS_DEFAULT = 60_000;

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  invariant(options.controlToken.length > 0, 'the sandbox needs a control token');
  const settleDelayMs = options.settleDelayMs ?? 0;
  invariant(Number.isSafeInteger(settleDelayMs) && settleDelayMs >= 0, 'settleDelayMs is a whole number of ms ≥ 0');
  const host = options.host ?? '127.0.0.1';
  const { clock } = options;

  const blinder = new AccountBlinder(options.secret);
  const store = new SandboxStore(options.dataDir);
  const savedOffsetMs = store.clockOffsetMs();
  if (savedOffsetMs !== null) {
    const restoreMs = savedOffsetMs - clock.offsetMs;
    // An older version let the clock leave 2000–2100 and saved it so; such a clock is not restored.
    if (isWithinClockRange(clock.now().getTime() + restoreMs)) clock.advance(restoreMs);
    else store.saveClockOffsetMs(Math.round(clock.offsetMs));
  }
  const faults = new FaultTable(store);
  const held = new HeldConnections(options.holdMsMax ?? HOLD_MS_DEFAULT);
  const closing = new AbortController();
  const context: SandboxContext = { store, faults, clock, blinder, held, closing: closing.signal, settleDelayMs };

  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Fastify's own request lines carry the URL, and an account URL carries the account number.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    return503OnClosing: true,
    bodyLimit: BODY_BYTES_MAX,
    routerOptions: { maxParamLength: PARAM_LENGTH_MAX },
  }) as unknown as FastifyInstance;

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the URL: `/v1/sandbox/accounts/:account_number`.
    request.log.debug(
      { method: request.method, route: request.routeOptions.url ?? null, status: reply.statusCode, ms: reply.elapsedTime },
      'sandbox request',
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'sandbox request failed');
    // Fastify's own messages (FST_*) describe the request, never its content; anything else may.
    const detail = status >= 500 ? 'internal error' : error.code?.startsWith('FST_') ? error.message : 'the request could not be read';
    if (isControl(request)) {
      return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problem(status, 'request-error', titleOf(status), detail));
    }
    return reply.code(status).send({ code: channelErrorCode(status), message: detail });
  });

  app.setNotFoundHandler((request, reply) => {
    if (isControl(request)) {
      return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem(404, 'no-such-endpoint', 'Not Found', 'no such endpoint'));
    }
    // Deliberately not `{ status: "not_found" }`: that answer tells a connector it may resend.
    return reply.code(404).send({ code: 'no_such_endpoint', message: 'no such endpoint' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  registerChannelRoutes(app, context);
  await registerControlRoutes(app, context, options.controlToken);

  try {
    await app.listen({ host, port: options.port });
  } catch (error) {
    store.close();
    throw error;
  }
  const port = (app.server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  app.log.info({ url }, 'sandbox clearing network listening');

  let closed: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing.abort();
    held.destroyAll();
    try {
      await app.close();
    } finally {
      store.saveClockOffsetMs(Math.round(clock.offsetMs));
      store.close();
    }
  }

  return {
    url,
    port,
    clock,
    close: () => (closed ??= close()),
  };
}

function isControl(request: FastifyRequest): boolean {
  return request.url.startsWith('/v1/');
}

/** A body over the endpoint's limit is refused before it is read: nothing was recorded. */
function channelErrorCode(status: number): string {
  if (status === 413) return 'payload_too_large';
  return status >= 500 ? 'internal_error' : 'bad_request';
}

function titleOf(status: number): string {
  switch (status) {
    case 400:
      return 'Bad Request';
    case 413:
      return 'Content Too Large';
    case 415:
      return 'Unsupported Media Type';
    default:
      return status >= 500 ? 'Internal Server Error' : 'Request Error';
  }
}

