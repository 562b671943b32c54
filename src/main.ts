import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ensureOperatorKey } from './app/api-keys.js';
import { DEFAULT_BATCH_SETTINGS, DEFAULT_WORKER_SETTINGS, type AppContext, type BatchSettings, type WorkerSettings } from './app/context.js';
import type { SecretSource, Store } from './app/ports.js';
import { SubmissionWorker } from './app/submission-worker.js';
import { BatchWorker } from './app/batch-worker.js';
import { MaintenanceWorker } from './app/maintenance-worker.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from './app/webhook-dispatcher.js';
import { reconcilePreviousDay } from './app/reconciliations.js';
import { representDueFailures } from './app/representments.js';
import { ChannelConnectors } from './app/connector-registry.js';
import { RoutingTable } from './app/routing-table.js';
import { loadScenario, type ScenarioName } from './app/scenarios.js';
import { ensureDefaultPlans } from './app/fee-plans.js';
import { GroupCommit } from './app/group-commit.js';
import { SandboxConnector } from './channels/sandbox-connector/index.js';
import { refusedWebhookUrl } from './webhooks/address-policy.js';
import { newWebhookSecret } from './webhooks/signature.js';
import { postWebhook } from './webhooks/post-webhook.js';
import { startSandbox } from './channels/sandbox/index.js';
import { CN_CALENDAR, SANDBOX_ENDPOINT, SettableClock, isWithinClockRange, type BusinessCalendar, type Clock, type IdSource } from './core/index.js';
import { Uuidv7Ids } from './ids.js';
import { buildServer } from './http/server.js';
import type { ApiKeyCache } from './http/auth.js';
import { OBJECT_PRESENTERS } from './http/presenters.js';
import { createLogger } from './logger.js';
import { listenFailure } from './startup-error.js';
import { ensurePrivateFile, secureDataDir } from './security/data-dir-modes.js';
import { loadMasterKey, Vault } from './security/vault.js';
import { isTransactionConflict, migrateToLatest, type DatabaseConfig } from './storage/database.js';
import { openStore } from './storage/kysely-store.js';
import { DatabaseBatchFiles } from './storage/batch-file-chunks.js';
import { encryptedBatchFiles } from './security/encrypted-batch-files.js';

// For `daikou webhooks listen`, which signs what it forwards as the hub signs its deliveries.
export { newWebhookSecret, webhookHeaders } from './webhooks/signature.js';

export const randomSecrets: SecretSource = {
  randomToken: (bytes: number) => crypto.randomBytes(bytes).toString('base64url'),
};

export const VERSION: string = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Where `npm run build` writes the web console (`vite build` of console/), from src/ and dist/ alike. */
export const CONSOLE_DIR: string = fileURLToPath(new URL('../dist/console/', import.meta.url));

/** The purpose of the key that seals uploaded batch files at rest, for Vault.derive. */
/**
 * Groups of API writes committing at once on PostgreSQL, each its own transaction on a connection
 * of the pool (10). One, measured on the 2-core machine (session 10): several groups in flight
 * split the same requests into smaller groups (mean 7.8 → 1.5 at 4 processes), so each debit paid
 * more of a group's fixed statements: 2.29 → 1.73 statements and 1,840 → 1,550 µs of PostgreSQL CPU
 * per debit with one hub, 11.9 → 9.2 and 7.0 → 5.2 ms with four. A machine with cores to spare may
 * measure again with `DAIKOU_GROUPS_IN_FLIGHT`.
 */
const GROUPS_IN_FLIGHT_POSTGRES = 1;
const BATCH_FILE_KEY_PURPOSE = 'batch-files';

/** The one channel this build routes to: a clearing organisation simulated by the sandbox. */
export const SANDBOX_CHANNEL_ID = 'sandbox-clearing';

