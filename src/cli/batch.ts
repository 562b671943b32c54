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
    .argument('<file>', 'a CSV file (reference, mandate_id or account_number, amount or amount_yuan, …)')
    .description('Upload a batch file, follow its processing with a progress bar, and print the counts.')
    .option('--url <url>', 'daikou API address (env DAIKOU_URL)', process.env.DAIKOU_URL ?? 'http://127.0.0.1:8080')
    .option('--key <key>', "the merchant's API key (env DAIKOU_API_KEY)", process.env.DAIKOU_API_KEY)
    .option('--report <file>', 'write the result file (CSV) here when processing has finished')
    .option('--encoding <name>', 'the CSV file\'s encoding: utf-8 (default; a BOM is allowed), gbk (as Excel on a Chinese Windows saves it) or gb18030', 'utf-8')
    .option('--no-wait', 'return as soon as the file is accepted')
    .addHelpText('after', '\nExample:\n  DAIKOU_API_KEY=dk_mer_… daikou batch submit december.csv --report december-result.csv')
    .action(async (file: string, opts: { url: string; key?: string; report?: string; wait: boolean; encoding: string }) => {
      if (!opts.key) throw new UsageError('give the merchant API key with --key or DAIKOU_API_KEY.');
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`no such file: ${file}`);
      const encoding = opts.encoding.toLowerCase();
      if (!['utf-8', 'utf8', 'gbk', 'gb18030'].includes(encoding)) throw new UsageError(`--encoding is utf-8, gbk or gb18030, not ${opts.encoding}.`);
      const xml = path.extname(file).toLowerCase() === '.xml';
      if (xml && !encoding.startsWith('utf')) throw new UsageError('ISO 20022 files are UTF-8: --encoding is for CSV files.');
      // The server reads the declared charset; UTF-8 is its default and is not declared.
      const contentType = xml ? 'application/xml' : encoding.startsWith('utf') ? 'text/csv' : `text/csv; charset=${encoding}`;
      const total = xml ? 0 : await countCsvRows(file);
      const uploaded = await api(opts.url, opts.key, '/v1/batches', {
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
        state = (await api(opts.url, opts.key, `/v1/batches/${state.id}`)).body as BatchAnswer;
        if (state.status === 'failed') break;
      }
      if (tty) process.stdout.write(`\r${renderProgress(state.counts.rows, Math.max(total, state.counts.rows))}\n`);
      const c = state.counts;
      process.stdout.write(`${state.status}: ${c.rows} rows, ${c.accepted} accepted, ${c.rejected} rejected, ${c.succeeded} succeeded, ${c.failed} failed\n`);
      if (state.error) process.stdout.write(`${state.error.code}: ${state.error.detail}\n`);
      if (opts.report) {
        const response = await fetch(`${opts.url}/v1/batches/${state.id}/report`, { headers: { authorization: `Bearer ${opts.key}` } });
        fs.writeFileSync(opts.report, Buffer.from(await response.arrayBuffer()));
        process.stdout.write(`result file: ${opts.report}\n`);
      }
      if (state.status === 'failed') process.exitCode = 1;
    });
  return batch;
}
