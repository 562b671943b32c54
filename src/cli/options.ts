import { InvalidArgumentError } from 'commander';

/** Argument parsers for commander: each refuses bad input with a message that names the fix. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  return port;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number (0 or more).');
  return n;
}

/** Refusals of the environment, reported by the CLI edge as one line and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function operatorKeyFromEnv(env: NodeJS.ProcessEnv): string | null {
  const key = env.DAIKOU_OPERATOR_KEY;
  if (key === undefined || key === '') return null;
  if (key.length < 32) throw new UsageError('DAIKOU_OPERATOR_KEY must be at least 32 characters; unset it to have daikou create one.');
  return key;
}

export function databaseUrlFromEnv(env: NodeJS.ProcessEnv): string | null {
  const url = env.DAIKOU_DATABASE_URL;
  if (url === undefined || url === '') return null;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError('DAIKOU_DATABASE_URL must be a postgres:// URL.');
  return url;
}

/** Hides the password of a database URL before it is printed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** DAIKOU_WORKER_BATCH_SIZE's upper bound. */
export const WORKER_BATCH_SIZE_MAX = 1_000;

/**
 * A whole-number setting from the environment: undefined when unset or empty, a UsageError naming
 * the variable and its range when it is not a safe integer within it.
 */
function wholeNumberFromEnv(env: NodeJS.ProcessEnv, name: string, min: number, options: { unit?: string; max?: number } = {}): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || (options.max !== undefined && value > options.max)) {
    const unit = options.unit === undefined ? '' : ` of ${options.unit}`;
    throw new UsageError(options.max === undefined ? `${name} must be a whole number${unit}, at least ${min}.` : `${name} must be a whole number${unit} from ${min} to ${options.max}.`);
  }
  return value;
}

/** Only the settings that were given, so that defaults fill the rest when spread. */
function given<T extends Record<string, number | undefined>>(settings: T): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: number };
}

/** `DAIKOU_BATCH_BYTES_HELD_MAX`: bytes a merchant's unfinished batch files may hold together. */
export function batchSettingsFromEnv(env: NodeJS.ProcessEnv): { bytesHeldMax?: number } {
  return given({ bytesHeldMax: wholeNumberFromEnv(env, 'DAIKOU_BATCH_BYTES_HELD_MAX', 1, { unit: 'bytes' }) });
}

/** The API server's limits on slow and numerous clients (src/http/server.ts has the defaults). */
export function serverLimitsFromEnv(env: NodeJS.ProcessEnv): { requestTimeoutMs?: number; maxConnections?: number } {
  return given({
    requestTimeoutMs: wholeNumberFromEnv(env, 'DAIKOU_REQUEST_TIMEOUT_MS', 1_000, { unit: 'milliseconds' }),
    maxConnections: wholeNumberFromEnv(env, 'DAIKOU_MAX_CONNECTIONS', 1),
  });
}

/** Worker tuning from the environment; only what an operator may need to change. */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv): { leaseMs?: number; batchSize?: number } {
  return given({
    leaseMs: wholeNumberFromEnv(env, 'DAIKOU_WORKER_LEASE_MS', 500, { unit: 'milliseconds' }),
    // A round's debits for a channel go out as one message, which docs/sandbox-protocol.md caps at 1,000.
    batchSize: wholeNumberFromEnv(env, 'DAIKOU_WORKER_BATCH_SIZE', 1, { max: WORKER_BATCH_SIZE_MAX }),
  });
}

/**
 * `DAIKOU_WEBHOOK_ALLOW_PRIVATE=1`: webhooks may go to loopback, private and link-local addresses
 * (local development and tests, SPEC §16). Anything but unset, `0` or `1` is refused, so that a
 * typo does not silently leave the protection on or off.
 */
export function webhookAllowPrivateFromEnv(env: NodeJS.ProcessEnv): boolean {
  const value = env.DAIKOU_WEBHOOK_ALLOW_PRIVATE;
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  throw new UsageError(`DAIKOU_WEBHOOK_ALLOW_PRIVATE must be 1 or 0, not ${JSON.stringify(value.slice(0, 20))}.`);
}

/** `DAIKOU_GROUPS_IN_FLIGHT`: groups of API writes committing at once on PostgreSQL (SQLite: always 1). Unset: main.ts's default. */
export function groupsInFlightFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  return wholeNumberFromEnv(env, 'DAIKOU_GROUPS_IN_FLIGHT', 1, { max: 16 });
}

/**
 * `DAIKOU_GROUP_COMMIT`: `1`, concurrent API writes share a transaction (DESIGN-NOTES §11); `0`,
 * each has its own. Unset: on, on both engines (main.ts).
 */
export function groupCommitFromEnv(env: NodeJS.ProcessEnv): boolean | undefined {
  const value = env.DAIKOU_GROUP_COMMIT;
  if (value === undefined || value === '') return undefined;
  if (value === '1') return true;
  if (value === '0') return false;
  throw new UsageError(`DAIKOU_GROUP_COMMIT must be 1 or 0, not ${JSON.stringify(value.slice(0, 20))}.`);
}
