import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';

const run = promisify(execFile);

async function daikou(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, DAIKOU_DATABASE_URL: '', DAIKOU_DATA: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

const WINDOW = ['--at', '2018-01-01', '--from', '2017-12-01', '--to', '2017-12-31'];
const RULE = { id: 'no-ccb', title: 'No CCB', source: 'test', applies_to: { channels: ['direct-ccb'] }, deny: { 'payer.bank': ['CCB'] } };

/** `daikou rules simulate` and POST /v1/rules/simulate refuse what they cannot simulate, naming the field. */
describe('rules simulate refusals', () => {
  let t: TestHub;
  let closed = false;
  beforeAll(async () => {
    t = await startTestHub('sqlite', { scenario: 'cn-2017' });
  });
  afterAll(async () => {
    if (!closed) await t?.hub.close();
    await t?.database.drop();
  });

  it.each([
    ['an unknown rule id to remove', { remove_rules: ['pboc-110', 'no-such-rule'] }, '/remove_rules/1', 'unknown_rule'],
    ['a proposed rule on an unknown channel', { add_rules: [{ ...RULE, applies_to: { channels: ['direct-ccb', 'no-such-channel'] } }] }, '/add_rules/0/applies_to/channels/1', 'unknown_channel'],
  ])('the API refuses %s with a pointer', async (_name, change, pointer, code) => {
    const answer = await t.call('POST', '/v1/rules/simulate', { body: { at: '2018-01-01', window: { from: '2017-12-01', to: '2017-12-31' }, ...change } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ pointer, code })]);
  });

  describe('from the CLI', () => {
    let dir: string;
    beforeAll(async () => {
      await t.hub.close();
      closed = true;
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-simulate-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const rules = (name: string, value: unknown) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, JSON.stringify(value));
      return file;
    };

    it('a --data directory that does not exist is refused, and not created', async () => {
      const missing = path.join(dir, 'no-such-data');
      const result = await daikou(['rules', 'simulate', ...WINDOW, '--data', missing]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--data .*no-such-data: no such directory/);
      expect(fs.existsSync(missing)).toBe(false);
    });

    it.each([
      ['an unknown rule id in --remove', () => ['--remove', 'pboc-110,no-such-rule'], /--remove no-such-rule: No rule no-such-rule exists/],
      ['a proposed rule on an unknown channel', () => ['--add', rules('unknown-channel.json', { ...RULE, applies_to: { channels: ['no-such-channel'] } })], /--add .*unknown-channel\.json: rule 0 \/applies_to\/channels\/0: No channel no-such-channel exists/],
      ['a rule without applies_to', () => ['--add', rules('no-applies-to.json', [RULE, { id: 'x', title: 'x', source: 'x', deny: {} }])], /--add .*no-applies-to\.json: rule 1 \/applies_to: /],
      ['a condition of the wrong type', () => ['--add', rules('bad-amount.json', { ...RULE, deny: { amount: { min: 'a' } } })], /--add .*bad-amount\.json: rule 0 \/deny\/amount\/min: /],
      ['a file that is not JSON', () => {
        fs.writeFileSync(path.join(dir, 'not-json.json'), '{ nope');
        return ['--add', path.join(dir, 'not-json.json')];
      }, /--add .*not-json\.json: not JSON/],
      ['a window that ends before it starts', () => ['--to', '2017-11-30'], /--to: window\.to is before window\.from/],
    ])('%s is refused with exit code 2, naming the field', async (_name, extra, message) => {
      const result = await daikou(['rules', 'simulate', ...WINDOW, '--data', t.database.dataDir, ...extra()]);
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(2);
    });

    it('a valid change still simulates', async () => {
      const result = await daikou(['rules', 'simulate', ...WINDOW, '--data', t.database.dataDir, '--remove', 'pboc-110', '--add', rules('good.json', RULE), '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).totals).toMatchObject({ count: 0 });
    });
  });
});
