import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../app/context.js';
import { workersHealth, type WorkerHealth } from '../app/worker-health.js';
import { validationFailed } from '../app/errors.js';
import { ApiKeyCache, requireRole, type Role } from './auth.js';
import { personalDataInFreeText } from './free-text.js';
import { clientErrorHandler, errorHandler, frameworkErrorHandler, problem, sendProblem } from './problem.js';
import { maskDigitRuns } from '../core/payers/index.js';
import { openApiOptions } from './openapi.js';
import { Health, responses } from './representations/index.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { requestIdOf } from './request-id.js';
import { requestLogger } from './request-logger.js';
import { channelRoutes } from './routes/channels.js';
import { debitRoutes } from './routes/debits.js';
import { payoutRoutes } from './routes/payouts.js';
import { feeRoutes } from './routes/fees.js';
import { batchRoutes } from './routes/batches.js';
import { calendarRoutes } from './routes/calendar.js';
import { settlementRoutes } from './routes/settlements.js';
import { eventRoutes } from './routes/events.js';
import { webhookRoutes } from './routes/webhooks.js';
import { noticeRoutes } from './routes/notices.js';
import { reconciliationRoutes } from './routes/reconciliations.js';
import { ledgerRoutes } from './routes/ledger.js';
import { mandateRoutes } from './routes/mandates.js';
import { merchantRoutes } from './routes/merchants.js';
import { sandboxRoutes, type SandboxLink } from './routes/sandbox.js';
import { consoleHandler, isReservedPath } from './console-files.js';
import type { RouteDeps } from './route-deps.js';


export interface ServerOptions {
  ctx: AppContext;
  operatorKeyFromEnv: string | null;
  sandbox: SandboxLink | null;
  onDebitCreated?: () => void;
  onBatchReceived?: () => void;
  /** The test clock was set or advanced: what is due on the new date (settlement) need not wait for its timer. */
  onClockChanged?: () => void;
  version: string;
  /** The background loops `/healthz` reports on, by name. */
  workers?: Readonly<Record<string, WorkerHealth>>;
  /** The API keys found valid, trusted for a moment (default: API_KEY_CACHE_MS); tests give one with their own clock. */
  apiKeys?: ApiKeyCache;
  /** Serve the API (default); false for a workers-only process: `/healthz` and `/metrics` alone. */
  api?: boolean;
  /** The whole request, body included (DAIKOU_REQUEST_TIMEOUT_MS); batch uploads are large. */
  requestTimeoutMs?: number;
  /** The request line and headers. */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection. */
  keepAliveTimeoutMs?: number;
  /** A socket with no traffic at all. */
  connectionTimeoutMs?: number;
  /** How often Node looks for requests past their timeouts. */
  connectionsCheckingIntervalMs?: number;
  /** Open connections at once (DAIKOU_MAX_CONNECTIONS); more are dropped as they arrive. */
  maxConnections?: number;
  /** The built web console (`dist/console`), served at `/`; null serves none. */
  consoleDir?: string | null;
}

