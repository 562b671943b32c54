/**
 * Reconciliation (SPEC §15, issue 12): a statement of N lines against N instructions, on a fresh
 * database. N debits, each with a succeeded attempt on one channel, are generated in the database
 * itself (one INSERT … SELECT over a series: not measured). The statement (CSV) is written to a
 * file, with one line in 1,000 corrupted (its amount), one in 2,000 duplicated, one instruction in
 * 2,000 dropped and 100 lines daikou never sent. Then, measured:
 *
 * - raw insert: the same N lines (made as objects 5,000 at a time, untimed) written to the staging
 *   table with the store's bulk insert in the chunks and transactions the run uses — the floor of
 *   the load. They are made again rather than kept, so the peak RSS is the reconciliation's;
 * - reconcile: the use case itself, from the file on disk: streamed and parsed, loaded, matched
 *   and completed.
 *
 * It prints the time of each, their ratio, the CPU time of the reconciliation, the counts (checked against what was corrupted: it exits
 * non-zero when they do not add up) and the process's peak RSS. The last line is one JSON object.
 *
 *   npx tsx bench/reconcile.ts --lines 1000000 [--engine sqlite|postgres] [--profile FILE]
 *
 * postgres: DAIKOU_DATABASE_URL, a role that may create databases. `--profile FILE` writes a CPU
 * profile (.cpuprofile, for Chrome's DevTools) of the reconciliation alone.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pino from 'pino';
import { reconcile } from '../src/app/reconciliations.js';
import { OBJECT_PRESENTERS } from '../src/http/presenters.js';
import { FlowTable, SequentialIds, SettableClock, type BusinessDate, type StatementLine } from '../src/core/index.js';
import { migrateToLatest } from '../src/storage/database.js';
import { openStore } from '../src/storage/kysely-store.js';
import { createBenchDatabase } from './support/bench-database.js';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' }, engine: { type: 'string', default: 'sqlite' }, profile: { type: 'string' } } });
const n = Number(values.lines);
const engine = values.engine === 'postgres' ? 'postgres' : 'sqlite';
const DATE = '2024-09-30' as BusinessDate;
const CHANNEL = 'bench-channel';
const say = (line: string) => process.stdout.write(`${line}\n`);

const database = await createBenchDatabase(engine, process.env.DAIKOU_DATABASE_URL);
const { store, db } = openStore(database.config);
let statementDir: string | undefined;
try {
  await migrateToLatest(db);
  await store.insertMerchant({
    id: 'mer_bench', name: 'Bench', category: 'utility', settlement_account_ciphertext: 'x', settlement_account_index: 'x', settlement_account_masked: 'x', settlement_bank_code: 'ICBC',
    settlement_region_code: '440300', settlement_holder_name: 'x', fee_plan: 'standard', payer_fee_plan: null, created_at: '2024-01-01T00:00:00.000Z', auto_represent_max: 0, auto_represent_after_business_days: 1,
  });
  await store.insertChannel({ id: CHANNEL, type: 'clearing_org', name: 'Bench', region_code: null, bank_code: null, capabilities: '["debit"]', priority: 0, endpoint: 'http://127.0.0.1:1', cost_schedule: '{"fixed":0}', enabled: 1, created_at: '2024-01-01T00:00:00.000Z', updated_at: null });

  const generating = performance.now();
  const at = '2024-09-30T02:00:00.000Z';
  const series = engine === 'sqlite'
    ? sql`with recursive series(i) as (select 1 union all select i + 1 from series where i < ${n})`
    : sql`with series(i) as (select generate_series(1, ${n}))`;
  const id = engine === 'sqlite' ? sql`'dbt_' || printf('%010d', i)` : sql`'dbt_' || lpad(i::text, 10, '0')`;
  await sql`${series} insert into debits (id, merchant_id, mandate_id, reference, amount, currency, description, metadata, status, business_date, channel_id, routing, failure_code, failure_message,
      failure_retryable, next_action_at, attempt_count, created_at, updated_at, channel_cost, merchant_fee, payer_fee, merchant_fee_plan, payer_fee_plan, merchant_fee_subject, payer_fee_subject,
      batch_id, settlement_id, represents, presentment)
    select ${id}, 'mer_bench', null, 'ref-' || i, 1000 + i % 5000, 'CNY', null, null, 'succeeded', ${DATE}, ${CHANNEL}, null, null, null, null, null, 1, ${at}, ${at}, 0, 0, 0, null, null, null, null, null, null, null, 0
    from series`.execute(db);
  await sql`${series} insert into attempts (id, debit_id, attempt_number, channel_id, end_to_end_id, state, channel_reference, failure_code, failure_message, next_query_at, query_count, lease_owner, lease_until, created_at, updated_at)
    select 'att_' || i, ${id}, 1, ${CHANNEL}, ${id}, 'succeeded', 'REF' || i, null, null, null, 0, null, null, ${at}, ${at} from series`.execute(db);
  say(`generated ${n} debits with their attempts on ${engine} in ${((performance.now() - generating) / 1000).toFixed(1)} s (not measured)`);

  // The statement: every instruction once, with the corruptions; written as it goes.
  // On PostgreSQL the statement gets a temporary directory of its own, removed at the end (SQLite's is the database's).
  if (engine === 'postgres') statementDir = fs.mkdtempSync('/tmp/daikou-bench-rcn-');
  const file = path.join(statementDir ?? path.dirname(database.location), 'statement.csv');
  const out = fs.createWriteStream(file);
  const expected = { amount_mismatch: 0, duplicate: 0, missing_in_statement: 0, missing_in_daikou: 100 };
  // The statement's entries in order, made again for the raw insert rather than held: the peak RSS is then the reconciliation's.
  function* entries(): Generator<{ endToEndId: string; amount: number }> {
    for (let i = 1; i <= n; i += 1) {
      const endToEndId = `dbt_${String(i).padStart(10, '0')}`;
      const amount = 1000 + (i % 5000);
      if (i % 2000 === 7) continue;
      yield { endToEndId, amount: i % 1000 === 3 ? amount + 1 : amount };
      if (i % 2000 === 11) yield { endToEndId, amount };
    }
    for (let k = 0; k < expected.missing_in_daikou; k += 1) yield { endToEndId: `dbt_never_${k}`, amount: 10 + k };
  }
  for (let i = 1; i <= n; i += 1) {
    if (i % 2000 === 7) expected.missing_in_statement += 1;
    else if (i % 1000 === 3) expected.amount_mismatch += 1;
    if (i % 2000 === 11) expected.duplicate += 1;
  }
  let count = 0;
  let debitTotal = 0;
  out.write('record,channel,business_date,channel_reference,end_to_end_id,direction,amount,status,settled_at,count\n');
  let chunk = '';
  for (const { endToEndId, amount } of entries()) {
    count += 1;
    debitTotal += amount;
    chunk += `entry,${CHANNEL},${DATE},,${endToEndId},debit,${amount},succeeded,${DATE}T10:00:00.000+08:00,\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  chunk += `total,${CHANNEL},${DATE},,,debit,${debitTotal},,,${count}\ntotal,${CHANNEL},${DATE},,,credit,0,,,0\n`;
  out.end(chunk);
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
  say(`statement: ${count} lines, ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MiB`);

  // Raw insert: the same lines, as objects already (made 5,000 at a time, not timed), through the store's bulk insert in
  // the chunks and transactions the run uses (in a run of its own, then deleted).
  await sql`insert into reconciliations (id, channel_id, business_date, source, format, status, created_at) values ('rcn_raw', ${CHANNEL}, ${DATE}, 'file', 'csv', 'failed', ${at})`.execute(db);
  let rawMs = 0;
  const made = entries();
  for (let line = 1, done = false; !done;) {
    const chunks: StatementLine[][] = [];
    while (chunks.length < 4 && !done) {
      const lines: StatementLine[] = [];
      for (let next = made.next(); ; next = made.next()) {
        if (next.done === true) {
          done = true;
          break;
        }
        lines.push({ line, channel_reference: null, end_to_end_id: next.value.endToEndId, direction: 'debit', amount: next.value.amount, status: 'succeeded', settled_at: `${DATE}T10:00:00.000+08:00` });
        line += 1;
        if (lines.length === 5_000) break;
      }
      if (lines.length > 0) chunks.push(lines);
    }
    const raw = performance.now();
    await store.transaction(async (tx) => {
      for (const lines of chunks) await tx.insertStatementLines('rcn_raw', lines);
    });
    rawMs += performance.now() - raw;
  }
  await sql`delete from reconciliation_lines where reconciliation_id = 'rcn_raw'`.execute(db);
  say(`raw insert of the lines: ${(rawMs / 1000).toFixed(2)} s`);

  const clock = new SettableClock();
  clock.set(new Date('2024-10-01T03:00:00+08:00'));
  // The run's own log line says how long loading and matching took.
  const phases: { load_ms?: number; match_ms?: number; load_cpu_ms?: number; match_cpu_ms?: number } = {};
  const logger = pino({ level: 'info' }, { write: (line: string) => Object.assign(phases, JSON.parse(line) as typeof phases) });
  const ctx = { store, clock, ids: new SequentialIds(), logger, connectors: new FlowTable(new Map()), presenters: OBJECT_PRESENTERS };
  // --profile FILE: a CPU profile (.cpuprofile) of the reconciliation alone, not of the generation or the raw insert.
  const profiler = values.profile === undefined ? undefined : new Session();
  if (profiler !== undefined) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  const run = await reconcile(ctx, { channelId: CHANNEL, businessDate: DATE, input: { kind: 'file', format: 'csv', body: fs.createReadStream(file, { highWaterMark: 1 << 20 }) }, requestedBy: null });
  const reconcileMs = performance.now() - started;
  // CPU time too: on a machine other processes share, the wall time says as much about them.
  const cpuUsed = process.cpuUsage(cpu);
  const cpuS = (cpuUsed.user + cpuUsed.system) / 1e6;
  if (profiler !== undefined) {
    const { profile } = await profiler.post('Profiler.stop');
    fs.writeFileSync(values.profile!, JSON.stringify(profile));
    profiler.disconnect();
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  say(`reconcile: ${(reconcileMs / 1000).toFixed(2)} s (${(reconcileMs / rawMs).toFixed(2)} × the raw insert), ${cpuS.toFixed(2)} s of CPU, status ${run.status}${run.failure_message ? `: ${run.failure_message}` : ''}`);
  say(`  of which: statement read and loaded ${((phases.load_ms ?? NaN) / 1000).toFixed(2)} s (${((phases.load_cpu_ms ?? NaN) / 1000).toFixed(2)} s of CPU), matched ${((phases.match_ms ?? NaN) / 1000).toFixed(2)} s (${((phases.match_cpu_ms ?? NaN) / 1000).toFixed(2)} s of CPU)`);
  say(`counts: ${run.lines} lines, ${run.matched} matched, ${run.amount_mismatch} amount_mismatch, ${run.duplicate} duplicate, ${run.missing_in_daikou} missing_in_daikou, ${run.missing_in_statement} missing_in_statement`);
  say(`peak RSS of this process: ${peakRssMiB.toFixed(0)} MiB`);
  const wrong = (Object.keys(expected) as (keyof typeof expected)[]).filter((kind) => run[kind] !== expected[kind]);
  if (run.status !== 'completed' || wrong.length > 0) {
    say(`does not add up: ${wrong.map((kind) => `${kind} ${run[kind]} ≠ ${expected[kind]}`).join(', ')}`);
    process.exitCode = 1;
  }
  say(JSON.stringify({ engine, lines: run.lines, instructions: n, raw_insert_s: +(rawMs / 1000).toFixed(2), reconcile_s: +(reconcileMs / 1000).toFixed(2), reconcile_cpu_s: +cpuS.toFixed(2), ratio: +(reconcileMs / rawMs).toFixed(2), load_s: (phases.load_ms ?? 0) / 1000, load_cpu_s: (phases.load_cpu_ms ?? 0) / 1000, match_s: (phases.match_ms ?? 0) / 1000, match_cpu_s: (phases.match_cpu_ms ?? 0) / 1000, peak_rss_mib: Math.round(peakRssMiB) }));
} finally {
  await store.close();
  await database.drop();
  if (statementDir !== undefined) fs.rmSync(statementDir, { recursive: true, force: true });
}