export interface HubOptions {
  dataDir: string;
  host: string;
  port: number;
  /** PostgreSQL URL, or null for the embedded SQLite database under `dataDir`. */
  databaseUrl: string | null;
  operatorKey: string | null;
  masterKey: string | undefined;
  /** Run a sandbox in this process on this port (0: any free port), or use one already running. */
  sandbox: { kind: 'embedded'; port: number } | { kind: 'external'; url: string; controlToken: string };
  logger?: Logger;
  clock?: SettableClock;
  ids?: IdSource;
  workers?: Partial<WorkerSettings>;
  batches?: Partial<BatchSettings>;
  /** The webhook dispatcher's limits (deadline, per-endpoint concurrency, …); unset ones take its defaults. */
  webhookDispatch?: Omit<WebhookDispatcherOptions, 'random'>;
  /** Webhooks may go to loopback, private and link-local addresses (`DAIKOU_WEBHOOK_ALLOW_PRIVATE=1`: local development, tests). */
  webhookAllowPrivate?: boolean;
  /** Concurrent API writes share transactions (DESIGN-NOTES §11); false: a transaction each (`DAIKOU_GROUP_COMMIT`). Default: on, both engines. */
  groupCommit?: boolean;
  /** Groups of API writes committing at once on PostgreSQL (default GROUPS_IN_FLIGHT_POSTGRES); always 1 on SQLite. */
  groupsInFlight?: number;
  /** The API server's limits on slow and numerous clients; unset ones take SERVER_LIMIT_DEFAULTS. */
  server?: { requestTimeoutMs?: number; maxConnections?: number; apiKeys?: ApiKeyCache };
  /** The business calendar (`DAIKOU_CALENDAR_FILE`); default: the shipped table, CN_CALENDAR. */
  calendar?: BusinessCalendar;
  /** A shipped scenario to load (channels and rules); without one, a default sandbox channel. */
  scenario?: ScenarioName;
  /**
   * Start the background workers (tests may drive them by hand); an object chooses them one by
   * one, e.g. batches without submission to time ingestion alone.
   */
  runWorkers?: boolean | { submission: boolean; batches: boolean };
  /**
   * What this process does when several share one PostgreSQL database (issue 15): `api` serves the
   * API and runs no worker; `workers` runs the workers and serves only `/healthz` and `/metrics`.
   * Default `all`: one process does both.
   */
  role?: HubRole;
  /** The built web console to serve at `/` (default: the checkout's `dist/console`, written by `npm run build`). */
  consoleDir?: string;
}

export type HubRole = 'all' | 'api' | 'workers';

export interface RunningHub {
  url: string;
  sandboxUrl: string;
  /** Printed once: the operator key created on first start, if one was. */
  firstOperatorKey: string | null;
  ctx: AppContext;
  worker: SubmissionWorker;
  /** Delivers events to webhook endpoints; started with the other workers. */
  webhooks: WebhookDispatcher;
  server: FastifyInstance;
  close(): Promise<void>;
}

export function databaseConfig(dataDir: string, databaseUrl: string | null): DatabaseConfig {
  return databaseUrl === null ? { engine: 'sqlite', file: path.join(dataDir, 'daikou.sqlite') } : { engine: 'postgres', url: databaseUrl };
}

/**
 * The composition root: the only place that picks adapters and wires them together.
 *
 * Start-up either completes or leaves nothing behind: when a step fails, everything started
 * before it (workers, server, sandbox, database pool) is stopped again, in reverse order, and
 * the error is thrown — a failure to listen as a one-line StartupError. The first operator key
 * is created last, once the API listens and nothing else can fail, and handed straight back
 * for printing: a start that fails never holds a key nobody saw. Should the process die in the
 * instant between that commit and the print, `daikou operator-key rotate` issues a new one.
 */
