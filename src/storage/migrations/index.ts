import type { Migration, MigrationProvider } from 'kysely';
import * as core from './001-core.js';

/** Migrations live in code so that a built package carries them; names sort in order. */
const MIGRATIONS: Record<string, Migration> = {
  '001-core': core,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
