import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettableClock } from '../../src/core/kernel/index.js';
import {
  type RunningSandbox,
  SANDBOX_DB_FILE,
  SandboxControlClient,
  type SandboxOptions,
  startSandbox,
} from '../../src/channels/sandbox/index.js';

export const CONTROL_TOKEN = 'test-control-token-0123456789abcdef';
export const SECRET = 'test-secret-for-account-hmacs';

/** Card-like numbers, no Luhn needed: the sandbox is the bank, not the hub's validator. */
export const ACCOUNT = '6222021234567890123';
export const OTHER_ACCOUNT = '6217009876543210987';
export const ID_NUMBER = '11010519491231002X';

export interface TestSandbox {
  sandbox: RunningSandbox;
  control: SandboxControlClient;
  dataDir: string;
  url: string;
  restart(overrides?: Partial<SandboxOptions>): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startTestSandbox(overrides: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const dataDir = await mkdtemp(join(tmpdir(), 'daikou-sandbox-'));
  const start = (more: Partial<SandboxOptions>) =>
    startSandbox({
      dataDir,
      port: 0,
      host: '127.0.0.1',
      clock: new SettableClock(),
      controlToken: CONTROL_TOKEN,
      secret: SECRET,
      ...overrides,
      ...more,
    });
  const harness: TestSandbox = {
    sandbox: await start({}),
    control: undefined as unknown as SandboxControlClient,
    dataDir,
    url: '',
    async restart(more = {}) {
      await harness.sandbox.close();
      harness.sandbox = await start(more);
      bind();
    },
    async cleanup() {
      await harness.sandbox.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  function bind(): void {
    harness.url = harness.sandbox.url;
    harness.control = new SandboxControlClient({ url: harness.sandbox.url, controlToken: CONTROL_TOKEN });
  }
  bind();
  return harness;
}

let sequence = 0;
export function endToEndId(): string {
  sequence += 1;
  return `dbt_test${String(sequence).padStart(8, '0')}`;
}

export function debitBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    end_to_end_id: endToEndId(),
    amount: 1234,
    account_number: ACCOUNT,
    account_kind: 'personal',
    medium: 'bank_card',
    bank_code: 'ICBC',
    holder_name: '张三',
    id_number: ID_NUMBER,
    phone: '13800138000',
    mandate_reference: 'AGR-1',
    ...overrides,
  };
}

export interface Answer {
  status: number;
  body: any;  
  text: string;
  contentType: string | null;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
    text,
    contentType: response.headers.get('content-type'),
  };
}

export async function submit(url: string, channel: string, body: unknown, signal?: AbortSignal): Promise<Answer> {
  const response = await fetch(`${url}/channels/${channel}/debits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
  return answer(response);
}

export async function query(url: string, channel: string, id: string, signal?: AbortSignal): Promise<Answer> {
  const response = await fetch(`${url}/channels/${channel}/debits/${encodeURIComponent(id)}`, {
    ...(signal === undefined ? {} : { signal }),
  });
  return answer(response);
}

export async function request(url: string, method: string, path: string, options: { body?: unknown; token?: string | null } = {}): Promise<Answer> {
  const token = options.token === undefined ? CONTROL_TOKEN : options.token;
  const response = await fetch(url + path, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  return answer(response);
}

/** Every byte SQLite holds for the sandbox: the database file and, while open, its WAL. */
export async function databaseBytes(dataDir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const path = join(dataDir, SANDBOX_DB_FILE + suffix);
    if (existsSync(path)) parts.push(await readFile(path));
  }
  return Buffer.concat(parts);
}
