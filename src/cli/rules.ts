import fs from 'node:fs';
import { Command } from 'commander';
import { simulateRules, type SimulationResult } from '../app/simulation.js';
import type { RuleInput } from '../app/channels.js';
import { formatYuan, isCalendarDate, systemClock, type BusinessDate, type Fen } from '../core/index.js';
import { databaseConfig } from '../main.js';
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
      let addRules: RuleInput[] = [];
      if (opts.add !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(fs.readFileSync(opts.add, 'utf8'));
        } catch (error) {
          throw new UsageError(`--add ${opts.add}: ${error instanceof Error ? error.message : String(error)}`);
        }
        addRules = (Array.isArray(parsed) ? parsed : [parsed]) as RuleInput[];
      }
      const { store, db } = openStore(databaseConfig(opts.data, databaseUrlFromEnv(process.env)));
      try {
        await migrateToLatest(db);
        const result = await simulateRules(
          { store, clock: systemClock },
          { at: opts.at, window: { from: opts.from, to: opts.to }, add_rules: addRules, remove_rules: opts.remove?.split(',').filter(Boolean) ?? [] },
          process.stderr.isTTY ? (n) => process.stderr.write(`\rreplayed ${n} debits`) : undefined,
        );
        if (process.stderr.isTTY) process.stderr.write('\n');
        process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderTable(result));
      } finally {
        await store.close();
      }
    });
  return rules;
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
