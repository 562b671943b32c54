import fs from 'node:fs';
import { Command } from 'commander';
import { AppError } from '../app/errors.js';
import { simulateRules, type SimulationResult } from '../app/simulation.js';
import type { RuleInput } from '../app/channels.js';
import { formatYuan, isCalendarDate, systemClock, type BusinessDate, type Fen } from '../core/index.js';
import { databaseConfig } from '../main.js';
import { RuleBody } from '../http/schemas.js';
import { migrateToLatest } from '../storage/database.js';
import { openStore } from '../storage/kysely-store.js';
import { databaseUrlFromEnv, UsageError } from './options.js';

function businessDateOption(name: string) {
  return (value: string): BusinessDate => {
    if (!isCalendarDate(value)) throw new UsageError(`${name} must be a date written YYYY-MM-DD, got "${value}".`);
    return value;
  };
}

export function rulesCommand(): Command {
  const rules = new Command('rules').description('Routing rules: see what a change would do before it takes effect.');
  rules
    .command('simulate')
    .description('Replay the debits of a window as routed, and as if routed on --at with the rules changed; report per merchant.')
    .requiredOption('--at <date>', 'route as if on this business date (YYYY-MM-DD)', businessDateOption('--at'))
    .requiredOption('--from <date>', 'first business date of the window', businessDateOption('--from'))
    .requiredOption('--to <date>', 'last business date of the window', businessDateOption('--to'))
    .option('--add <file>', 'a JSON file with a rule or an array of rules to add (replacing rules with the same id)')
    .option('--remove <ids>', 'comma-separated rule ids to take out')
    .option('--json', 'print the result as JSON')
    .option('-d, --data <dir>', 'data directory of the embedded database (env DAIKOU_DATA)', process.env.DAIKOU_DATA ?? './daikou-data')
    .addHelpText('after', '\nExample:\n  daikou rules simulate --at 2018-01-01 --from 2017-12-01 --to 2017-12-31')
    .action(async (opts: { at: BusinessDate; from: BusinessDate; to: BusinessDate; add?: string; remove?: string; json?: boolean; data: string }) => {
      const addRules = opts.add === undefined ? [] : readRulesFile(opts.add);
      const removeRules = opts.remove?.split(',').map((id) => id.trim()).filter(Boolean) ?? [];
      const databaseUrl = databaseUrlFromEnv(process.env);
      // Opening SQLite would create an empty database in a misspelt directory and simulate nothing.
      if (databaseUrl === null) checkDataDirectory(opts.data);
      const { store, db } = openStore(databaseConfig(opts.data, databaseUrl));
      try {
        await migrateToLatest(db);
        const request = { at: opts.at, window: { from: opts.from, to: opts.to }, add_rules: addRules, remove_rules: removeRules };
        const result = await simulateRules(
          { store, clock: systemClock },
          request,
          process.stderr.isTTY ? (n) => process.stderr.write(`\rreplayed ${n} debits`) : undefined,
        ).catch((error: unknown) => {
          throw error instanceof AppError ? asUsageError(error, request, opts.add ?? '') : error;
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderTable(result));
      } finally {
        await store.close();
      }
    });
  return rules;
}

function checkDataDirectory(dir: string): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`--data ${dir}: no such directory; give the data directory daikou start uses (or DAIKOU_DATABASE_URL).`);
  }
  const file = databaseConfig(dir, null);
  if (file.engine === 'sqlite' && !fs.existsSync(file.file)) throw new UsageError(`--data ${dir}: holds no daikou database; give the data directory daikou start uses.`);
}

/** The rules of an --add file, checked as POST /v1/rules/simulate checks `add_rules`; a refusal names the rule and the field. */
function readRulesFile(file: string): RuleInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not JSON (${error.message})` : error instanceof Error ? error.message : String(error);
    throw new UsageError(`--add ${file}: ${reason}`);
  }
  const rules = Array.isArray(parsed) ? parsed : [parsed];
  const problems = rules.flatMap((rule, index) => {
    const checked = RuleBody.safeParse(rule);
    return checked.success ? [] : checked.error.issues.map((issue) => `rule ${index} /${issue.path.join('/')}: ${issue.message}`);
  });
  if (problems.length > 0) throw new UsageError(`--add ${file}: ${problems.join('; ')}`);
  return rules as RuleInput[];
}

/** The simulation's refusal in the CLI's terms: each pointer becomes the option that carried the field. */
function asUsageError(error: AppError, request: { remove_rules: string[] }, addFile: string): Error {
  if (error.errors.length === 0) return new UsageError(error.message);
  const where = (pointer: string): string => {
    const removed = /^\/remove_rules\/(\d+)$/.exec(pointer);
    if (removed) return `--remove ${request.remove_rules[Number(removed[1])]}`;
    const added = /^\/add_rules\/(\d+)(\/.*)?$/.exec(pointer);
    if (added) return `--add ${addFile}: rule ${added[1]} ${added[2] ?? '/'}`;
    const option = { '/at': '--at', '/window/from': '--from', '/window/to': '--to' }[pointer];
    return option ?? pointer;
  };
  return new UsageError(error.errors.map((field) => `${where(field.pointer)}: ${field.detail}`).join('; '));
}

const yuan = (fen: number) => formatYuan(fen as Fen);

function renderTable(result: SimulationResult): string {
  const lines = [`Debits of ${result.window.from} … ${result.window.to}, routed as they were and as if on ${result.at} (costs in yuan):`, ''];
  const header = ['merchant', 'debits', 'amount', 'cost before', 'cost after', 'change', 'unroutable', 'channels after'];
  const rows = [...result.merchants, { merchant_id: 'TOTAL', ...result.totals }].map((m) => [
    m.merchant_id,
    String(m.count),
    yuan(m.amount),
    yuan(m.cost_before),
    yuan(m.cost_after),
    `${m.cost_after >= m.cost_before ? '+' : ''}${yuan(m.cost_after - m.cost_before)}`,
    String(m.unroutable),
    Object.entries(m.channels_after).map(([channel, count]) => `${channel}:${count}`).join(' '),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const format = (row: string[]) => row.map((cell, i) => (i === 0 || i === row.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  lines.push(format(header), ...rows.map(format), '');
  return `${lines.join('\n')}\n`;
}
