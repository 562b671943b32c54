import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startHub, type RunningHub } from '../../src/main.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { LogCapture } from '../support/hub.js';

const run = promisify(execFile);

async function daikou(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, DAIKOU_DATABASE_URL: '', DAIKOU_OPERATOR_KEY: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

async function status(hub: RunningHub, key: string): Promise<number> {
  return (await fetch(`${hub.url}/v1/merchants`, { headers: { authorization: `Bearer ${key}` } })).status;
}

it('daikou operator-key rotate --help prints usage', async () => {
  const result = await daikou(['operator-key', 'rotate', '--help']);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/Usage: daikou operator-key rotate/);
});

it('refuses a data directory without a database rather than create one', async () => {
  const result = await daikou(['operator-key', 'rotate', '--data', '/tmp/daikou-no-such-data-dir']);
  expect(result.code).toBe(2);
  expect(result.stderr).toBe('daikou: no daikou database in /tmp/daikou-no-such-data-dir; pass the --data directory daikou start uses, or set DAIKOU_DATABASE_URL.\n');
});

for (const engine of ENGINES) {
  describe(`daikou operator-key rotate (${engine})`, () => {
    let database: TestDatabase;
    let hub: RunningHub;
    beforeAll(async () => {
      database = await freshDatabase(engine);
      hub = await startHub({
        dataDir: database.dataDir,
        host: '127.0.0.1',
        port: 0,
        databaseUrl: database.databaseUrl,
        operatorKey: null,
        masterKey: undefined,
        sandbox: { kind: 'embedded', port: 0 },
        logger: createLogger({ destination: new LogCapture() }),
        runWorkers: false,
      });
    });
    afterAll(async () => {
      await hub?.close();
      await database?.drop();
    });

    it('prints a new operator key once and revokes the old: the running hub refuses the old at once', async () => {
      const first = hub.firstOperatorKey!;
      expect(await status(hub, first)).toBe(200);
      const env = { DAIKOU_DATABASE_URL: database.databaseUrl ?? '' };
      const rotated = await daikou(['operator-key', 'rotate', '--data', database.dataDir], env);
      expect(rotated.code).toBe(0);
      const second = /Operator key \(shown once, keep it\): (dk_op_\S+)/.exec(rotated.stdout)?.[1];
      expect(second).toBeDefined();
      expect(rotated.stdout).toMatch(/revoked 1 earlier operator key/);
      expect(await status(hub, first)).toBe(401);
      expect(await status(hub, second!)).toBe(200);

      const again = await daikou(['operator-key', 'rotate', '--data', database.dataDir], env);
      const third = /Operator key \(shown once, keep it\): (dk_op_\S+)/.exec(again.stdout)?.[1];
      expect(third).toBeDefined();
      expect(third).not.toBe(second);
      expect(await status(hub, second!)).toBe(401);
      expect(await status(hub, third!)).toBe(200);
    });
  });
}
