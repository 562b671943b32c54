/**
 * Single-debit API throughput: N debits through `POST /v1/debits` with C concurrent clients,
 * against `daikou start` in its own process, on the embedded SQLite database (or PostgreSQL with
 * --engine postgres and DAIKOU_DATABASE_URL), with the sandbox clearing network behind it.
 *
 * It reports the accept rate (request → stored, routed, answered), the completion rate
 * (→ every debit succeeded and posted to the ledger), latency percentiles, and, as the storage
 * ceiling measured in the same run, raw prepared single-row transactions of a debit-sized row
 * with the same durability settings. The last line is one JSON object.
 *
 *   npm run bench -- --debits 5000 --clients 32
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { parseArgs } from 'node:util';
import { luhnCheckDigit } from '../src/core/payers/index.js';
import { spawn } from 'node:child_process';

const { values } = parseArgs({
  options: {
    debits: { type: 'string', default: '5000' },
    clients: { type: 'string', default: '32' },
    engine: { type: 'string', default: 'sqlite' },
  },
});
const debitCount = Number(values.debits);
const clients = Number(values.clients);
const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';
if (engine === 'postgres' && !process.env.DAIKOU_DATABASE_URL) throw new Error('--engine postgres needs DAIKOU_DATABASE_URL');

/** A valid ICBC card number (BIN 622202) for a serial number. */
function luhnCard(serial: number): string {
  const payload = `622202${String(serial).padStart(12, '0')}`;
  return `${payload}${luhnCheckDigit(payload)}`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** The storage ceiling: one debit-sized row per transaction, prepared, same pragmas as the hub. */
function sqliteCeiling(rows: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-ceiling-'));
  const db = new SQLite(path.join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE debits (id TEXT PRIMARY KEY, merchant_id TEXT, mandate_id TEXT, reference TEXT, amount INTEGER,
    currency TEXT, status TEXT, business_date TEXT, channel_id TEXT, routing TEXT, next_action_at TEXT, created_at TEXT, updated_at TEXT)`);
  db.exec('CREATE UNIQUE INDEX r ON debits (merchant_id, reference)');
  const insert = db.prepare('INSERT INTO debits VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)');
  const one = db.transaction((i: number) => {
    const at = new Date().toISOString();
    insert.run(`dbt_${i}`, 'mer_1', 'mdt_1', `REF-${i}`, 1000 + i, 'CNY', 'pending', '2026-11-25', 'sandbox-clearing', '{"channel":"sandbox-clearing"}', at, at, at);
  });
  const started = performance.now();
  for (let i = 0; i < rows; i += 1) one(i);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return rows / seconds;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-bench-'));
const operatorKey = 'bench-operator-key-0123456789abcdefghijkl';
// The hub (with its embedded sandbox) runs in its own process, as `daikou start` does, so that
// the load generator does not share its event loop.
const child = spawn(process.execPath, [...(process.env.BENCH_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', 'src/cli/main.ts', 'start', '--port', '0', '--data', dataDir], {
  env: { ...process.env, DAIKOU_OPERATOR_KEY: operatorKey, DAIKOU_LOG_LEVEL: 'error', ...(engine === 'postgres' ? {} : { DAIKOU_DATABASE_URL: '' }) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const hubUrl = await new Promise<string>((resolve, reject) => {
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /daikou is running at (http:\/\/\S+)/.exec(output);
    if (match) resolve(match[1]!);
  });
  child.on('exit', (code) => reject(new Error(`hub exited with ${code}: ${output}`)));
});
const hub = { url: hubUrl };

async function call(method: string, url: string, key: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${hub.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const merchant = await call('POST', '/v1/merchants', operatorKey, {
  name: 'Bench Water Co',
  category: 'utility',
  settlement_account: { account_number: '440301000111222333', bank_code: 'ICBC', region_code: '440300', holder_name: 'Bench Water Co' },
});
const merchantKey: string = merchant.body.api_key;
const mandateCount = Math.min(1000, debitCount);
const mandates: string[] = [];
for (let i = 0; i < mandateCount; i += 1) {
  const response = await call('POST', '/v1/mandates', merchantKey, {
    payer: { account_number: luhnCard(i), account_kind: 'personal', medium: 'bank_card' },
    agreement_number: `AGR-${i}`,
    signed_at: '2026-01-01',
  });
  mandates.push(response.body.id);
}

const latenciesMs: number[] = [];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (next < debitCount) {
      const i = next;
      next += 1;
      const t0 = performance.now();
      const response = await call('POST', '/v1/debits', merchantKey, { mandate_id: mandates[i % mandateCount], amount: 100 + (i % 1000), currency: 'CNY', reference: `B-${i}` }, { 'idempotency-key': `bench-${i}` });
      latenciesMs.push(performance.now() - t0);
      if (response.status !== 201) throw new Error(`debit ${i}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  }),
);
const acceptSeconds = (performance.now() - started) / 1000;
for (;;) {
  const pending = await call('GET', '/v1/debits?status=pending&limit=1', merchantKey);
  const submitted = await call('GET', '/v1/debits?status=submitted&limit=1', merchantKey);
  if (pending.body.data.length === 0 && submitted.body.data.length === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const completeSeconds = (performance.now() - started) / 1000;
const trial = await call('GET', '/v1/ledger/trial-balance', operatorKey);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
fs.rmSync(dataDir, { recursive: true, force: true });

const ceilingRowsPerS = engine === 'sqlite' ? sqliteCeiling(Math.min(debitCount, 20_000)) : null;
latenciesMs.sort((a, b) => a - b);
const result = {
  engine,
  debits: debitCount,
  clients,
  accept_debits_per_s: Math.round(debitCount / acceptSeconds),
  complete_debits_per_s: Math.round(debitCount / completeSeconds),
  p50_ms: Number(percentile(latenciesMs, 50).toFixed(2)),
  p99_ms: Number(percentile(latenciesMs, 99).toFixed(2)),
  ceiling_single_row_tx_per_s: ceilingRowsPerS === null ? null : Math.round(ceilingRowsPerS),
  trial_balance_total: trial.body.total,
};
console.log(`accepted ${debitCount} debits in ${acceptSeconds.toFixed(2)} s with ${clients} clients; all final after ${completeSeconds.toFixed(2)} s`);
console.log(`latency p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms; trial balance total ${result.trial_balance_total}`);
if (ceilingRowsPerS !== null) console.log(`storage ceiling: ${result.ceiling_single_row_tx_per_s} single-row durable transactions/s on this disk`);
console.log(JSON.stringify(result));