export async function startHub(options: HubOptions): Promise<RunningHub> {
  const logger = options.logger ?? createLogger();
  // The data directory holds personal data: 0700, its files 0600 (SPEC §13), fixed at every start.
  secureDataDir(options.dataDir);
  const vault = new Vault(loadMasterKey(options.dataDir, options.masterKey));
  const clock = options.clock ?? new SettableClock();
  const ids = options.ids ?? new Uuidv7Ids();
  const role = options.role ?? 'all';

  /** What to stop, in the order it was started. */
  const started: { name: string; stop(): Promise<void> }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const { name, stop } of started.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.error({ err: error }, `could not stop the ${name} cleanly`);
      }
    }
  };

  try {
    const config = databaseConfig(options.dataDir, options.databaseUrl);
    if (config.engine === 'sqlite') ensurePrivateFile(config.file);
    const { store, db } = openStore(config);
    started.push({ name: 'database', stop: () => store.close() });
    await migrateToLatest(db);

    let sandboxUrl: string;
    let controlToken: string;
    if (options.sandbox.kind === 'embedded') {
      controlToken = randomSecrets.randomToken(32);
      const sandbox = await startSandbox({
        dataDir: options.dataDir,
        host: '127.0.0.1',
        port: options.sandbox.port,
        clock,
        controlToken,
        secret: vault.derive('sandbox/accounts'),
        logger: logger.child({ service: 'sandbox' }),
      }).catch((error: unknown) => {
        throw listenFailure(error, 'the sandbox', 'choose another port with --sandbox-port or DAIKOU_SANDBOX_PORT');
      });
      started.push({ name: 'sandbox', stop: () => sandbox.close() });
      sandboxUrl = sandbox.url;
    } else {
      sandboxUrl = options.sandbox.url;
      controlToken = options.sandbox.controlToken;
      await syncClockFromSandbox(sandboxUrl, controlToken, clock, logger);
    }

    // Every channel speaks the daikou channel protocol; `sandbox` as its endpoint means the sandbox above.
    const connectors = new ChannelConnectors((channel) =>
      new SandboxConnector({ channelId: channel.id, baseUrl: channel.endpoint === SANDBOX_ENDPOINT ? sandboxUrl : channel.endpoint, timeoutMs: 5_000 }).flows(),
    );
    const routing = new RoutingTable(store, clock, (channels) => connectors.load(channels));
    const ctx: AppContext = {
      store,
      // On by default on both engines: with the group's debits written set-based, PostgreSQL too measured
      // faster with it (README, group commit).
      groupCommit: new GroupCommit(store, {
        enabled: options.groupCommit ?? true,
        groupsMax: store.engine === 'sqlite' ? 1 : options.groupsInFlight ?? GROUPS_IN_FLIGHT_POSTGRES,
        retryable: isTransactionConflict,
      }),
      clock,
      calendar: options.calendar ?? CN_CALENDAR,
      ids,
      vault,
      secrets: randomSecrets,
      connectors,
      routing,
      logger,
      batchFiles: encryptedBatchFiles(new DatabaseBatchFiles(db, clock), Buffer.from(vault.derive(BATCH_FILE_KEY_PURPOSE), 'hex')),
      workers: { ...DEFAULT_WORKER_SETTINGS, ...options.workers },
      batches: { ...DEFAULT_BATCH_SETTINGS, ...options.batches },
      webhooks: {
        refusedUrl: (url) => refusedWebhookUrl(url, options.webhookAllowPrivate ?? false),
        newSecret: () => newWebhookSecret(),
        post: (request) => postWebhook(request, options.webhookAllowPrivate ?? false),
      },
      presenters: OBJECT_PRESENTERS,
    };
    await ensureDefaultPlans(ctx);
    if (options.scenario !== undefined) await loadScenario(ctx, options.scenario);
    else await ensureDefaultChannel(store, clock);
    await routing.router();
    const worker = new SubmissionWorker(ctx);
    const batchWorker = new BatchWorker(ctx);
    const webhooks = new WebhookDispatcher(ctx, { ...options.webhookDispatch, random: Math.random });
    store.onEventsCommitted(() => webhooks.wake());
    const maintenance = new MaintenanceWorker(ctx, { autoRepresent: () => representDueFailures(ctx), reconcile: () => reconcilePreviousDay(ctx) });
    const server = await buildServer({
      ctx,
      operatorKeyFromEnv: options.operatorKey,
      sandbox: { url: sandboxUrl, controlToken, clock },
      onDebitCreated: () => worker.wake(),
      onBatchReceived: () => batchWorker.wake(),
      onClockChanged: () => maintenance.wake(),
      version: VERSION,
      consoleDir: options.consoleDir ?? CONSOLE_DIR,
      workers: { ...worker.health, batches: batchWorker.health },
      api: role !== 'workers',
      ...options.server,
    });
    started.push({ name: 'API server', stop: () => server.close() });
    await server.listen({ host: options.host, port: options.port }).catch((error: unknown) => {
      throw listenFailure(error, 'the API', 'choose another port with --port or DAIKOU_PORT');
    });
    const runWorkers = role === 'api' ? false : options.runWorkers;
    const run = typeof runWorkers === 'object' ? runWorkers : { submission: runWorkers !== false, batches: runWorkers !== false };
    if (run.submission) worker.start();
    started.push({ name: 'submission worker', stop: () => worker.stop() });
    if (run.batches) batchWorker.start();
    started.push({ name: 'batch worker', stop: () => batchWorker.stop() });
    if (runWorkers !== false) maintenance.start();
    started.push({ name: 'maintenance worker', stop: () => maintenance.stop() });
    if (options.runWorkers !== false) webhooks.start();
    started.push({ name: 'webhook dispatcher', stop: () => webhooks.stop() });
    const address = server.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    // Last, so that nothing after it can fail and lose it (see above).
    const firstOperatorKey = role === 'workers' ? null : await ensureOperatorKey(ctx, options.operatorKey);
    return {
      url: `http://${options.host}:${port}`,
      sandboxUrl,
      firstOperatorKey,
      ctx,
      worker,
      webhooks,
      server,
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Without a scenario, a database with no channel at all gets one: a sandbox clearing organisation. */
async function ensureDefaultChannel(store: Store, clock: Clock): Promise<void> {
  if ((await store.listChannels()).length > 0) return;
  await store.upsertChannel({
    id: SANDBOX_CHANNEL_ID,
    type: 'clearing_org',
    name: 'Sandbox clearing organisation',
    region_code: null,
    bank_code: null,
    capabilities: JSON.stringify(['debit', 'payout']),
    cost_schedule: JSON.stringify({}),
    priority: 1,
    enabled: 1,
    endpoint: SANDBOX_ENDPOINT,
    created_at: clock.now().toISOString(),
    updated_at: null,
  });
}

async function syncClockFromSandbox(url: string, token: string, clock: SettableClock, logger: Logger): Promise<void> {
  try {
    const response = await fetch(`${url}/v1/sandbox/clock`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { now?: string };
    const instantMs = typeof body.now === 'string' ? Date.parse(body.now) : Number.NaN;
    if (isWithinClockRange(instantMs)) clock.set(new Date(instantMs));
    else logger.warn('the sandbox clock is unreadable or outside 2000–2100; using the system clock');
  } catch (error) {
    logger.warn({ err: error }, 'could not read the sandbox clock; using the system clock');
  }
}

/**
 * The sandbox alone, as `daikou sandbox` runs it: its account secret derived from the master key
 * (DAIKOU_MASTER_KEY, or `<dataDir>/master.key`), so that hubs and sandbox seal alike.
 */
export async function startStandaloneSandbox(options: { dataDir: string; host: string; port: number; controlToken: string; masterKey: string | undefined; logger: Logger }): Promise<{ url: string; close(): Promise<void> }> {
  const vault = new Vault(loadMasterKey(options.dataDir, options.masterKey));
  return startSandbox({
    dataDir: options.dataDir,
    host: options.host,
    port: options.port,
    clock: new SettableClock(),
    controlToken: options.controlToken,
    secret: vault.derive('sandbox/accounts'),
    logger: options.logger,
  });
}
