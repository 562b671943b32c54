import { Writable } from 'node:stream';
import { SettableClock } from '../../src/core/index.js';
import { createLogger } from '../../src/logger.js';
import { startHub, type HubOptions, type RunningHub } from '../../src/main.js';
import type { BatchSettings, WorkerSettings } from '../../src/app/context.js';
import { freshDatabase, type TestDatabase } from './engines.js';
import type { Engine } from '../../src/storage/database.js';
import type { ScenarioName } from '../../src/app/scenarios.js';

/** Every log line the hub wrote, so that tests can scan them for personal data. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0));
    callback();
  }
}

export const FAST_WORKERS: Partial<WorkerSettings> = { idleMs: 10, idleMsMax: 10, queryIntervalMs: 20, leaseMs: 3_000, backoffMsMax: 200 };

export interface TestHub {
  hub: RunningHub;
  database: TestDatabase;
  operatorKey: string;
  logs: LogCapture;
  clock: SettableClock;
  /** Every response body the tests received, for the personal-data scan. */
  bodies: string[];
  call(method: string, path: string, options?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestHub(
  engine: Engine,
  options: {
    workers?: Partial<WorkerSettings>;
    batches?: Partial<BatchSettings>;
    runWorkers?: boolean;
    scenario?: ScenarioName;
    consoleDir?: string;
    webhookAllowPrivate?: boolean;
    webhookDispatch?: HubOptions['webhookDispatch'];
    server?: HubOptions['server'];
    calendar?: HubOptions['calendar'];
  } = {},
): Promise<TestHub> {
  const database = await freshDatabase(engine);
  const logs = new LogCapture();
  const clock = new SettableClock();
  const operatorKey = 'test-operator-key-0123456789abcdefghij';
  const hub = await startHub({
    dataDir: database.dataDir,
    host: '127.0.0.1',
    port: 0,
    databaseUrl: database.databaseUrl,
    operatorKey,
    masterKey: undefined,
    sandbox: { kind: 'embedded', port: 0 },
    logger: createLogger({ level: 'info', destination: logs }),
    clock,
    workers: { ...FAST_WORKERS, ...options.workers },
    runWorkers: options.runWorkers ?? true,
    ...(options.batches ? { batches: options.batches } : {}),
    ...(options.scenario ? { scenario: options.scenario } : {}),
    ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
    ...(options.webhookAllowPrivate === undefined ? {} : { webhookAllowPrivate: options.webhookAllowPrivate }),
    ...(options.webhookDispatch === undefined ? {} : { webhookDispatch: options.webhookDispatch }),
    ...(options.server === undefined ? {} : { server: options.server }),
    ...(options.calendar === undefined ? {} : { calendar: options.calendar }),
  });
  const bodies: string[] = [];
  return {
    hub,
    database,
    operatorKey,
    logs,
    clock,
    bodies,
    async call(method, path, { key = operatorKey, body, headers = {} } = {}) {
      const response = await fetch(`${hub.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      bodies.push(text);
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (metrics, docs): keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await hub.close();
      await database.drop();
    },
  };
}

/** Polls until `check` returns a value, or fails after `timeoutMs` (a wait, not a timing assertion). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A valid bank card number for a BIN: the Luhn digit is computed. */
export function cardNumber(bin: string, serial: number, length = 19): string {
  const body = `${bin}${String(serial).padStart(length - bin.length - 1, '0')}`;
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

export const MERCHANT_BODY = {
  name: '深圳市水务集团',
  category: 'utility',
  settlement_account: { account_number: '4403010012345678901', bank_code: 'ICBC', region_code: '440300', holder_name: '深圳市水务集团有限公司' },
};

export async function createMerchant(t: TestHub, body: Record<string, unknown> = MERCHANT_BODY): Promise<{ id: string; key: string }> {
  const response = await t.call('POST', '/v1/merchants', { body });
  if (response.status !== 201) throw new Error(`merchant: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.id, key: response.body.api_key };
}

export async function createMandate(t: TestHub, merchantKey: string, account: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await t.call('POST', '/v1/mandates', {
    key: merchantKey,
    body: {
      payer: { account_number: account, account_kind: 'personal', medium: 'bank_card', holder_name: '张三' },
      agreement_number: `AGR-${account.slice(-8)}-${Math.random().toString(36).slice(2, 8)}`,
      signed_at: '2026-01-01',
      ...extra,
    },
  });
  if (response.status !== 201) throw new Error(`mandate: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id;
}
