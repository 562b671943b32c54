/**
 * The hub under test, started by HubProcess (src/bench/hub-process.ts) with an IPC channel:
 *
 *   node dist/bench/hub-child.js <batches|all> <data dir>
 *
 * configured from the environment as `daikou start` is (DAIKOU_DATABASE_URL, DAIKOU_OPERATOR_KEY,
 * DAIKOU_MASTER_KEY, DAIKOU_WORKER_*, DAIKOU_GROUP_COMMIT), on free ports with an embedded sandbox. It reports its URL
 * once listening and stops when asked or when the bench goes away.
 *
 * In `batches` mode the hub runs its batch worker and not its submission workers, so that
 * ingestion is measured alone; the upload wakes the batch worker as it does in `daikou start`.
 * In `bare` mode it runs no hub, only the bare Fastify of bare-server.ts. In `sandbox` mode it runs
 * only a sandbox (its control token from DAIKOU_SANDBOX_TOKEN), which hubs started with
 * DAIKOU_SANDBOX_URL share: several hub processes on one database (issue 15). In `api-first` mode
 * the submission workers start when the bench says so (`start-workers`): the API phase measured alone.
 */
import fs from 'node:fs';
import pg from 'pg';
import { databaseUrlFromEnv, groupCommitFromEnv, groupsInFlightFromEnv, operatorKeyFromEnv, serverLimitsFromEnv, workerSettingsFromEnv } from '../cli/options.js';
import { createLogger } from '../logger.js';
import { startHub, startStandaloneSandbox, type RunningHub } from '../main.js';
import { startBareServer } from './bare-server.js';
import { HUB_MODES, type HubChildMessage, type HubMode, type HubParentMessage } from './hub-process.js';

const [mode, dataDir] = process.argv.slice(2) as [HubMode | undefined, string | undefined];
if (mode === undefined || !HUB_MODES.includes(mode) || dataDir === undefined || process.send === undefined) {
  process.stderr.write('usage (from the bench, with an IPC channel): hub-child <batches|all|bare|sandbox> <data dir>\n');
  process.exit(2);
}

/** PostgreSQL round trips: every statement goes through a pg Client's `query` (the bench asks for the count). */
let queries = 0;
/** DAIKOU_BENCH_QUERY_TEXTS=<file>: also count them by SQL text, written to the file as the process stops (to see what runs). */
const textsFile = process.env.DAIKOU_BENCH_QUERY_TEXTS;
const texts = new Map<string, number>();
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  queries += 1;
  if (textsFile !== undefined) {
    const first = args[0];
    const text = typeof first === 'string' ? first : String((first as { text?: unknown } | null)?.text ?? '?');
    texts.set(text, (texts.get(text) ?? 0) + 1);
  }
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

const logger = createLogger({ level: process.env.DAIKOU_LOG_LEVEL ?? 'error' });
const sharedSandbox = process.env.DAIKOU_SANDBOX_URL;
const hub = mode === 'bare' ? await startBareServer() : mode === 'sandbox' ? await startStandaloneSandbox({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  controlToken: process.env.DAIKOU_SANDBOX_TOKEN ?? '',
  masterKey: process.env.DAIKOU_MASTER_KEY,
  logger,
}) : await startHub({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  databaseUrl: databaseUrlFromEnv(process.env),
  operatorKey: operatorKeyFromEnv(process.env),
  masterKey: process.env.DAIKOU_MASTER_KEY,
  sandbox: sharedSandbox ? { kind: 'external', url: sharedSandbox, controlToken: process.env.DAIKOU_SANDBOX_TOKEN ?? '' } : { kind: 'embedded', port: 0 },
  logger,
  workers: workerSettingsFromEnv(process.env),
  groupCommit: groupCommitFromEnv(process.env),
  groupsInFlight: groupsInFlightFromEnv(process.env),
  server: serverLimitsFromEnv(process.env),
  runWorkers: mode === 'all' ? true : { submission: false, batches: true },
});
const startWorkers = 'worker' in hub ? () => (hub as RunningHub).worker.start() : () => undefined;

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await hub.close();
  if (textsFile !== undefined) {
    const lines = [...texts].sort((a, b) => b[1] - a[1]).map(([text, n]) => `${n}\t${text.replace(/\s+/g, ' ').slice(0, 400)}`);
    fs.writeFileSync(`${textsFile}.${process.pid}`, `${lines.join('\n')}\n`);
  }
  process.exit(0);
}

process.on('message', (message: HubParentMessage) => {
  if (message.type === 'stop') void stop();
  else if (message.type === 'start-workers') startWorkers();
  else if (message.type === 'queries') process.send!({ type: 'queries', count: queries } satisfies HubChildMessage);
});
// The bench ended without asking (killed, crashed): do not linger.
process.on('disconnect', () => void stop());
process.send({ type: 'ready', url: hub.url } satisfies HubChildMessage);
