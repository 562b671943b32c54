/**
 * Webhook delivery throughput (issue 13): a hub of its own (SQLite in a temporary directory, or
 * a fresh PostgreSQL database) fans N events out to one endpoint on a local receiver and delivers
 * them. Prints events/s (first event written → last delivery recorded), the delay from an event's
 * commit to its delivery being recorded (p50, p99, max), the process's CPU time and the load
 * average. By default the events are written up front in chunks of 1,000, as a backlog, so the
 * delay includes the wait in that backlog; with --rate they come as a steady stream of that many
 * events/s, and the delay is the dispatcher's latency at that load. Measures, asserts nothing.
 *
 *   npx tsx bench/webhooks.ts --events 100000 [--concurrency 32] [--engine sqlite|postgres] [--rate 500]
 *   (postgres: DAIKOU_DATABASE_URL, a role that may create databases; a database is made and dropped)
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WebhookDispatcher } from '../src/app/webhook-dispatcher.js';
import type { EventRow } from '../src/app/ports.js';
import { createLogger } from '../src/logger.js';
import { startHub } from '../src/main.js';
import { createPostgresDatabase } from '../src/bench/bench-database.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' }, concurrency: { type: 'string', default: '32' }, engine: { type: 'string', default: 'sqlite' }, rate: { type: 'string' } } });
if (values.engine !== 'sqlite' && values.engine !== 'postgres') throw new Error('--engine is sqlite or postgres');
if (values.engine === 'postgres' && !process.env.DAIKOU_DATABASE_URL) throw new Error('--engine postgres needs DAIKOU_DATABASE_URL (a role that may create databases)');
const postgres = values.engine === 'postgres' ? await createPostgresDatabase(process.env.DAIKOU_DATABASE_URL!) : null;
const total = Number(values.events);
const concurrency = Number(values.concurrency);
const rate = values.rate === undefined ? null : Number(values.rate);

let received = 0;
const receiver = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received += 1;
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-bench-webhooks-'));
const hub = await startHub({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  databaseUrl: postgres?.url ?? null,
  operatorKey: 'bench-operator-key-0123456789abcdefghij',
  masterKey: undefined,
  sandbox: { kind: 'embedded', port: 0 },
  logger: createLogger({ level: 'warn' }),
  runWorkers: false,
  webhookAllowPrivate: true,
});
const call = async (method: string, route: string, key: string, body: unknown) => {
  const response = await fetch(`${hub.url}${route}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as { id: string; api_key: string };
};
const merchant = await call('POST', '/v1/merchants', 'bench-operator-key-0123456789abcdefghij', { name: '深圳市水务集团', category: 'utility', settlement_account: { account_number: '4403010012345678901', bank_code: 'ICBC', region_code: '440300', holder_name: '深圳市水务集团有限公司' } });
await call('POST', '/v1/webhook-endpoints', merchant.api_key, { url, event_types: ['*'] });

const delaysMs: number[] = [];
const dispatcher = new WebhookDispatcher(hub.ctx, {
  random: Math.random,
  perEndpointMax: concurrency,
  roundMax: Math.max(256, concurrency),
  idleMs: 20,
  onDelivered: (_delivery, event) => delaysMs.push(Date.now() - Date.parse(event.created_at)),
});

const started = performance.now();
const cpuBefore = process.cpuUsage();
dispatcher.start();
// Woken by the outbox's commit hook, as in the hub.
hub.ctx.store.onEventsCommitted(() => dispatcher.wake());
// A backlog written as fast as it goes (chunks of 1,000), or a steady stream of --rate events/s (a chunk every 100 ms).
const chunk = rate === null ? 1_000 : Math.max(1, Math.round(rate / 10));
for (let written = 0; written < total; written += chunk) {
  if (rate !== null) {
    const dueMs = (written / rate) * 1000 - (performance.now() - started);
    if (dueMs > 0) await new Promise((resolve) => setTimeout(resolve, dueMs));
  }
  const rows: EventRow[] = [];
  for (let i = written; i < Math.min(total, written + chunk); i += 1) {
    const objectId = `dbt_bench${String(i).padStart(10, '0')}`;
    rows.push({ id: hub.ctx.ids.next('event'), type: 'debit.succeeded', merchant_id: merchant.id, object_type: 'debit', object_id: objectId, created_at: hub.ctx.clock.now().toISOString(), api_version: '2026-12-01', data: JSON.stringify({ object: { id: objectId, amount: 1_000 } }), fanned_out_at: null });
  }
  await hub.ctx.store.insertEvents(rows);
}
while (delaysMs.length < total) await new Promise((resolve) => setTimeout(resolve, 50));
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
await dispatcher.stop();
delaysMs.sort((a, b) => a - b);
const at = (q: number) => delaysMs[Math.min(delaysMs.length - 1, Math.floor(q * delaysMs.length))]!;
console.log(`${hub.ctx.store.engine}: ${total} events delivered in ${seconds.toFixed(1)} s: ${Math.round(total / seconds)} events/s; commit → delivery recorded p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${delaysMs.at(-1)} ms; receiver got ${received} requests; concurrency ${concurrency}${rate === null ? '' : `; written at ${rate} events/s`}; CPU ${cpuSeconds.toFixed(1)} s (hub and receiver, one process); load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await hub.close();
receiver.close();
fs.rmSync(dataDir, { recursive: true, force: true });
await postgres?.drop();
