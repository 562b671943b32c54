import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { startTestHub, type TestHub } from '../support/hub.js';

/*
 * The README's walk through the money loop is a script (examples/money-loop.sh, curl and jq);
 * this runs it against a hub with real HTTP, so that what the README promises is what happens:
 * each balance after each step, fen for fen, and the trial balance at zero.
 */

const run = promisify(execFile);

let hubs: TestHub[] = [];
afterEach(async () => {
  for (const hub of hubs) await hub.close();
  hubs = [];
});

for (const engine of ENGINES) {
  describe(`examples/money-loop.sh (${engine})`, () => {
    it('collects, settles over a weekend, a make-up day and a holiday, pays out, refunds and presents again, to the fen', async () => {
      const t = await startTestHub(engine);
      hubs.push(t);
      const { stdout } = await run('bash', ['examples/money-loop.sh'], {
        env: { ...process.env, OP: t.operatorKey, DAIKOU_URL: t.hub.url, RUN: 'test' },
        timeout: 120_000,
      });
      const balances = stdout.split('\n').filter((line) => line.startsWith('balances after') || line.startsWith('settled:') || line.startsWith('waiting:'));
      expect(balances).toEqual([
        // 100.00 yuan less the standard plan's 0.20 % (0.20 yuan); the 500.00 yuan debit failed.
        'balances after collecting on Friday: pending=9980 available=0 reserved=0',
        'waiting: the debits of 2024-09-27 (not_yet_due), due on 2024-09-29',
        'balances after Saturday: pending=9980 available=0 reserved=0',
        'settled: 1 debit(s) of 2024-09-27, 9980 fen, on 2024-09-29',
        'balances after the make-up working day: pending=0 available=9980 reserved=0',
        // 500.00 yuan less 1.00 yuan.
        'balances after presenting the failed debit again: pending=49900 available=9980 reserved=0',
        // 50.00 yuan and the 1.00 yuan payout fee.
        'balances after paying 50.00 yuan out (fee 1.00 yuan): pending=49900 available=4880 reserved=0',
        // The first debit was settled: its refund draws on available.
        'balances after refunding 30.00 yuan of the first debit: pending=49900 available=1880 reserved=0',
        'settled: 1 debit(s) of 2024-09-29, 49900 fen, on 2024-09-30',
        // 200.00 yuan less 0.40 yuan.
        'balances after collecting before the holiday: pending=19960 available=51780 reserved=0',
        'waiting: the debits of 2024-09-30 (not_yet_due), due on 2024-10-08',
        'balances after the holiday: pending=19960 available=51780 reserved=0',
        'settled: 1 debit(s) of 2024-09-30, 19960 fen, on 2024-10-08',
        'balances after the first business day after the holiday: pending=0 available=71740 reserved=0',
      ]);
      expect(stdout).toMatch(/^dbt_\w+ failed insufficient_funds$/m);
      // The payer's bank saw the failed debit, its second presentment, the other debits and the refund's credit, each once.
      expect(stdout).toContain("the payer's bank received: ");
      const received = stdout.split('\n').find((line) => line.startsWith("the payer's bank received: "))!.slice("the payer's bank received: ".length).split(', ');
      expect(received.sort()).toEqual(['credit 3000 succeeded', 'debit 10000 succeeded', 'debit 20000 succeeded', 'debit 50000 succeeded', 'debit 50000 insufficient_funds'].sort());
      expect(stdout).toMatch(/^trial balance: total=0$/m);
    });
  });
}
