import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { UsageError } from './options.js';

interface BatchAnswer {
  id: string;
  status: string;
  counts: { rows: number; accepted: number; rejected: number; succeeded: number; failed: number };
  /** Why a failed batch failed: code, detail and where (row, column, line, byte_offset). */
  error: { code: string; detail: string } | null;
}

async function api(url: string, key: string, pathname: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(`${url}${pathname}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });
  } catch (error) {
    throw new UsageError(`cannot reach daikou at ${url}: ${error instanceof Error ? ((error.cause as Error)?.message ?? error.message) : String(error)}`);
  }
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

/** Data rows in a CSV file (lines after the header), counted without holding the file. */
async function countCsvRows(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    for (const byte of chunk) if (byte === 10) lines += 1;
    last = chunk[chunk.length - 1] ?? last;
  }
  if (last !== 10) lines += 1;
  return Math.max(0, lines - 1);
}

/** Transactions in a pain.008 (or pain.001) file, counted by their opening tags without holding the file. */
async function countXmlTransactions(file: string): Promise<number> {
  // An opening tag, with or without a namespace prefix; a tag split across two chunks is caught by
  // carrying the tail of the previous chunk (shorter than a whole tag) into the next.
  const opening = /<(?:[A-Za-z_][\w.-]*:)?(?:DrctDbtTxInf|CdtTrfTxInf)[\s>]/g;
  let transactions = 0;
  let tail = '';
  for await (const chunk of fs.createReadStream(file, { encoding: 'latin1' }) as AsyncIterable<string>) {
    const text = tail + chunk;
    let end = 0;
    for (const match of text.matchAll(opening)) {
      transactions += 1;
      end = match.index + match[0].length;
    }
    tail = text.slice(Math.max(end, text.length - 64));
  }
  return transactions;
}

/**
 * Refuses a `--report` path that could not be written, before the file is uploaded: a batch that
 * ran for an hour should not end with "cannot write the result file".
 */
function checkReportPath(report: string): void {
  const target = path.resolve(report);
  const directory = path.dirname(target);
  if (fs.existsSync(target)) {
    if (fs.statSync(target).isDirectory()) throw new UsageError(`--report ${report}: is a directory; name a file.`);
    if (!writable(target)) throw new UsageError(`--report ${report}: the file may not be written.`);
    return;
  }
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) throw new UsageError(`--report ${report}: no such directory ${directory}.`);
  if (!writable(directory)) throw new UsageError(`--report ${report}: the directory ${directory} may not be written.`);
}

function writable(target: string): boolean {
  try {
    fs.accessSync(target, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** "1 row rejected and 2 debits failed": what made a completed batch exit 1. */
function describeFailures(rejected: number, failed: number): string {
  const parts = [];
  if (rejected > 0) parts.push(`${rejected} ${rejected === 1 ? 'row' : 'rows'} rejected`);
  if (failed > 0) parts.push(`${failed} ${failed === 1 ? 'debit' : 'debits'} failed`);
  return parts.join(' and ');
}

function renderProgress(done: number, total: number): string {
  const width = 30;
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}% ${done}/${total} rows`;
}

export function batchCommand(): Command {
  const batch = new Command('batch').description('Bulk files of debits (批量文件).');
  batch
    .command('submit')
    .argument('<file>', 'a CSV file (reference, mandate_id or account_number, amount or amount_yuan, …), or an ISO 20022 pain.008 / pain.001 (.xml)')
    .description('Upload a batch file, follow its processing with a progress bar, and print the counts.')
    .option('--url <url>', 'daikou API address (env DAIKOU_URL)', process.env.DAIKOU_URL ?? 'http://127.0.0.1:8080')
    .option('--key <key>', "the merchant's API key (env DAIKOU_API_KEY)", process.env.DAIKOU_API_KEY)
    .option('--report <file>', 'write the result file (CSV) here when processing has finished')
    .option('--encoding <name>', 'the CSV file\'s encoding: utf-8 (default; a BOM is allowed), gbk (as Excel on a Chinese Windows saves it) or gb18030', 'utf-8')
    .option('--kind <kind>', 'what a CSV file\'s rows become: debit (default) or payout (columns reference, account_number, holder_name, account_kind, amount or amount_yuan, bank_code, description); an ISO 20022 file says it itself')
    .option('--no-wait', 'return as soon as the file is accepted')
    .option('--allow-failures', 'exit 0 when the batch completed even if rows were rejected or debits failed')
    .addHelpText(
      'after',
      `
Exit codes: 0 when every row's debit succeeded (or, with --no-wait, when the file was accepted);
1 when rows were rejected, debits failed or the batch failed (--allow-failures: only the last);
2 when the file, the key, --report or the address is refused before anything is processed.

Example:
  DAIKOU_API_KEY=dk_mer_… daikou batch submit december.csv --report december-result.csv`,
    )
    .action(async (file: string, opts: { url: string; key?: string; report?: string; wait: boolean; encoding: string; kind?: string; allowFailures?: boolean }) => {
      if (!opts.key) throw new UsageError('give the merchant API key with --key or DAIKOU_API_KEY.');
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`no such file: ${file}`);
      const encoding = opts.encoding.toLowerCase();
      if (!['utf-8', 'utf8', 'gbk', 'gb18030'].includes(encoding)) throw new UsageError(`--encoding is utf-8, gbk or gb18030, not ${opts.encoding}.`);
      const xml = path.extname(file).toLowerCase() === '.xml';
      if (xml && !encoding.startsWith('utf')) throw new UsageError('ISO 20022 files are UTF-8: --encoding is for CSV files.');
      if (opts.kind !== undefined && !['debit', 'payout'].includes(opts.kind)) throw new UsageError(`--kind is debit or payout, not ${opts.kind}.`);
      if (opts.report !== undefined) checkReportPath(opts.report);
      // The server reads the declared charset; UTF-8 is its default and is not declared.
      const contentType = xml ? 'application/xml' : encoding.startsWith('utf') ? 'text/csv' : `text/csv; charset=${encoding}`;
      const total = xml ? await countXmlTransactions(file) : await countCsvRows(file);
      const uploaded = await api(opts.url, opts.key, opts.kind === undefined ? '/v1/batches' : `/v1/batches?kind=${opts.kind}`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: Readable.toWeb(fs.createReadStream(file)) as unknown as ReadableStream<Uint8Array>,
        duplex: 'half',
      } as RequestInit);
      if (uploaded.status >= 400) {
        const problem = uploaded.body as { detail?: string; errors?: { detail: string }[] };
        throw new UsageError(`the file was refused (${uploaded.status}): ${problem?.detail ?? 'no detail'}`);
      }
      let state = uploaded.body as BatchAnswer;
      process.stdout.write(`${uploaded.status === 200 ? 'This file was sent before: batch' : 'Batch'} ${state.id}\n`);
      if (!opts.wait) return;
      const tty = process.stdout.isTTY === true;
      let lastLineAt = 0;
      while (state.status === 'processing' || state.counts.succeeded + state.counts.failed < state.counts.accepted) {
        const now = Date.now();
        const done = state.counts.rows;
        if (tty) process.stdout.write(`\r${renderProgress(done, Math.max(total, done))}`);
        else if (now - lastLineAt >= 2_000) {
          process.stdout.write(`${renderProgress(done, Math.max(total, done))}; ${state.counts.succeeded} succeeded, ${state.counts.failed} failed\n`);
          lastLineAt = now;
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
        const polled = await api(opts.url, opts.key, `/v1/batches/${state.id}`);
        if (polled.status >= 400) throw new Error(`daikou answered ${polled.status} about batch ${state.id}: ${(polled.body as { detail?: string } | null)?.detail ?? 'no detail'}`);
        state = polled.body as BatchAnswer;
        if (state.status === 'failed') break;
      }
      if (tty) process.stdout.write(`\r${renderProgress(state.counts.rows, Math.max(total, state.counts.rows))}\n`);
      const c = state.counts;
      process.stdout.write(`${state.status}: ${c.rows} rows, ${c.accepted} accepted, ${c.rejected} rejected, ${c.succeeded} succeeded, ${c.failed} failed\n`);
      if (state.error) process.stdout.write(`${state.error.code}: ${state.error.detail}\n`);
      if (opts.report) {
        const response = await fetch(`${opts.url}/v1/batches/${state.id}/report`, { headers: { authorization: `Bearer ${opts.key}` } });
        if (!response.ok) throw new Error(`daikou answered ${response.status} for the result file of batch ${state.id}.`);
        fs.writeFileSync(opts.report, Buffer.from(await response.arrayBuffer()));
        process.stdout.write(`result file: ${opts.report}\n`);
      }
      if (state.status === 'failed') {
        process.exitCode = 1;
        return;
      }
      const failures = describeFailures(c.rejected, c.failed);
      if (failures !== '' && opts.allowFailures !== true) {
        process.stderr.write(`daikou: ${failures} (see ${opts.report ?? `GET /v1/batches/${state.id}/report`}); --allow-failures exits 0 for this.\n`);
        process.exitCode = 1;
      }
    });
  return batch;
}
