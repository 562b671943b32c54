/**
 * Batch ingestion: an N-row CSV file → validated, routed, priced and persisted debits, on the
 * embedded SQLite database (or PostgreSQL with --engine postgres and DAIKOU_DATABASE_URL),
 * with the workers off so that only ingestion is timed. The storage ceiling in the same run is
 * the time to write exactly the rows ingestion wrote (debits, debit_events, batch_rows) into a
 * fresh database with the same schema, through raw prepared statements in large transactions.
 * The last line is one JSON object.
 *
 *   npx tsx bench/batch-ingest.ts --rows 100000 --mandates 10000
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatYuan, type Fen } from '../src/core/index.js';
import { luhnCheckDigit } from '../src/core/payers/index.js';
import SQLite from 'better-sqlite3';
import { createMandate } from '../src/app/mandates.js';
import { createMerchant } from '../src/app/merchants.js';
import { processBatch, receiveBatch } from '../src/app/batches.js';
import { createLogger } from '../src/logger.js';
import { startHub } from '../src/main.js';
import { migrateToLatest, openDatabase } from '../src/storage/database.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, mandates: { type: 'string', default: '10000' }, engine: { type: 'string', default: 'sqlite' } } });
const rows = Number(values.rows);
const mandateCount = Number(values.mandates);
const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';
if (engine === 'postgres' && !process.env.DAIKOU_DATABASE_URL) throw new Error('--engine postgres needs DAIKOU_DATABASE_URL (an empty database)');

/** A valid ICBC card number (BIN 622202) for a serial number. */
function card(serial: number): string {
  const payload = `622202${String(serial).padStart(12, '0')}`;
  return `${payload}${luhnCheckDigit(payload)}`;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-bench-batch-'));
const hub = await startHub({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  databaseUrl: engine === 'postgres' ? process.env.DAIKOU_DATABASE_URL! : null,
  operatorKey: 'bench-operator-key-0123456789abcdefghijkl',
  masterKey: undefined,
  sandbox: { kind: 'embedded', port: 0 },
  logger: createLogger({ level: 'error' }),
  runWorkers: false,
});
const ctx = hub.ctx;
const { merchant } = await createMerchant(ctx, {
  name: 'Bench Water Co',
  category: 'utility',
  settlement_account: { account_number: '440301000111222333', bank_code: 'ICBC', region_code: '440300', holder_name: 'Bench Water Co' },
});
const setupStarted = performance.now();
const mandates: string[] = [];
for (let i = 0; i < mandateCount; i += 1) {
  const row = await createMandate(ctx, merchant.id, { payer: { account_number: card(i), account_kind: 'personal', medium: 'bank_card' }, agreement_number: `AGR-${i}`, signed_at: '2026-01-01' });
  mandates.push(row.id);
}
const file = path.join(dataDir, 'batch.csv');
const out = fs.createWriteStream(file);
out.write('reference,mandate_id,amount_yuan,description\n');
for (let i = 1; i <= rows; i += 1) out.write(`W-${i},${mandates[i % mandateCount]},${formatYuan((100 + (i % 50_000)) as Fen)},water\n`);
await new Promise<void>((resolve) => out.end(resolve));
console.log(`setup: ${mandateCount} mandates and a ${rows}-row file in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

const ingestStarted = performance.now();
const { batch } = await receiveBatch(ctx, merchant.id, 'text/csv', fs.createReadStream(file));
let peakRss = process.memoryUsage().rss;
await processBatch(ctx, batch, () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
});
const ingestSeconds = (performance.now() - ingestStarted) / 1000;
const done = (await ctx.store.getBatch(batch.id))!;
console.log(`ingested ${done.rows} rows (${done.accepted} accepted, ${done.rejected} rejected) in ${ingestSeconds.toFixed(2)} s`);

// The ceiling: the same rows, written raw into a fresh database with the same schema.
let ceilingSeconds: number | null = null;
if (engine === 'sqlite') {
  const source = new SQLite(path.join(dataDir, 'daikou.sqlite'), { readonly: true });
  const ceilingFile = path.join(dataDir, 'ceiling.sqlite');
  const handle = openDatabase({ engine: 'sqlite', file: ceilingFile });
  await migrateToLatest(handle.db);
  await handle.close();
  const target = new SQLite(ceilingFile);
  target.pragma('journal_mode = WAL');
  target.pragma('synchronous = FULL');
  target.pragma('foreign_keys = OFF');
  const tables = ['debits', 'debit_events', 'batch_rows'] as const;
  const data = Object.fromEntries(tables.map((table) => [table, source.prepare(`SELECT * FROM ${table}`).raw().all() as unknown[][]]));
  source.close();
  const started = performance.now();
  for (const table of tables) {
    const rowsOf = data[table]!;
    if (rowsOf.length === 0) continue;
    const insert = target.prepare(`INSERT INTO ${table} VALUES (${rowsOf[0]!.map(() => '?').join(',')})`);
    const many = target.transaction((list: unknown[][]) => {
      for (const row of list) insert.run(row);
    });
    for (let start = 0; start < rowsOf.length; start += 50_000) many(rowsOf.slice(start, start + 50_000));
  }
  ceilingSeconds = (performance.now() - started) / 1000;
  target.close();
}
await hub.close();
fs.rmSync(dataDir, { recursive: true, force: true });
const result = {
  engine,
  debits: done.accepted,
  ingest_debits_per_s: Math.round(done.accepted / ingestSeconds),
  ingest_s: Number(ingestSeconds.toFixed(2)),
  ceiling_s: ceilingSeconds === null ? null : Number(ceilingSeconds.toFixed(2)),
  ratio: ceilingSeconds === null ? null : Number((ceilingSeconds / ingestSeconds).toFixed(3)),
  peak_rss_mib: Math.round(peakRss / 1024 / 1024),
};
if (ceilingSeconds !== null) console.log(`storage ceiling: the same rows raw in ${ceilingSeconds.toFixed(2)} s`);
console.log(JSON.stringify(result));
