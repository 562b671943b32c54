import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { channelRow, ruleRow, SANDBOX_ENDPOINT, type ChannelInput, type RuleInput } from '../../src/app/channels.js';
import type { Store } from '../../src/app/ports.js';
import { createPostgresDatabase } from '../../src/bench/bench-database.js';
import type { DatabaseConfig, Engine } from '../../src/storage/database.js';

/**
 * A throwaway database for one benchmark run: an SQLite file in a fresh temp directory, or a
 * fresh PostgreSQL database made and dropped by `daikou bench`'s own `createPostgresDatabase`.
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
  const database = await createPostgresDatabase(adminUrl);
  return { engine, config: { engine, url: database.url }, location: database.url, drop: database.drop };
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
