import { spawn, type ChildProcess } from 'node:child_process';
import { cardNumber } from './hub.js';
import crypto from 'node:crypto';

/*
 * daikou processes for the crash tests: the CLI run as a child (the sandbox, hubs), each found
 * ready by the line it prints, and the API called as a client would.
 */
export const OPERATOR_KEY = 'crash-test-operator-key-0123456789abcdef';
export const SANDBOX_TOKEN = 'crash-test-sandbox-token';
/** One master key for every process of a test file: they share the personal data sealed at rest. */
export const MASTER_KEY = crypto.randomBytes(32).toString('hex');
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

export interface Proc {
  child: ChildProcess;
  url: string;
}

/** Starts `daikou ARGS`; resolves with the URL the first match of `pattern` captures in its output. */
export function launch(args: string[], env: Record<string, string>, pattern: RegExp): Promise<Proc> {
  const child = spawn(process.execPath, [...CLI, ...args], {
    env: { ...process.env, DAIKOU_LOG_LEVEL: 'warn', DAIKOU_MASTER_KEY: MASTER_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

export async function call(url: string, method: string, path: string, body?: unknown, key = OPERATOR_KEY, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as any };
}

/**
 * A water company with a mandate on each of `count` ICBC cards (numbers from `firstCard`); every
 * fifth card's sandbox account holds only 15.00 yuan, so that some debits fail.
 */
export async function seedMerchantWithMandates(url: string, firstCard: number, count: number): Promise<{ merchantKey: string; cards: string[]; mandates: string[] }> {
  const merchant = await call(url, 'POST', '/v1/merchants', {
    name: '自来水公司',
    category: 'utility',
    settlement_account: { account_number: '440301000111222333', bank_code: 'ICBC', region_code: '440300', holder_name: '自来水公司' },
  });
  const merchantKey: string = merchant.body.api_key;
  const cards = Array.from({ length: count }, (_, i) => cardNumber('622202', firstCard + i));
  const mandates: string[] = [];
  for (const [i, card] of cards.entries()) {
    if (i % 5 === 0) await call(url, 'PUT', `/v1/sandbox/accounts/${card}`, { balance: 1_500 });
    const mandate = await call(url, 'POST', '/v1/mandates', { payer: { account_number: card, account_kind: 'personal', medium: 'bank_card' }, agreement_number: `AGR-${i}`, signed_at: '2026-01-01' }, merchantKey);
    mandates.push(mandate.body.id);
  }
  return { merchantKey, cards, mandates };
}

/** What the sandbox's payer accounts received, by end-to-end id: the outcome of each receipt. */
export async function sandboxReceipts(url: string, cards: readonly string[]): Promise<Map<string, string[]>> {
  const received = new Map<string, string[]>();
  for (const card of cards) {
    const account = await call(url, 'GET', `/v1/sandbox/accounts/${card}`);
    for (const entry of account.body.received) received.set(entry.end_to_end_id, [...(received.get(entry.end_to_end_id) ?? []), entry.outcome]);
  }
  return received;
}
