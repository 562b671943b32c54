import { Command, Option } from 'commander';
import { BATCH_FILE_FORMATS, type BatchFileFormat } from '../bench/batch-file-writer.js';
import { dropLiveBenchDatabases } from '../bench/bench-database.js';
import { runBench } from '../bench/run-bench.js';
import type { Engine } from '../storage/database.js';
import { parseCount, parsePositiveInt, redactUrl, UsageError } from './options.js';

const ENGINE_CHOICES = ['sqlite', 'postgres', 'all'] as const;

interface BenchCommandOptions {
  rows: number;
  engine: (typeof ENGINE_CHOICES)[number];
  format: BatchFileFormat;
  apiDebits: number;
  clients: number;
  payoutRows?: number;
  completion: boolean;
  compareGroupCommit?: boolean;
  apiSplit?: boolean;
  processes: number[];
  databaseUrl?: string;
}

/** `1,2,4`: numbers of hub processes, each 1–16. */
function parseProcessList(value: string): number[] {
  const counts = value.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) throw new UsageError(`--processes takes numbers of processes from 1 to 16, separated by commas (e.g. 1,2,4), not "${value}".`);
  return counts;
}

export function benchCommand(): Command {
  return new Command('bench')
    .description(
      'Benchmark the hub end to end on throwaway data: ingest an N-row batch file through the HTTP API, complete it through the sandbox, ' +
        'measure the storage ceiling in the same run, then single-debit API throughput. Prints figures; the last line is a JSON array, one object per engine.',
    )
    .option('--rows <n>', 'rows in the batch file, one mandate each', parsePositiveInt, 100_000)
    .addOption(new Option('--engine <engine>', 'storage engine(s) to run on').choices(ENGINE_CHOICES).default('all'))
    .addOption(new Option('--format <format>', 'batch file format').choices(BATCH_FILE_FORMATS).default('csv'))
    .option('--api-debits <n>', 'single debits for the API phase (0 skips it)', parseCount, 3_000)
    .option('--clients <n>', 'concurrent clients in the API phase', parsePositiveInt, 32)
    .option('--payout-rows <n>', 'payouts in the payout phase\'s CSV file (default: --rows; 0 skips it)', parseCount)
    .option('--no-completion', 'stop after ingestion and its storage ceiling: no completion and no payout phase (quicker, to work on ingestion)')
    .option('--compare-group-commit', 'run the API phase again with DAIKOU_GROUP_COMMIT=0 (a transaction per request), with its own bare Fastify reference')
    .option('--api-split', 'run the API phase again with the submission workers started only once every debit was accepted: the API\'s hub CPU per debit alone, then completion\'s')
    .option('--processes <list>', 'PostgreSQL: run the API phase again with each number of hub processes sharing the database, e.g. 1,2,4', parseProcessList, [])
    .option('--database-url <url>', 'PostgreSQL role that may create databases (else env DAIKOU_BENCH_DATABASE_URL, else DAIKOU_TEST_DATABASE_URL)')
    .addHelpText(
      'after',
      `
Every phase runs on fresh data: a temp directory, and on PostgreSQL a database daikou_bench_<random>
made through the given URL and dropped at the end. The hub runs in a process of its own.

Examples:
  daikou bench --rows 100000 --engine sqlite
  daikou bench --rows 20000 --engine all --database-url postgres://daikou:daikou@127.0.0.1:5432/daikou
  npm run bench -- --rows 5000 --format pain.008
  daikou bench --rows 200000 --engine sqlite --api-debits 0 --payout-rows 0 --no-completion
  daikou bench --rows 2000 --engine postgres --api-debits 5000 --processes 1,2,4`,
    )
    .action(async (opts: BenchCommandOptions) => {
      const adminUrl = opts.databaseUrl || process.env.DAIKOU_BENCH_DATABASE_URL || process.env.DAIKOU_TEST_DATABASE_URL || null;
      if (adminUrl !== null && !/^postgres(ql)?:\/\//.test(adminUrl)) throw new UsageError('the PostgreSQL URL must be a postgres:// URL.');
      const say = (line: string) => process.stdout.write(`${line}\n`);
      const payoutRows = opts.payoutRows ?? opts.rows;
      let engines: Engine[];
      if (opts.engine === 'sqlite') engines = ['sqlite'];
      else if (adminUrl !== null) engines = opts.engine === 'postgres' ? ['postgres'] : ['sqlite', 'postgres'];
      else if (opts.engine === 'postgres') throw new UsageError('--engine postgres needs a PostgreSQL URL: --database-url, or DAIKOU_BENCH_DATABASE_URL or DAIKOU_TEST_DATABASE_URL.');
      else {
        engines = ['sqlite'];
        say('PostgreSQL skipped: no PostgreSQL URL (give --database-url, or set DAIKOU_BENCH_DATABASE_URL or DAIKOU_TEST_DATABASE_URL).');
      }
      say(
        `daikou bench: ${opts.rows} rows (${opts.format}) on ${engines.join(' and ')}` +
          (adminUrl !== null && engines.includes('postgres') ? ` (PostgreSQL through ${redactUrl(adminUrl)})` : '') +
          (opts.apiDebits > 0 ? `; API phase ${opts.apiDebits} debits, ${opts.clients} clients` : '; no API phase') +
          (payoutRows > 0 ? `; payout phase ${payoutRows} payouts` : '; no payout phase'),
      );
      // Ctrl-C: the hub processes stop with us (they watch their IPC channel); the throwaway
      // databases and directories are dropped before exiting.
      const interrupted = (signal: NodeJS.Signals) => {
        process.stderr.write(`\n${signal}: dropping the bench's databases and directories…\n`);
        // Connections still open on a database being dropped fail now; that is expected.
        process.on('uncaughtException', () => {});
        void dropLiveBenchDatabases().finally(() => process.exit(130));
      };
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      const { results, problems } = await runBench({ rows: opts.rows, engines, format: opts.format, apiDebits: opts.apiDebits, clients: opts.clients, payoutRows, completion: opts.completion, compareGroupCommit: opts.compareGroupCommit === true, apiSplit: opts.apiSplit === true, processes: opts.processes, adminUrl, say });
      for (const problem of problems) say(`does not add up: ${problem}`);
      if (problems.length > 0) process.exitCode = 1;
      say(JSON.stringify(results));
    });
}
