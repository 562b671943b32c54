import fs from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { accounts, businessDate, formatYuan, ledgerTransaction, type Fen } from '../core/index.js';
import { callHub, expectStatus, type BatchAnswer, type TrialBalanceAnswer } from './hub-api.js';
import { HubProcess } from './hub-process.js';
import { benchCardNumber, openBenchHub, type BenchHubConfig } from './seed-bench.js';

/*
 * The bench's payout phase (issue 11, item 3): N payouts (代付) from one CSV file sent with
 * kind=payout, ingested by a hub whose submission workers are off, then paid through the sandbox
 * by a hub with every worker on — the same two timings as the debit batch.
 */

/** The amount of payout `row` (from 1): 1.00 to 99.99 yuan, within any sandbox account's daily limit. */
export function benchPayoutAmountFen(row: number): Fen {
  return (100 + ((row * 7_919) % 9_900)) as Fen;
}

/** Payees are cards of their own, far from the debit phase's payers (whose daily limits the debits used). */
const PAYEE_SERIAL_BASE = 500_000_000;
/** The most fee a payout is funded for: the default plan charges 100 fen; the margin stays in `available`. */
const FEE_FEN_FUNDED = 1_000;
const WRITE_CHARS = 256 * 1024;

/** Writes the payout CSV (SPEC §14 columns), streamed to disk; returns the sum of its amounts. */
export async function writePayoutFile(file: string, rows: number): Promise<number> {
  const out = fs.createWriteStream(file);
  let pending = 'reference,account_number,holder_name,account_kind,amount_yuan,description\n';
  let sumFen = 0;
  for (let row = 1; row <= rows; row += 1) {
    const amount = benchPayoutAmountFen(row);
    sumFen += amount;
    pending += `PAY-${row},${benchCardNumber(PAYEE_SERIAL_BASE + row)},Payee ${row},personal,${formatYuan(amount)},refund of deposit\n`;
    if (pending.length >= WRITE_CHARS) {
      if (!out.write(pending)) await once(out, 'drain');
      pending = '';
    }
  }
  out.end(pending);
  await once(out, 'finish');
  return sumFen;
}

/**
 * Bench-only funding: puts `amountFen` in the merchant's `available` with one balanced ledger
 * transaction of kind `bench_funding` from the sandbox channel's clearing account — what
 * settlement would move there after collecting, without waiting a business day. Opens the hub's
 * composition root with the workers off, as the setup does, and closes it.
 */
export async function fundBenchMerchant(config: BenchHubConfig, merchantId: string, amountFen: number): Promise<void> {
  const hub = await openBenchHub(config);
  try {
    const ctx = hub.ctx;
    const now = ctx.clock.now();
    await ctx.store.postLedgerTransactions([
      {
        id: ctx.ids.next('ledgerTransaction'),
        transaction: ledgerTransaction('bench_funding', 'bench', `payouts-${merchantId}`, [
          { account: accounts.channelClearing('sandbox-clearing'), amountFen },
          { account: accounts.merchantAvailable(merchantId), amountFen: -amountFen },
        ]),
        at: now.toISOString(),
        businessDate: businessDate(now),
      },
    ]);
  } finally {
    await hub.close();
  }
}

export interface PayoutFigures {
  rows: number;
  accepted: number;
  rejected: number;
  ingestSeconds: number;
  completeSeconds: number;
  succeeded: number;
  failed: number;
  ingestPeakRssMib: number | null;
  completePeakRssMib: number | null;
  trial: TrialBalanceAnswer;
}

type Follow = (url: string, key: string, batchId: string, watch: { finished: (batch: BatchAnswer) => boolean; progress: (batch: BatchAnswer) => number; total: number; unit: string; started: number; say: (line: string) => void }) => Promise<BatchAnswer>;

/**
 * Funds the merchant, writes the file, and times its ingestion (upload to the batch's
 * `completed_at`) and its completion (a hub with every worker up to every payout final).
 */
export async function runPayoutPhase(config: BenchHubConfig, merchant: { id: string; key: string }, file: string, rows: number, follow: Follow, say: (line: string) => void): Promise<PayoutFigures> {
  const sumFen = await writePayoutFile(file, rows);
  await fundBenchMerchant(config, merchant.id, sumFen + rows * FEE_FEN_FUNDED);
  say(`payouts: setup (untimed): ${rows} payouts of ${formatYuan(sumFen as Fen)} yuan in a ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MiB CSV; available funded by a bench_funding ledger transaction`);

  const ingestHub = await HubProcess.start('batches', config);
  let ingest: { batch: BatchAnswer; seconds: number; peak: number | null };
  try {
    const started = performance.now();
    const startedAt = Date.now();
    const uploaded = expectStatus(
      await callHub<BatchAnswer>(ingestHub.url, merchant.key, 'POST', '/v1/batches?kind=payout', { headers: { 'content-type': 'text/csv' }, body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array> }),
      [202],
      'upload the payout file',
    );
    const done = await follow(ingestHub.url, merchant.key, uploaded.id, { finished: (batch) => batch.status !== 'processing', progress: (batch) => batch.counts.rows, total: rows, unit: 'rows', started, say: (line) => say(`payouts: ingestion: ${line}`) });
    if (done.status !== 'completed') throw new Error(`the payout batch ended ${done.status}: ${done.error === null ? 'no error given' : `${done.error.code}: ${done.error.detail}`}`);
    const seconds = done.completed_at === null ? (performance.now() - started) / 1000 : (Date.parse(done.completed_at) - startedAt) / 1000;
    ingest = { batch: done, seconds, peak: ingestHub.peakRssMib() };
  } finally {
    await ingestHub.stop();
  }

  const completeHub = await HubProcess.start('all', config, { DAIKOU_WORKER_BATCH_SIZE: process.env.DAIKOU_WORKER_BATCH_SIZE ?? '1000' });
  try {
    const started = performance.now();
    const done = await follow(completeHub.url, merchant.key, ingest.batch.id, {
      finished: (batch) => batch.counts.succeeded + batch.counts.failed >= batch.counts.accepted,
      progress: (batch) => batch.counts.succeeded + batch.counts.failed,
      total: ingest.batch.counts.accepted,
      unit: 'payouts final',
      started,
      say: (line) => say(`payouts: completion: ${line}`),
    });
    const completeSeconds = (performance.now() - started) / 1000;
    const trial = expectStatus(await callHub<TrialBalanceAnswer>(completeHub.url, config.operatorKey, 'GET', '/v1/ledger/trial-balance'), [200], 'trial balance');
    return {
      rows: ingest.batch.counts.rows,
      accepted: ingest.batch.counts.accepted,
      rejected: ingest.batch.counts.rejected,
      ingestSeconds: ingest.seconds,
      completeSeconds,
      succeeded: done.counts.succeeded,
      failed: done.counts.failed,
      ingestPeakRssMib: ingest.peak,
      completePeakRssMib: completeHub.peakRssMib(),
      trial,
    };
  } finally {
    await completeHub.stop();
  }
}