/** Limits on slow and numerous clients, so that none can hold the server's sockets forever. */
export const SERVER_LIMIT_DEFAULTS = {
  requestTimeoutMs: 60_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  connectionTimeoutMs: 120_000,
  connectionsCheckingIntervalMs: 1_000,
  maxConnections: 1_000,
} as const satisfies Partial<ServerOptions>;

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { ctx } = options;
  const limits = { ...SERVER_LIMIT_DEFAULTS, ...definedOnly(options) };
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    genReqId: requestIdOf,
    // A request's child logger is made only when one of its lines is written (issue 15).
    childLoggerFactory: requestLogger,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.connectionsCheckingIntervalMs },
    // Every error is problem+json, those Fastify and Node's parser meet before a route runs too.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // Fastify's own 503 while closing is not a problem; requests already on a connection are
    // answered instead (close waits for them), new connections are no longer accepted.
    return503OnClosing: false,
  });
  app.server.maxConnections = limits.maxConnections;
  app.decorateRequest('principal', null);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // The web console answers GET and HEAD outside the API's paths (client-side routes, its files).
  const serveConsole = options.consoleDir ? consoleHandler(options.consoleDir) : null;
  app.setNotFoundHandler((request, reply) => {
    const forConsole = serveConsole !== null && (request.method === 'GET' || request.method === 'HEAD') && !isReservedPath(request.url.split('?')[0] ?? '');
    if (forConsole) return serveConsole(request, reply);
    return sendProblem(reply, problem(404, 'route_not_found', `No route ${request.method} ${maskDigitRuns(request.url)}.`));
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // After the key (onRequest) and parsing, before the schema: free text must not hold personal data.
  app.addHook('preValidation', async (request) => {
    const findings = personalDataInFreeText(request.body);
    if (findings.length > 0) throw validationFailed(findings, 'The request body holds personal data outside the fields meant for it.');
  });

  if (options.api !== false) {
    await app.register(fastifySwagger, openApiOptions(options.version));
    await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  }

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'daikou_' });
  const requests = new Counter({ name: 'daikou_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [metrics] });
  const latency = new Histogram({ name: 'daikou_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers: [metrics] });
  new Gauge({
    name: 'daikou_debits',
    help: 'Debits by status',
    labelNames: ['status'],
    registers: [metrics],
    async collect() {
      const counts = await ctx.store.countDebitsByStatus();
      for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
    },
  });
  // Group commit (DESIGN-NOTES §11): requests over groups since the start is the mean group size.
  new Gauge({
    name: 'daikou_group_commit_groups',
    help: 'API write groups committed since the start (group commit on)',
    registers: [metrics],
    collect() {
      this.set(ctx.groupCommit.committed().groups);
    },
  });
  new Gauge({
    name: 'daikou_group_commit_requests',
    help: 'API write requests the committed groups held since the start',
    registers: [metrics],
    collect() {
      this.set(ctx.groupCommit.committed().requests);
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: label values must not carry personal data or explode.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', {
    schema: {
      operationId: 'getHealth',
      tags: ['operations'],
      summary: "Liveness, database reachability and whether the workers' rounds keep failing",
      security: [],
      response: {
        200: Health,
        503: { description: 'The database does not answer (unavailable), or a worker keeps failing (degraded)', content: { 'application/json': { schema: Health } } },
      },
    },
  }, async (_request, reply) => {
    const workers = workersHealth(options.workers ?? {});
    try {
      await ctx.store.getSetting('health');
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: ctx.store.engine, workers: workers.views });
    }
    if (workers.failing) return reply.code(503).send({ status: 'degraded', database: ctx.store.engine, workers: workers.views });
    return { status: 'ok' as const, database: ctx.store.engine, workers: workers.views };
  });
  const apiKeys = options.apiKeys ?? new ApiKeyCache();
  const guard = (role: Role) => requireRole(ctx, options.operatorKeyFromEnv, role, apiKeys);
  r.get('/metrics', {
    schema: {
      operationId: 'getMetrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (operator key)',
      response: responses({ 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } } }, [401, 403]),
    },
    onRequest: guard('operator'),
  }, async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));

  // A workers-only process (issue 15) answers health and metrics, nothing else.
  if (options.api === false) return app;
  const deps: RouteDeps = {
    ctx,
    guard,
    apiKeys,
    onDebitCreated: options.onDebitCreated ?? (() => undefined),
    onBatchReceived: options.onBatchReceived ?? (() => undefined),
    onClockChanged: options.onClockChanged ?? (() => undefined),
  };
  merchantRoutes(app, deps);
  mandateRoutes(app, deps);
  debitRoutes(app, deps);
  payoutRoutes(app, deps);
  ledgerRoutes(app, deps);
  settlementRoutes(app, deps);
  webhookRoutes(app, deps);
  eventRoutes(app, deps);
  reconciliationRoutes(app, deps);
  channelRoutes(app, deps);
  noticeRoutes(app, deps);
  feeRoutes(app, deps);
  batchRoutes(app, deps);
  apiKeyRoutes(app, deps);
  calendarRoutes(app, deps);
  if (options.sandbox !== null) sandboxRoutes(app, deps, options.sandbox);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (serveConsole !== null) app.get('/', { schema: { hide: true } }, serveConsole);
  return app;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
