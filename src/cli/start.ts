import { Command } from 'commander';
import { startHub, type HubRole } from '../main.js';
import { calendarFromEnv } from './calendar-file.js';
import { isScenario, SCENARIOS, type ScenarioName } from '../app/scenarios.js';
import { UsageError, batchSettingsFromEnv, databaseUrlFromEnv, operatorKeyFromEnv, parsePort, redactUrl, serverLimitsFromEnv, webhookAllowPrivateFromEnv, groupCommitFromEnv, groupsInFlightFromEnv, workerSettingsFromEnv } from './options.js';

export function startCommand(): Command {
  return new Command('start')
    .description('Run daikou: the HTTP API, the background workers and, unless DAIKOU_SANDBOX_URL is set, the sandbox clearing network.')
    .option('-p, --port <port>', 'API port (env DAIKOU_PORT)', parsePort, Number(process.env.DAIKOU_PORT ?? 8080))
    .option('--host <host>', 'address to listen on (env DAIKOU_HOST)', process.env.DAIKOU_HOST ?? '127.0.0.1')
    .option('-d, --data <dir>', 'data directory: embedded database, key file, sandbox state (env DAIKOU_DATA)', process.env.DAIKOU_DATA ?? './daikou-data')
    .option('--sandbox-port <port>', 'port of the embedded sandbox (env DAIKOU_SANDBOX_PORT; default: API port + 1)', parsePort)
    .option('--scenario <name>', `load a shipped scenario's channels and rules (${SCENARIOS.join(', ')})`)
    .option('--api-only', 'serve the API and run no worker: one of several processes on one PostgreSQL database')
    .option('--workers-only', 'run the workers and serve only /healthz and /metrics: one of several processes on one PostgreSQL database')
    .addHelpText(
      'after',
      `
Environment:
  DAIKOU_DATABASE_URL   postgres://… to use PostgreSQL instead of the embedded SQLite database
  DAIKOU_OPERATOR_KEY   an operator API key (≥ 32 characters); otherwise the first start creates one and prints it
                        (lost it? daikou operator-key rotate --data DIR prints a new one)
  DAIKOU_MASTER_KEY     key for personal data at rest (64 hex chars); otherwise <data>/master.key is created (mode 0600)
  DAIKOU_WORKER_LEASE_MS  how long a worker holds claimed work before another process may take it over (default 15000)
  DAIKOU_WORKER_BATCH_SIZE  debits a worker claims, or attempts it queries, per round (default 64, at most 1000)
  DAIKOU_BATCH_BYTES_HELD_MAX  bytes of uploaded files a merchant's unfinished batches may hold (default 2147483648)
  DAIKOU_REQUEST_TIMEOUT_MS  time a client has to send a whole request, body included (default 60000)
  DAIKOU_MAX_CONNECTIONS  open API connections at once; more are dropped (default 1000)
  DAIKOU_GROUP_COMMIT   1: concurrent API writes share a transaction; 0: each commits alone (default 1)
  DAIKOU_GROUPS_IN_FLIGHT  PostgreSQL: groups of API writes committing at once (default 1; SQLite: always 1)
  DAIKOU_CALENDAR_FILE  the business calendar's table, in the shape of data/calendar/cn-holidays.json, to add a year
                        published since this release (default: the shipped table)
  DAIKOU_SANDBOX_URL    use a sandbox started with 'daikou sandbox' (with DAIKOU_SANDBOX_TOKEN) instead of an embedded one

Several processes on one PostgreSQL database: give each the same DAIKOU_DATABASE_URL, DAIKOU_MASTER_KEY
and DAIKOU_SANDBOX_URL, and start any number with --api-only and with --workers-only (or plain). Workers
share the work through leases; no instruction is sent twice.

Example:
  daikou start --port 8080 --data ./daikou-data`,
    )
    .action(async (opts: { port: number; host: string; data: string; sandboxPort?: number; scenario?: string; apiOnly?: boolean; workersOnly?: boolean }) => {
      if (opts.scenario !== undefined && !isScenario(opts.scenario)) {
        throw new UsageError(`unknown scenario "${opts.scenario}"; shipped scenarios: ${SCENARIOS.join(', ')}.`);
      }
      const scenario = opts.scenario as ScenarioName | undefined;
      const databaseUrl = databaseUrlFromEnv(process.env);
      const operatorKey = operatorKeyFromEnv(process.env);
      const externalSandbox = process.env.DAIKOU_SANDBOX_URL;
      const role = hubRole(opts, databaseUrl, externalSandbox);
      const calendar = calendarFromEnv(process.env);
      const hub = await startHub({
        dataDir: opts.data,
        host: opts.host,
        port: opts.port,
        databaseUrl,
        operatorKey,
        masterKey: process.env.DAIKOU_MASTER_KEY,
        sandbox: externalSandbox
          ? { kind: 'external', url: externalSandbox, controlToken: process.env.DAIKOU_SANDBOX_TOKEN ?? '' }
          : { kind: 'embedded', port: opts.sandboxPort ?? (opts.port === 0 ? 0 : opts.port + 1) },
        workers: workerSettingsFromEnv(process.env),
        batches: batchSettingsFromEnv(process.env),
        server: serverLimitsFromEnv(process.env),
        webhookAllowPrivate: webhookAllowPrivateFromEnv(process.env),
        groupCommit: groupCommitFromEnv(process.env),
        groupsInFlight: groupsInFlightFromEnv(process.env),
        ...(calendar === undefined ? {} : { calendar }),
        role,
        ...(scenario === undefined ? {} : { scenario }),
      });
      const key = hub.firstOperatorKey ?? (operatorKey ? '(DAIKOU_OPERATOR_KEY)' : `(printed on first start; lost it? daikou operator-key rotate --data ${opts.data} prints a new one)`);
      const lines = [
        '',
        `daikou is running at ${hub.url}${role === 'all' ? '' : ` (${role === 'api' ? 'API only, no workers' : 'workers only: /healthz and /metrics'})`}`,
        `  database   ${databaseUrl ? redactUrl(databaseUrl) : `SQLite in ${opts.data}`}`,
        ...(scenario ? [`  scenario   ${scenario}`] : []),
        `  sandbox    ${hub.sandboxUrl}`,
        ...(role === 'workers'
          ? ['']
          : [
              `  console    ${hub.url}/  (log in with the operator key)`,
              `  API docs   ${hub.url}/docs`,
              '',
              hub.firstOperatorKey ? `Operator key (shown once, keep it): ${hub.firstOperatorKey}` : `Operator key: ${key}`,
              '',
              'Try:',
              `  curl -s ${hub.url}/v1/merchants -H "Authorization: Bearer ${hub.firstOperatorKey ?? '$DAIKOU_OPERATOR_KEY'}"`,
              '  The README walks through a merchant, a mandate and a first debit.',
              '',
            ]),
      ];
      process.stdout.write(lines.join('\n'));
      const stop = async () => {
        await hub.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}

/**
 * A process with one role only is one of several sharing a database and a channel network: that
 * takes PostgreSQL (the embedded SQLite file belongs to one process) and a sandbox they all reach.
 */
function hubRole(opts: { apiOnly?: boolean; workersOnly?: boolean }, databaseUrl: string | null, externalSandbox: string | undefined): HubRole {
  if (opts.apiOnly === true && opts.workersOnly === true) throw new UsageError('--api-only and --workers-only exclude each other; without either, one process does both.');
  const role: HubRole = opts.apiOnly === true ? 'api' : opts.workersOnly === true ? 'workers' : 'all';
  if (role === 'all') return role;
  const flag = role === 'api' ? '--api-only' : '--workers-only';
  if (databaseUrl === null) throw new UsageError(`${flag} runs daikou as one of several processes on one PostgreSQL database: set DAIKOU_DATABASE_URL (the embedded SQLite database serves one process).`);
  if (externalSandbox === undefined || externalSandbox === '') throw new UsageError(`${flag} needs the sandbox every process reaches: start 'daikou sandbox' and set DAIKOU_SANDBOX_URL and DAIKOU_SANDBOX_TOKEN.`);
  return role;
}
