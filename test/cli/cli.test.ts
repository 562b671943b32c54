import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

const run = promisify(execFile);

/** The CLI edge: help that a newcomer can follow, one-line errors, non-zero exits. */
async function daikou(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, DAIKOU_DATABASE_URL: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('daikou CLI', () => {
  it.each(['--help', 'start --help', 'sandbox --help', 'migrate --help', 'rules simulate --help', 'batch submit --help'])('daikou %s prints usage and exits 0', async (line) => {
    const result = await daikou(line.split(' '));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: daikou/);
  });

  it.each([
    [['start', '--port', 'eighty'], /port is a whole number/],
    [['frobnicate'], /unknown command/],
    [['rules', 'simulate', '--at', '2018-02-30', '--from', '2017-12-01', '--to', '2017-12-31'], /--at must be a date/],
    [['rules', 'simulate', '--from', '2017-12-01', '--to', '2017-12-31'], /required option '--at/],
    [['start', '--scenario', 'cn-1999'], /unknown scenario "cn-1999"; shipped scenarios: cn-2017/],
  ])('daikou %j is refused on stderr with exit code 2', async (args, message) => {
    const result = await daikou(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('a short DAIKOU_OPERATOR_KEY is refused before anything starts', async () => {
    const result = await daikou(['start', '--port', '0', '--data', '/tmp/daikou-cli-never'], { DAIKOU_OPERATOR_KEY: 'short' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/at least 32 characters/);
  });

  describe('batch submit against a running hub', () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub('sqlite');
    });
    afterAll(async () => t?.close());

    it('uploads, follows progress, prints the counts and writes the result file', async () => {
      const merchant = await createMerchant(t);
      const cards = [cardNumber('622202', 41), cardNumber('622202', 42)];
      for (const card of cards) await createMandate(t, merchant.key, card);
      const file = path.join(t.database.dataDir, 'december.csv');
      fs.writeFileSync(file, `reference,account_number,amount\nD-1,${cards[0]},100\nD-2,${cards[1]},250\nD-3,${cards[1]},abc\n`);
      const report = path.join(t.database.dataDir, 'result.csv');
      const result = await daikou(['batch', 'submit', file, '--url', t.hub.url, '--key', merchant.key, '--report', report, '--allow-failures']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/completed: 3 rows, 2 accepted, 1 rejected, 2 succeeded, 0 failed/);
      const lines = fs.readFileSync(report, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[3]).toMatch(/^3,D-3,,rejected,invalid_amount,/);
      const again = await daikou(['batch', 'submit', file, '--url', t.hub.url, '--key', merchant.key, '--no-wait']);
      expect(again.stdout).toMatch(/This file was sent before/);
    });

    it('a refused file is one line on stderr and exit code 2', async () => {
      const merchant = await createMerchant(t);
      const file = path.join(t.database.dataDir, 'bad.csv');
      fs.writeFileSync(file, 'reference,colour\nX,red\n');
      const result = await daikou(['batch', 'submit', file, '--url', t.hub.url, '--key', merchant.key]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/the file was refused \(400\): .*Unknown column "colour"/);
    });
  });

  describe('rules simulate on a data directory', () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub('sqlite', { scenario: 'cn-2017' });
      await t.call('POST', '/v1/sandbox/clock', { body: { now: '2017-12-06T09:00:00+08:00' } });
      const merchant = await createMerchant(t, { name: '电信', category: 'telecom', settlement_account: { account_number: '440301001', bank_code: 'ICBC', region_code: '440300', holder_name: '电信' } });
      const mandate = await createMandate(t, merchant.key, cardNumber('622202', 31), { signed_at: '2017-01-01' });
      const debit = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandate, amount: 100_000, currency: 'CNY', reference: 'CLI-1' } });
      await eventually(async () => (await t.call('GET', `/v1/debits/${debit.body.id}`, { key: merchant.key })).body.status === 'succeeded');
      await t.hub.close();
    });
    afterAll(async () => t?.database.drop());

    it('prints the cost before and after per merchant, and JSON on request', async () => {
      const table = await daikou(['rules', 'simulate', '--at', '2018-01-01', '--from', '2017-12-01', '--to', '2017-12-31', '--data', t.database.dataDir]);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/TOTAL\s+1\s+1000\.00\s+0\.30\s+0\.50\s+\+0\.20\s+0\s+direct-icbc:1/);
      const json = await daikou(['rules', 'simulate', '--at', '2018-01-01', '--from', '2017-12-01', '--to', '2017-12-31', '--json', '--data', t.database.dataDir]);
      expect(JSON.parse(json.stdout).totals).toMatchObject({ count: 1, cost_before: 30, cost_after: 50 });
    });
  });
});
