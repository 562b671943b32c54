import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

/**
 * Statements the hub runs again and again go to PostgreSQL as named prepared statements (pg's
 * `{ name, text, values }`), so that the server parses them once per connection instead of each
 * time (issue 15: server CPU per API debit).
 */
describe.skipIf(!ENGINES.includes('postgres'))('PostgreSQL prepared statements', () => {
  let database: TestDatabase | null = null;
  let handle: DatabaseHandle | null = null;
  afterEach(async () => {
    await handle?.close();
    await database?.drop();
    handle = null;
    database = null;
  });

  async function open(): Promise<DatabaseHandle> {
    database = await freshDatabase('postgres');
    handle = openDatabase({ engine: 'postgres', url: database.databaseUrl!, poolSize: 1 });
    await migrateToLatest(handle.db);
    return handle;
  }

  const prepared = async (on: DatabaseHandle) =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(on.db)).rows.map((row) => row.statement);

  it('keeps a statement with parameters prepared once it has run twice, and reuses it', async () => {
    const { db } = await open();
    const text = 'select id from merchants where id = $1';
    for (let i = 0; i < 3; i += 1) await sql`select id from merchants where id = ${'m_1'}`.execute(db);
    const statements = await prepared(handle!);
    expect(statements.filter((statement) => statement === text)).toHaveLength(1);
  });

  it('leaves a statement run once, and one without parameters, unnamed', async () => {
    const { db } = await open();
    await sql`select id from merchants where id = ${'m_1'} and name = ${'x'}`.execute(db);
    for (let i = 0; i < 3; i += 1) await sql`select count(*) from merchants`.execute(db);
    const statements = await prepared(handle!);
    expect(statements.filter((statement) => statement.includes('from merchants'))).toEqual([]);
  });

  it('answers the same rows prepared as unprepared', async () => {
    const { db } = await open();
    const rows = [];
    for (let i = 0; i < 3; i += 1) rows.push((await sql<{ n: number }>`select ${i}::int + 1 as n`.execute(db)).rows);
    expect(rows).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]]);
  });
});
