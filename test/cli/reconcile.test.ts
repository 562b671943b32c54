import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub.js';
import { daikou } from '../support/cli.js';
import { statementCsv } from '../support/reconciliation-seed.js';

/** `daikou reconcile` (SPEC §15): upload a statement to a running hub, progress, the summary and the exit code. */
describe('daikou reconcile', () => {
  let t: TestHub;
  let channel: string;

  beforeAll(async () => {
    t = await startTestHub('sqlite', { runWorkers: false });
    channel = (await t.call('GET', '/v1/channels')).body.data[0].id as string;
  });
  afterAll(async () => t?.close());

  it('uploads a file, prints progress and the counts, and exits 1 when there are exceptions', async () => {
    const file = path.join(t.database.dataDir, 'statement.csv');
    fs.writeFileSync(file, statementCsv(channel, '2024-09-30', [{ channel_reference: null, end_to_end_id: 'dbt_nobody', direction: 'debit', amount: 300, status: 'succeeded', settled_at: null }]));
    const result = await daikou(['reconcile', '--channel', channel, '--date', '2024-09-30', file, '--url', t.hub.url, '--key', t.operatorKey]);
    expect(result.stdout).toMatch(/uploaded \d+ of \d+ bytes \(100%\)/);
    expect(result.stdout).toContain('1 lines: 0 matched, 1 missing in daikou, 0 amount mismatches, 0 status mismatches, 0 duplicates; 0 missing in the statement');
    expect(result.stdout).toContain('statement: debit 1 (300 fen succeeded), credit 0 (0 fen succeeded)');
    expect(result.stderr).toContain('exceptions to resolve');
    expect(result.code).toBe(1);
  });

  it('exits 0 on a statement that matches; 2 on a bad date', async () => {
    const file = path.join(t.database.dataDir, 'empty.csv');
    fs.writeFileSync(file, statementCsv(channel, '2024-09-29', []));
    const clean = await daikou(['reconcile', '--channel', channel, '--date', '2024-09-29', file, '--url', t.hub.url, '--key', t.operatorKey]);
    expect(clean.stdout).toMatch(/reconciliation rcn_\S+: \S+ 2024-09-29, completed/);
    expect(clean.code).toBe(0);
    const bad = await daikou(['reconcile', '--channel', channel, '--date', '30/09/2024', file, '--url', t.hub.url, '--key', t.operatorKey]);
    expect(bad.code).toBe(2);
  });
});
