import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatementLine } from '../../src/core/index.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

/**
 * The dialects' bulk insert (`insertMany`): on SQLite prepared statements of 100 rows, the rest
 * one row at a time; on PostgreSQL one unnest. Whatever the split, every row arrives whole.
 */
for (const engine of ENGINES) {
  describe(`insertMany (${engine})`, () => {
    let database: TestDatabase;
    let opened: ReturnType<typeof openStore>;

    beforeAll(async () => {
      database = await freshDatabase(engine);
      opened = openStore(engine === 'sqlite' ? { engine, file: path.join(database.dataDir, 'daikou.sqlite') } : { engine, url: database.databaseUrl! });
      await migrateToLatest(opened.db);
      await opened.store.insertChannel({ id: 'ch', type: 'clearing_org', name: 'Ch', region_code: null, bank_code: null, capabilities: '["debit"]', priority: 0, endpoint: 'http://127.0.0.1:1', cost_schedule: '{"fixed":0}', enabled: 1, created_at: '2024-01-01T00:00:00.000Z', updated_at: null });
      await sql`insert into reconciliations (id, channel_id, business_date, source, format, status, created_at) values ('rcn_1', 'ch', '2024-09-30', 'file', 'csv', 'processing', '2024-09-30T00:00:00.000Z')`.execute(opened.db);
    });

    afterAll(async () => {
      await opened.store.close();
      await database.drop();
    });

    it.each([1, 99, 100, 101, 257])('writes %i rows, each whole, in and out of the multi-row statements', async (count) => {
      const lines: StatementLine[] = Array.from({ length: count }, (_, index) => ({
        line: index + 1,
        channel_reference: index % 3 === 0 ? null : `REF-${index}`,
        end_to_end_id: `dbt_${count}_${index}`,
        direction: index % 2 === 0 ? 'debit' : 'credit',
        amount: index === count - 1 ? Number.MAX_SAFE_INTEGER : index,
        status: index % 5 === 0 ? 'failed' : 'succeeded',
        settled_at: index % 4 === 0 ? null : '2024-09-30T10:00:00.000+08:00',
      }));
      await sql`delete from reconciliation_lines`.execute(opened.db);
      await opened.store.transaction((tx) => tx.insertStatementLines('rcn_1', lines));
      const stored = await sql<StatementLine & { reconciliation_id: string }>`select * from reconciliation_lines order by line`.execute(opened.db);
      expect(stored.rows.map((row) => ({ ...row, amount: Number(row.amount) }))).toEqual(lines.map((line) => ({ reconciliation_id: 'rcn_1', ...line })));
    });
  });
}
