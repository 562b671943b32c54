import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/logger.js';
import { startHub } from '../src/main.js';

/**
 * The document a running daikou serves at /openapi.json: a hub is started on an empty SQLite
 * database in a temporary directory (with its sandbox, whose routes are part of the API), asked,
 * and stopped.
 */
export async function servedOpenApiDocument(): Promise<unknown> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-openapi-'));
  const hub = await startHub({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    databaseUrl: null,
    operatorKey: null,
    masterKey: undefined,
    sandbox: { kind: 'embedded', port: 0 },
    logger: createLogger({ level: 'silent' }),
    runWorkers: false,
  });
  try {
    const response = await fetch(`${hub.url}/openapi.json`);
    if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
    return await response.json();
  } finally {
    await hub.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The committed form: two-space JSON and a final newline, so that diffs stay readable. */
export function documentText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
