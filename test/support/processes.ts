import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';

/*
 * daikou processes for the crash tests: the CLI run as a child (the sandbox, hubs), each found
 * ready by the line it prints, and the API called as a client would.
 */
export const OPERATOR_KEY = 'crash-test-operator-key-0123456789abcdef';
export const SANDBOX_TOKEN = 'crash-test-sandbox-token';
/** One master key for every process of a test file: they share the personal data sealed at rest. */
export const MASTER_KEY = crypto.randomBytes(32).toString('hex');
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

export interface Proc {
  child: ChildProcess;
  url: string;
}

/** Starts `daikou ARGS`; resolves with the URL the first match of `pattern` captures in its output. */
export function launch(args: string[], env: Record<string, string>, pattern: RegExp): Promise<Proc> {
  const child = spawn(process.execPath, [...CLI, ...args], {
    env: { ...process.env, DAIKOU_LOG_LEVEL: 'warn', DAIKOU_MASTER_KEY: MASTER_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

export async function call(url: string, method: string, path: string, body?: unknown, key = OPERATOR_KEY, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as any };
}
