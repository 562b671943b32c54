import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../logger.js';
import { startHub, type RunningHub } from '../main.js';

/**
 * A silent hub on an empty SQLite database in a temporary directory, with its embedded sandbox and
 * no workers, for tools that need a live server (the served OpenAPI document, the HTTP fuzzer).
 * `close` stops it and removes the directory.
 */
export async function startThrowawayHub(name: string, operatorKey: string | null, options: { consoleDir?: string } = {}): Promise<{ hub: RunningHub; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `daikou-${name}-`));
  const remove = () => fs.rmSync(dataDir, { recursive: true, force: true });
  try {
    const hub = await startHub({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      databaseUrl: null,
      operatorKey,
      masterKey: undefined,
      sandbox: { kind: 'embedded', port: 0 },
      logger: createLogger({ level: 'silent' }),
      runWorkers: false,
      ...(options.consoleDir === undefined ? {} : { consoleDir: options.consoleDir }),
    });
    return {
      hub,
      async close() {
        await hub.close();
        remove();
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}
