import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/storage/database.js';
import { WAL_PAGES_MAX } from '../../src/storage/sqlite-checkpointer.js';

describe('SQLite checkpoints on a thread of their own', () => {
  let dir: string;
  let file: string;
  let handle: DatabaseHandle | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-checkpointer-'));
    file = path.join(dir, 'daikou.sqlite');
  });
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Commits `count` transactions of ~64 KiB each (16 pages of WAL), through Kysely as the store does. */
  async function commit(count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      await handle!.db.transaction().execute(async (trx) => {
        await sql`insert into blobs (body) values (${'x'.repeat(64 * 1024)})`.execute(trx);
      });
    }
  }

  it('copies committed pages into the database file while the hub connection keeps the WAL, and loses nothing', async () => {
    handle = openDatabase({ engine: 'sqlite', file, checkpointAfterCommits: 0 });
    await sql`create table blobs (id integer primary key, body text not null)`.execute(handle.db);
    const sizeBefore = fs.statSync(file).size;
    // 40 × 16 pages: far below the connection's own mark, so only the thread can have copied them.
    await commit(40);
    expect(WAL_PAGES_MAX).toBeGreaterThan(40 * 17);
    expect(handle.checkpointer!.running).toBe(true);
    await handle.checkpointer!.caughtUp();
    expect(fs.statSync(file).size).toBeGreaterThan(sizeBefore + 40 * 64 * 1024);
    await handle.close();
    handle = undefined;
    const reopened = new SQLite(file, { readonly: true });
    try {
      expect(reopened.prepare('select count(*) as n, sum(length(body)) as bytes from blobs').get()).toEqual({ n: 40, bytes: 40 * 64 * 1024 });
    } finally {
      reopened.close();
    }
  });

  it('starts no thread before its number of commits, and one after', async () => {
    handle = openDatabase({ engine: 'sqlite', file, checkpointAfterCommits: 5 });
    await sql`create table blobs (id integer primary key, body text not null)`.execute(handle.db);
    await commit(4);
    expect(handle.checkpointer!.running).toBe(false);
    const sizeBefore = fs.statSync(file).size;
    await commit(1);
    expect(handle.checkpointer!.running).toBe(true);
    await handle.checkpointer!.caughtUp();
    expect(fs.statSync(file).size).toBeGreaterThan(sizeBefore);
  });

  it('stops its thread when the database closes, and the file opens again with all its rows', async () => {
    handle = openDatabase({ engine: 'sqlite', file, checkpointAfterCommits: 0 });
    await sql`create table blobs (id integer primary key, body text not null)`.execute(handle.db);
    await commit(10);
    const checkpointer = handle.checkpointer!;
    await handle.close();
    handle = undefined;
    expect(checkpointer.running).toBe(false);
    // The hub's connection was the last: it removed the WAL after copying it whole.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    handle = openDatabase({ engine: 'sqlite', file });
    const { rows } = await sql<{ n: number }>`select count(*) as n from blobs`.execute(handle.db);
    expect(rows[0]!.n).toBe(10);
  });

  it('keeps a process that closes its database last alive until the WAL is copied and removed', () => {
    // A command (daikou migrate, an import) closes its database and has nothing else to wait for.
    const script = [
      `import { sql } from ${JSON.stringify(path.resolve('node_modules/kysely/dist/esm/index.js'))};`,
      `import { openDatabase } from ${JSON.stringify(path.resolve('src/storage/database.ts'))};`,
      `const handle = openDatabase({ engine: 'sqlite', file: ${JSON.stringify(file)}, checkpointAfterCommits: 0 });`,
      `await sql\`create table blobs (id integer primary key, body text not null)\`.execute(handle.db);`,
      `for (let i = 0; i < 20; i += 1) await handle.db.transaction().execute((trx) => sql\`insert into blobs (body) values (\${'x'.repeat(65536)})\`.execute(trx));`,
      `await handle.close();`,
    ].join('\n');
    const scriptFile = path.join(dir, 'close-last.mts');
    fs.writeFileSync(scriptFile, script);
    execFileSync(process.execPath, ['--import', 'tsx', scriptFile], { stdio: 'pipe', timeout: 60_000 });
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SQLite(file, { readonly: true });
    try {
      expect(reopened.prepare('select count(*) as n from blobs').pluck().get()).toBe(20);
    } finally {
      reopened.close();
    }
  });
});
