import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePrivateFile, secureDataDir } from '../../src/security/data-dir-modes.js';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('data directory modes', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("fixes loose modes of daikou's own files at start, and leaves other files alone", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-modes-'));
    dirs.push(dir);
    fs.chmodSync(dir, 0o755);
    for (const name of ['daikou.sqlite', 'daikou.sqlite-wal', 'sandbox.sqlite', 'master.key', 'notes.txt']) fs.writeFileSync(path.join(dir, name), 'x', { mode: 0o644 });
    fs.mkdirSync(path.join(dir, 'batches'), { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'batches', 'bat_1.csv'), 'x', { mode: 0o644 });
    secureDataDir(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'batches'))).toBe(0o700);
    for (const name of ['daikou.sqlite', 'daikou.sqlite-wal', 'sandbox.sqlite', 'master.key', 'batches/bat_1.csv']) expect([name, mode(path.join(dir, name))]).toEqual([name, 0o600]);
    expect(mode(path.join(dir, 'notes.txt'))).toBe(0o644);
  });

  it('creates a missing file 0600 (for SQLite to open), and a missing data directory 0700', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-modes-')), 'data');
    dirs.push(path.dirname(dir));
    ensurePrivateFile(path.join(dir, 'daikou.sqlite'));
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'daikou.sqlite'))).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'daikou.sqlite')).size).toBe(0);
  });
});
