import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Engine } from '../storage/database.js';

/**
 * A throwaway home for one benchmark phase: a fresh data directory under the system's temp
 * directory (key file, batch files, sandbox state, and the SQLite database), and on PostgreSQL a
 * fresh database `daikou_bench_<random>` made through an administrative URL (a role that may
 * create databases). `drop` removes both.
 */
export interface BenchDatabase {
  engine: Engine;
  dataDir: string;
  /** The fresh PostgreSQL database, or null for SQLite (in `dataDir`). */
  databaseUrl: string | null;
  drop(): Promise<void>;
}

/** Homes made and not yet dropped, so that an interrupted run can still clean up. */
const live = new Set<BenchDatabase>();

/** Drops every home not yet dropped (on Ctrl-C or SIGTERM); returns how many there were. */
export async function dropLiveBenchDatabases(): Promise<number> {
  const homes = [...live];
  await Promise.allSettled(homes.map((home) => home.drop()));
  return homes.length;
}

export async function createBenchDatabase(engine: Engine, adminUrl: string | null, label: string): Promise<BenchDatabase> {
  const home = await makeBenchDatabase(engine, adminUrl, label);
  const tracked: BenchDatabase = {
    ...home,
    async drop() {
      live.delete(tracked);
      await home.drop();
    },
  };
  live.add(tracked);
  return tracked;
}

async function makeBenchDatabase(engine: Engine, adminUrl: string | null, label: string): Promise<BenchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `daikou-bench-${label}-`));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (engine === 'sqlite') return { engine, dataDir, databaseUrl: null, drop: async () => removeDir() };
  if (adminUrl === null) throw new Error('PostgreSQL needs an administrative database URL');
  let database: FreshPostgresDatabase;
  try {
    database = await createPostgresDatabase(adminUrl);
  } catch (error) {
    removeDir();
    throw error;
  }
  return {
    engine,
    dataDir,
    databaseUrl: database.url,
    async drop() {
      await database.drop();
      removeDir();
    },
  };
}

export interface FreshPostgresDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createPostgresDatabase(adminUrl: string): Promise<FreshPostgresDatabase> {
  // Random hex only: the name is written into SQL as it is.
  const name = `daikou_bench_${crypto.randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withAdmin(adminUrl, async (admin) => {
        // An autovacuum worker on the fresh database can refuse FORCE for a moment; try again.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            return;
          } catch (error) {
            if (attempt >= 10) throw error;
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
      }),
  };
}

async function withAdmin<T>(adminUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
