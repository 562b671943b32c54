import fs from 'node:fs';
import { Command } from 'commander';
import { rotateOperatorKey } from '../app/api-keys.js';
import { systemClock } from '../core/index.js';
import { Uuidv7Ids } from '../ids.js';
import { databaseConfig, randomSecrets } from '../main.js';
import { migrateToLatest } from '../storage/database.js';
import { openStore } from '../storage/kysely-store.js';
import { UsageError, databaseUrlFromEnv, redactUrl } from './options.js';

/** `daikou operator-key rotate` (SPEC §17): the way back in for an operator who lost the key. */
export function operatorKeyCommand(): Command {
  const command = new Command('operator-key').description('Manage the operator API key.');
  command
    .command('rotate')
    .description('Print a new operator key (once) and revoke every earlier stored operator key. A running hub refuses the old keys from its next request.')
    .option('-d, --data <dir>', 'data directory holding the embedded SQLite database (env DAIKOU_DATA)', process.env.DAIKOU_DATA ?? './daikou-data')
    .addHelpText(
      'after',
      `
With DAIKOU_DATABASE_URL=postgres://… it rotates the key in that PostgreSQL database instead.
A key given in DAIKOU_OPERATOR_KEY is not stored: it stays valid for as long as it is set.

Example:
  daikou operator-key rotate --data ./daikou-data`,
    )
    .action(async (opts: { data: string }) => {
      const url = databaseUrlFromEnv(process.env);
      const config = databaseConfig(opts.data, url);
      // Opening SQLite creates the file: a mistyped --data would get a key for an empty database.
      if (config.engine === 'sqlite' && !fs.existsSync(config.file)) {
        throw new UsageError(`no daikou database in ${opts.data}; pass the --data directory daikou start uses, or set DAIKOU_DATABASE_URL.`);
      }
      const { store, db } = openStore(config);
      try {
        await migrateToLatest(db);
        const { key, revoked } = await rotateOperatorKey({ store, clock: systemClock, ids: new Uuidv7Ids(), secrets: randomSecrets });
        const where = config.engine === 'sqlite' ? config.file : redactUrl(config.url);
        process.stdout.write(
          [
            `${where}: revoked ${revoked} earlier operator key${revoked === 1 ? '' : 's'}.`,
            `Operator key (shown once, keep it): ${key}`,
            ...(process.env.DAIKOU_OPERATOR_KEY ? ['DAIKOU_OPERATOR_KEY is set: that key stays valid while it is set.'] : []),
            '',
          ].join('\n'),
        );
      } finally {
        await store.close();
      }
    });
  return command;
}
