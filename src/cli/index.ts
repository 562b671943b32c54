import { Command, CommanderError } from 'commander';
import { VERSION } from '../main.js';
import { migrateCommand } from './migrate.js';
import { operatorKeyCommand } from './operator-key.js';
import { rulesCommand } from './rules.js';
import { batchCommand } from './batch.js';
import { reconcileCommand } from './reconcile.js';
import { benchCommand } from './bench.js';
import { UsageError } from './options.js';
import { sandboxCommand } from './sandbox.js';
import { startCommand } from './start.js';
import { webhooksCommand } from './webhooks.js';

/** The CLI edge: every failure becomes one line on stderr and a non-zero exit code. */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command('daikou')
    .description('daikou — direct-debit and collection/payout hub (集中代收付平台)')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(startCommand().exitOverride());
  program.addCommand(sandboxCommand().exitOverride());
  program.addCommand(migrateCommand().exitOverride());
  const rules = rulesCommand().exitOverride();
  for (const sub of rules.commands) sub.exitOverride();
  program.addCommand(rules);
  const batch = batchCommand().exitOverride();
  for (const sub of batch.commands) sub.exitOverride();
  program.addCommand(batch);
  program.addCommand(reconcileCommand().exitOverride());
  program.addCommand(benchCommand().exitOverride());
  const operatorKey = operatorKeyCommand().exitOverride();
  for (const sub of operatorKey.commands) sub.exitOverride();
  program.addCommand(operatorKey);
  const webhooks = webhooksCommand().exitOverride();
  for (const sub of webhooks.commands) sub.exitOverride();
  program.addCommand(webhooks);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0 and have printed already; usage errors have printed their message.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`daikou: ${message}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
