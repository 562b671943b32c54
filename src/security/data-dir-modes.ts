import fs from 'node:fs';
import path from 'node:path';

/**
 * Nothing under the data directory is readable by other users of the machine (SPEC §13): the
 * database, the key file, the sandbox's state and uploaded batch files hold personal data.
 * Directories are 0700, files 0600.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates a directory (and its parents) if missing, and makes it 0700 either way. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates an empty file with mode 0600 if missing, or makes an existing one 0600. SQLite then
 * opens it as an empty database, and gives its -wal and -shm files the database file's mode.
 */
export function ensurePrivateFile(file: string): void {
  ensurePrivateDir(path.dirname(file));
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  fs.chmodSync(file, PRIVATE_FILE_MODE);
}

/** What daikou keeps directly under its data directory (and SQLite's companions of each database). */
const DATA_FILES = ['daikou.sqlite', 'sandbox.sqlite', 'master.key'].flatMap((name) => (name.endsWith('.sqlite') ? [name, `${name}-wal`, `${name}-shm`, `${name}-journal`] : [name]));
const DATA_DIRS = ['batches'];

/**
 * Makes the data directory 0700 and what daikou keeps in it 0600 (files) or 0700 (the batch
 * directory and its files 0600), so that a data directory made by an older version, or with a
 * loose umask, is fixed at start. Only daikou's own entries are touched: a data directory given
 * as somebody's home directory must not have every file in it changed.
 */
export function secureDataDir(dataDir: string): void {
  ensurePrivateDir(dataDir);
  for (const name of DATA_FILES) {
    const file = path.join(dataDir, name);
    if (fs.existsSync(file) && fs.lstatSync(file).isFile()) fs.chmodSync(file, PRIVATE_FILE_MODE);
  }
  for (const name of DATA_DIRS) {
    const dir = path.join(dataDir, name);
    if (!fs.existsSync(dir) || !fs.lstatSync(dir).isDirectory()) continue;
    fs.chmodSync(dir, PRIVATE_DIR_MODE);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isFile()) fs.chmodSync(path.join(dir, entry.name), PRIVATE_FILE_MODE);
  }
}
