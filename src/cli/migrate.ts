import path from 'node:path';
import { Command } from 'commander';
import { databaseConfig } from '../main.js';
import { migrateToLatest, openDatabase } from '../storage/database.js';
import { databaseUrlFromEnv, redactUrl } from './options.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Bring the database schema up to date (daikou start does this too).')
    .option('-d, --data <dir>', 'data directory holding the embedded SQLite database (env DAIKOU_DATA)', process.env.DAIKOU_DATA ?? './daikou-data')
    .addHelpText('after', '\nWith DAIKOU_DATABASE_URL=postgres://… it migrates that PostgreSQL database instead.')
    .action(async (opts: { data: string }) => {
      const url = databaseUrlFromEnv(process.env);
      const handle = openDatabase(databaseConfig(opts.data, url));
      try {
        const applied = await migrateToLatest(handle.db);
        const where = url ? redactUrl(url) : path.join(opts.data, 'daikou.sqlite');
        process.stdout.write(applied.length === 0 ? `${where}: already up to date\n` : `${where}: applied ${applied.join(', ')}\n`);
      } finally {
        await handle.close();
      }
    });
}
