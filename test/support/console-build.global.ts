import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The console built once for this run from the sources under test (`inject('consoleDir')`). */
    consoleDir: string;
  }
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Vitest's global setup: builds the console once per run, as `npm run build` does (`vite build
 * console`), into a fresh folder the browser tests and the bundle-size test read. Once, before any
 * test file: Vite refuses a second build of the project while one runs, and the test files run in
 * parallel. In a child process without vitest's NODE_ENV=test, or Vite would build React's
 * development bundle. About 1.5 s.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-console-build-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && !name.startsWith('VITEST')));
  await promisify(execFile)(path.join(ROOT, 'node_modules', '.bin', 'vite'), ['build', 'console', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, env });
  project.provide('consoleDir', outDir);
  return () => fs.rmSync(outDir, { recursive: true, force: true });
}
