import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import type { Database } from '../../src/storage/schema.js';
import { TABLES } from '../../src/storage/tables.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

/**
 * `src/storage/tables.ts` is the one definition of the tables written in bulk; the migrations
 * are a second, historical one. This keeps them equal: every column, its type and nullability,
 * as the migrated database itself reports them.
 */

interface ActualColumn {
  name: string;
  type: string;
  nullable: boolean;
}

/** The engines' spellings of the types tables.ts names. */
const TYPES: Record<string, string> = { text: 'text', bigint: 'int8', integer: 'int4' };

async function columnsOf(db: Kysely<Database>, engine: TestDatabase['engine'], table: string): Promise<ActualColumn[]> {
  const rows =
    engine === 'sqlite'
      ? (await sql<{ name: string; type: string; notnull: number; pk: number }>`select name, type, "notnull", pk from pragma_table_info(${table})`.execute(db)).rows.map((row) => ({
          name: row.name,
          type: row.type,
          // A primary key column holds no null (daikou's keys are text, declared NOT NULL on PostgreSQL).
          nullable: row.notnull === 0 && row.pk === 0,
        }))
      : (
          await sql<{ name: string; type: string; nullable: string }>`select column_name as name, data_type as type, is_nullable as nullable from information_schema.columns where table_schema = current_schema() and table_name = ${table}`.execute(db)
        ).rows.map((row) => ({ name: row.name, type: row.type, nullable: row.nullable === 'YES' }));
  return rows.map((row) => ({ ...row, type: TYPES[row.type.toLowerCase()] ?? row.type })).sort((a, b) => (a.name < b.name ? -1 : 1));
}

for (const engine of ENGINES) {
  describe(`tables defined once (${engine})`, () => {
    let database: TestDatabase;
    let handle: DatabaseHandle;

    beforeAll(async () => {
      database = await freshDatabase(engine);
      handle = openDatabase(database.databaseUrl === null ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') } : { engine: 'postgres', url: database.databaseUrl });
      await migrateToLatest(handle.db);
    });

    afterAll(async () => {
      await handle.close();
      await database.drop();
    });

    it.each(TABLES.map((table) => ({ name: table.name, table })))('$name has exactly the columns tables.ts defines', async ({ table }) => {
      const defined = table.columns.map(({ name, type, nullable }) => ({ name, type, nullable })).sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(await columnsOf(handle.db, engine, table.name)).toEqual(defined);
    });

    it('reads a row’s values in the order of its columns', () => {
      for (const table of TABLES) {
        const row = Object.fromEntries(table.columns.map((column) => [column.name, `v:${column.name}`])) as never;
        expect(table.values(row)).toEqual(table.columns.map((column) => `v:${column.name}`));
      }
    });
  });
}
