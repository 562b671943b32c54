import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { Command } from 'commander';
import { createDaikouClient, type Schemas } from '../client/index.js';
import { UsageError } from './options.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function problemDetail(body: unknown): string {
  const problem = body as { detail?: string; errors?: { pointer: string; detail: string }[] } | null;
  const fields = problem?.errors?.map((error) => `${error.pointer}: ${error.detail}`).join('; ');
  return `${problem?.detail ?? 'no detail'}${fields ? ` (${fields})` : ''}`;
}

/** The summary a person reads: status, the counts of SPEC §15 and both sides' totals. */
export function reconciliationSummary(run: Schemas['Reconciliation']): string {
  const lines = [`reconciliation ${run.id}: ${run.channel} ${run.business_date}, ${run.status}`];
  if (run.failure) lines.push(`${run.failure.code}: ${run.failure.message}`);
  if (run.counts) {
    const c = run.counts;
    lines.push(`${c.lines} lines: ${c.matched} matched, ${c.missing_in_daikou} missing in daikou, ${c.amount_mismatch} amount mismatches, ${c.status_mismatch} status mismatches, ${c.duplicate} duplicates; ${c.missing_in_statement} missing in the statement`);
  }
  if (run.totals) {
    const { statement, daikou } = run.totals;
    lines.push(`statement: debit ${statement.debit.count} (${statement.debit.amount} fen succeeded), credit ${statement.credit.count} (${statement.credit.amount} fen succeeded)`);
    lines.push(`daikou:    debit ${daikou.debit.count} (${daikou.debit.amount} fen succeeded), credit ${daikou.credit.count} (${daikou.credit.amount} fen succeeded)`);
  }
  return `${lines.join('\n')}\n`;
}

export function reconcileCommand(): Command {
  return new Command('reconcile')
    .description("Reconcile a channel's statement of one business date against daikou (SPEC §15): upload FILE (CSV or camt.053 .xml), or without it have daikou fetch the statement from the channel.")
    .requiredOption('--channel <id>', 'the channel')
    .requiredOption('--date <YYYY-MM-DD>', 'the business date the statement is of')
    .argument('[file]', 'the statement: CSV, or camt.053.001.02 XML (.xml)')
    .option('--url <url>', 'daikou API address (env DAIKOU_URL)', process.env.DAIKOU_URL ?? 'http://127.0.0.1:8080')
    .option('--key <key>', 'an operator API key (env DAIKOU_API_KEY)', process.env.DAIKOU_API_KEY)
    .addHelpText(
      'after',
      `
Exit codes: 0 when every line matched and nothing is missing in the statement; 1 when the
reconciliation found exceptions or failed; 2 when the file, the key or the address is refused.

Example:
  DAIKOU_API_KEY=… daikou reconcile --channel cpcn-bj --date 2024-09-30 statement.csv`,
    )
    .action(async (file: string | undefined, opts: { channel: string; date: string; url: string; key?: string }) => {
      if (!opts.key) throw new UsageError('give an operator API key with --key or DAIKOU_API_KEY.');
      if (!DATE.test(opts.date)) throw new UsageError(`--date is YYYY-MM-DD, not ${opts.date}.`);
      const client = createDaikouClient(opts.url, opts.key);
      const reach = async <T>(call: () => Promise<T>): Promise<T> => {
        try {
          return await call();
        } catch (error) {
          throw new UsageError(`cannot reach daikou at ${opts.url}: ${error instanceof Error ? ((error.cause as Error)?.message ?? error.message) : String(error)}`);
        }
      };
      let created: { status: number; body: unknown };
      if (file === undefined) {
        process.stdout.write(`asking ${opts.channel} for its statement of ${opts.date}…\n`);
        const answer = await reach(() => client.POST('/v1/reconciliations', { body: { channel: opts.channel, business_date: opts.date } as never }));
        created = { status: answer.response.status, body: answer.data ?? answer.error };
      } else {
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`no such file: ${file}`);
        const size = fs.statSync(file).size;
        const contentType = path.extname(file).toLowerCase() === '.xml' ? 'application/xml' : 'text/csv';
        let sent = 0;
        let shown = -1;
        const progress = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            sent += chunk.length;
            const percent = size === 0 ? 100 : Math.floor((sent * 100) / size);
            if (percent >= shown + 10 || sent === size) {
              shown = percent;
              process.stdout.write(`uploaded ${sent} of ${size} bytes (${percent}%)\n`);
            }
            done(null, chunk);
          },
        });
        const query = new URLSearchParams({ channel: opts.channel, business_date: opts.date });
        const response = await reach(() => fetch(`${opts.url.replace(/\/+$/, '')}/v1/reconciliations?${query}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.key}`, 'content-type': contentType },
          body: Readable.toWeb(fs.createReadStream(file).pipe(progress)) as unknown as ReadableStream<Uint8Array>,
          duplex: 'half',
        } as RequestInit));
        process.stdout.write('matched; reading the result…\n');
        const text = await response.text();
        created = { status: response.status, body: text === '' ? null : JSON.parse(text) };
      }
      if (created.status >= 400) throw new UsageError(`the reconciliation was refused (${created.status}): ${problemDetail(created.body)}`);
      const id = (created.body as { id: string }).id;
      const got = await reach(() => client.GET('/v1/reconciliations/{id}', { params: { path: { id } } }));
      if (got.data === undefined) throw new Error(`daikou answered ${got.response.status} about reconciliation ${id}: ${problemDetail(got.error)}`);
      const run = got.data;
      process.stdout.write(reconciliationSummary(run));
      const clean = run.status === 'completed' && run.counts !== null && run.counts.matched === run.counts.lines && run.counts.missing_in_statement === 0;
      if (!clean) {
        if (run.status !== 'failed') process.stderr.write(`daikou: exceptions to resolve: GET /v1/reconciliations/${run.id}/exceptions?status=open\n`);
        process.exitCode = 1;
      }
    });
}
