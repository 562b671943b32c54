import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { databaseConfig, startHub } from '../../src/main.js';
import { StartupError } from '../../src/startup-error.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { tableWithTestYear2027, writeCalendarFile } from '../support/calendar-file.js';
import { LogCapture } from '../support/hub.js';

const run = promisify(execFile);

/** Runs the CLI; a start that does not exit is killed after the deadline and reported as such. */
async function daikou(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, DAIKOU_DATABASE_URL: '', DAIKOU_OPERATOR_KEY: '', ...env },
      timeout: 30_000,
    });
    return { code: 0, killed: false, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number | null; killed: boolean; stdout: string; stderr: string };
    return { code: failure.code, killed: failure.killed, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** A port something else is listening on. */
async function busyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const held = await busyPort();
  await held.close();
  return held.port;
}

async function canListen(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function operatorKeysStored(database: TestDatabase): Promise<number> {
  const { store } = openStore(databaseConfig(database.dataDir, database.databaseUrl));
  try {
    return await store.countOperatorKeys();
  } finally {
    await store.close();
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('daikou start that cannot start', () => {
  it('with the API port busy: exits non-zero at once with one line, and has created no operator key', async () => {
    const busy = await busyPort();
    cleanups.push(() => busy.close());
    const database = await freshDatabase('sqlite');
    cleanups.push(() => database.drop());
    const result = await daikou(['start', '--port', String(busy.port), '--sandbox-port', '0', '--data', database.dataDir]);
    expect(result.killed).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`daikou: cannot listen on 127.0.0.1:${busy.port} for the API: address in use (EADDRINUSE); choose another port with --port or DAIKOU_PORT\n`);
    expect(result.stdout).not.toMatch(/Operator key/);
    expect(await operatorKeysStored(database)).toBe(0);
  });

  it('with the sandbox port busy: the same, naming the sandbox', async () => {
    const busy = await busyPort();
    cleanups.push(() => busy.close());
    const database = await freshDatabase('sqlite');
    cleanups.push(() => database.drop());
    const result = await daikou(['start', '--port', '0', '--sandbox-port', String(busy.port), '--data', database.dataDir]);
    expect(result.killed).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`daikou: cannot listen on 127.0.0.1:${busy.port} for the sandbox: address in use (EADDRINUSE); choose another port with --sandbox-port or DAIKOU_SANDBOX_PORT\n`);
  });

  it('with a DAIKOU_CALENDAR_FILE it cannot use: exits 2 with one line naming the file and the place, before anything starts', async () => {
    const database = await freshDatabase('sqlite');
    cleanups.push(() => database.drop());
    const table = tableWithTestYear2027();
    table.years.at(-1)!.periods[0]!.from = '2027-1-1';
    const file = writeCalendarFile(database.dataDir, table);
    const result = await daikou(['start', '--port', '0', '--sandbox-port', '0', '--data', database.dataDir], { DAIKOU_CALENDAR_FILE: file });
    expect(result.killed).toBe(false);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`daikou: DAIKOU_CALENDAR_FILE ${file}: /years/10/periods/0/from: a date as YYYY-MM-DD. It takes the shape of data/calendar/cn-holidays.json.\n`);
    expect(result.stdout).toBe('');
    expect(existsSync(path.join(database.dataDir, 'daikou.sqlite'))).toBe(false);
  });
});

for (const engine of ENGINES) {
  describe(`startHub (${engine})`, () => {
    it('stops everything it started when a step fails, and creates the operator key only once it listens', async () => {
      const busy = await busyPort();
      cleanups.push(() => busy.close());
      const database = await freshDatabase(engine);
      cleanups.push(() => database.drop());
      const sandboxPort = await freePort();
      const options = {
        dataDir: database.dataDir,
        host: '127.0.0.1',
        databaseUrl: database.databaseUrl,
        operatorKey: null,
        masterKey: undefined,
        sandbox: { kind: 'embedded' as const, port: sandboxPort },
        logger: createLogger({ destination: new LogCapture() }),
        runWorkers: false,
      };
      const failure = await startHub({ ...options, port: busy.port }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StartupError);
      expect((failure as Error).message).toMatch(/EADDRINUSE/);
      expect(await canListen(sandboxPort)).toBe(true);
      expect(await operatorKeysStored(database)).toBe(0);

      // The next start on a free port prints the key: nobody is locked out.
      const hub = await startHub({ ...options, port: 0, sandbox: { kind: 'embedded', port: 0 } });
      cleanups.push(() => hub.close());
      expect(hub.firstOperatorKey).toMatch(/^dk_op_/);
      const answer = await fetch(`${hub.url}/v1/merchants`, { headers: { authorization: `Bearer ${hub.firstOperatorKey}` } });
      expect(answer.status).toBe(200);
    });
  });
}

