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

/** Worker tuning from the environment; only what an operator may need to change. */
/** `DAIKOU_BATCH_BYTES_HELD_MAX`: bytes a merchant's unfinished batch files may hold together. */
export function batchSettingsFromEnv(env: NodeJS.ProcessEnv): { bytesHeldMax?: number } {
  const text = env.DAIKOU_BATCH_BYTES_HELD_MAX;
  if (text === undefined || text === '') return {};
  const bytesHeldMax = Number(text);
  if (!Number.isSafeInteger(bytesHeldMax) || bytesHeldMax < 1) throw new UsageError('DAIKOU_BATCH_BYTES_HELD_MAX must be a whole number of bytes, at least 1.');
  return { bytesHeldMax };
}

/** The API server's limits on slow and numerous clients (src/http/server.ts has the defaults). */
export function serverLimitsFromEnv(env: NodeJS.ProcessEnv): { requestTimeoutMs?: number; maxConnections?: number } {
  const limits: { requestTimeoutMs?: number; maxConnections?: number } = {};
  const timeout = env.DAIKOU_REQUEST_TIMEOUT_MS;
  if (timeout !== undefined && timeout !== '') {
    const requestTimeoutMs = Number(timeout);
    if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 1_000) throw new UsageError('DAIKOU_REQUEST_TIMEOUT_MS must be a whole number of milliseconds, at least 1000.');
    limits.requestTimeoutMs = requestTimeoutMs;
  }
  const connections = env.DAIKOU_MAX_CONNECTIONS;
  if (connections !== undefined && connections !== '') {
    const maxConnections = Number(connections);
    if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) throw new UsageError('DAIKOU_MAX_CONNECTIONS must be a whole number, at least 1.');
    limits.maxConnections = maxConnections;
  }
  return limits;
}

export function workerSettingsFromEnv(env: NodeJS.ProcessEnv): { leaseMs?: number; batchSize?: number } {
  const settings: { leaseMs?: number; batchSize?: number } = {};
  const lease = env.DAIKOU_WORKER_LEASE_MS;
  if (lease !== undefined && lease !== '') {
    const leaseMs = Number(lease);
    if (!Number.isSafeInteger(leaseMs) || leaseMs < 500) throw new UsageError('DAIKOU_WORKER_LEASE_MS must be a whole number of milliseconds, at least 500.');
    settings.leaseMs = leaseMs;
  }
  const batch = env.DAIKOU_WORKER_BATCH_SIZE;
  if (batch !== undefined && batch !== '') {
    const batchSize = Number(batch);
    // A round's debits for a channel go out as one message, which docs/sandbox-protocol.md caps at 1,000.
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > WORKER_BATCH_SIZE_MAX) {
      throw new UsageError(`DAIKOU_WORKER_BATCH_SIZE must be a whole number from 1 to ${WORKER_BATCH_SIZE_MAX}.`);
    }
    settings.batchSize = batchSize;
  }
  return settings;
}
