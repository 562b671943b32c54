import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { channelRow, ruleRow, SANDBOX_ENDPOINT, type ChannelInput, type RuleInput } from '../../src/app/channels.js';
import type { Store } from '../../src/app/ports.js';
import type { DatabaseConfig, Engine } from '../../src/storage/database.js';

/**
 * A throwaway database for one benchmark run: an SQLite file in a fresh temp directory, or a
 * fresh PostgreSQL database `daikou_bench_<random>` created and dropped through `adminUrl` (a role
 * that may create databases), as test/support/engines.ts does for the suites.
 */
export interface BenchDatabase {
  engine: Engine;
  config: DatabaseConfig;
  /** The SQLite file or the PostgreSQL URL, for the generator process and for messages. */
  location: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(engine: Engine, adminUrl: string | undefined): Promise<BenchDatabase> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-bench-sim-'));
    const file = path.join(dir, 'daikou.sqlite');
    return { engine, config: { engine, file }, location: file, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  if (!adminUrl) throw new Error('--engine postgres needs DAIKOU_DATABASE_URL (a role that may create databases)');
  const name = `daikou_bench_${crypto.randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    engine,
    config: { engine, url: url.toString() },
    location: url.toString(),
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

interface ScenarioFile {
  channels: Omit<ChannelInput, 'endpoint' | 'enabled'>[];
  rules: RuleInput[];
}

/**
 * Writes the cn-2017 channels and rules (data/scenarios/cn-2017.json) through the Store, building
 * the rows with the same helpers as src/app/scenarios.ts. Not `loadScenario` itself: that wants a whole
 * AppContext (routing table, ids, vault…) and this database is empty, so there is nothing to
 * disable or to compare versions with; every rule is version 1.
 */
export async function loadCn2017(store: Store, at: string): Promise<{ channels: number; rules: number }> {
  const file = new URL('../../data/scenarios/cn-2017.json', import.meta.url);
  const scenario = JSON.parse(fs.readFileSync(file, 'utf8')) as ScenarioFile;
  await store.transaction(async (tx) => {
    for (const channel of scenario.channels) {
      await tx.upsertChannel(channelRow({ ...channel, enabled: true, endpoint: SANDBOX_ENDPOINT }, at, null));
    }
    for (const rule of scenario.rules) await tx.insertRuleVersion(ruleRow(rule, 1, at));
  });
  return { channels: scenario.channels.length, rules: scenario.rules.length };
}
