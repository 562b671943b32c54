import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Engine } from '../../src/storage/database.js';

/**
 * The storage engines every contract and API suite runs against. PostgreSQL joins when
 * DAIKOU_TEST_DATABASE_URL names a role that may create databases; CI sets it and
 * DAIKOU_TEST_REQUIRE_POSTGRES=1, so that a missing server fails the run instead of skipping it.
 */
const adminUrl = process.env.DAIKOU_TEST_DATABASE_URL;
if (process.env.DAIKOU_TEST_REQUIRE_POSTGRES === '1' && !adminUrl) {
  throw new Error('DAIKOU_TEST_REQUIRE_POSTGRES=1 but DAIKOU_TEST_DATABASE_URL is not set');
}

export const ENGINES: Engine[] = adminUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  engine: Engine;
  dataDir: string;
  /** The PostgreSQL URL of a fresh, empty database; null for SQLite (which lives in dataDir). */
  databaseUrl: string | null;
  drop(): Promise<void>;
}

/** A fresh, empty database and data directory, dropped afterwards. */
export async function freshDatabase(engine: Engine): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-test-'));
  if (engine === 'sqlite') {
    return { engine, dataDir, databaseUrl: null, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `daikou_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl!);
  url.pathname = `/${name}`;
  return {
    engine,
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // An autovacuum worker on the fresh database can refuse FORCE for a role without
        // pg_signal_backend for a moment; it finishes quickly, so try again.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (error) {
            if (attempt >= 10) throw error;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
      } finally {
        await client.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
