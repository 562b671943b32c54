import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** `daikou bench` at its edge: usage and refusals only; the benchmark itself is never run in tests. */
async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DAIKOU_BENCH_DATABASE_URL: '', DAIKOU_TEST_DATABASE_URL: '' };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('daikou bench', () => {
  it('prints usage with its options', async () => {
    const result = await bench(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: daikou bench/);
    for (const option of ['--rows', '--engine', '--format', '--api-debits', '--clients', '--payout-rows', '--database-url']) expect(result.stdout).toContain(option);
  });

  it.each([
    // arguments, refusal on stderr
    [['--engine', 'postgres'], /--engine postgres needs a PostgreSQL URL/],
    [['--engine', 'mysql'], /argument 'mysql' is invalid/],
    [['--format', 'pain.001'], /argument 'pain.001' is invalid/],
    [['--rows', '0'], /at least 1/],
    [['--api-debits', '-1'], /whole number/],
    [['--payout-rows', '-1'], /whole number/],
    [['--engine', 'sqlite', '--database-url', 'mysql://x'], /must be a postgres:\/\/ URL/],
  ])('refuses %j with exit code 2', async (args, message) => {
    const result = await bench(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
