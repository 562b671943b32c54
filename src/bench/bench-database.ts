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

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS_PER_S = 100;

/**
 * The CPU time (user + system, seconds) of each PostgreSQL backend serving `databaseUrl`'s
 * database now, by pid (from pg_stat_activity and /proc/<pid>/stat; empty where /proc cannot be
 * read, e.g. a server on another machine). The server's shared processes (WAL writer,
 * checkpointer, autovacuum) are not counted: other databases share them.
 */
export async function backendCpuSeconds(databaseUrl: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let pids: number[];
  try {
    const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    pids = rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S);
    } catch {
      // Ended meanwhile, or no /proc.
    }
  }
  return cpu;
}

/**
 * The backends' CPU spent between two readings: backends in both count their difference, new ones
 * all of theirs; one that ended in between is lost (the hubs keep their pools open while measured).
 */
export function backendCpuSpent(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number | null {
  if (after.size === 0) return null;
  let spent = 0;
  for (const [pid, seconds] of after) spent += seconds - (before.get(pid) ?? 0);
  return spent;
}
