import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardNumber, createMandate, createMerchant, startTestHub, type TestHub } from '../support/hub.js';
import { daikou } from '../support/cli.js';

function pain008(transactions: { e2e: string; account: string; amount: string }[]): string {
  const tx = transactions
    .map((t) => `<DrctDbtTxInf><PmtId><EndToEndId>${t.e2e}</EndToEndId></PmtId><InstdAmt Ccy="CNY">${t.amount}</InstdAmt><DbtrAcct><Id><Othr><Id>${t.account}</Id></Othr></Id></DbtrAcct></DrctDbtTxInf>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"><CstmrDrctDbtInitn>
<GrpHdr><MsgId>CLI-XML</MsgId><CreDtTm>2026-11-01T09:00:00+08:00</CreDtTm><NbOfTxs>${transactions.length}</NbOfTxs></GrpHdr>
<PmtInf><PmtInfId>CLI-XML-A</PmtInfId><PmtMtd>DD</PmtMtd>
${tx}
</PmtInf></CstmrDrctDbtInitn></Document>
`;
}

/** `daikou batch submit` (SPEC §11): what a biller's script relies on — exit codes, the result file, progress. */
describe('daikou batch submit', () => {
  let t: TestHub;
  let merchant: { id: string; key: string };
  const cards = [cardNumber('622202', 9_101), cardNumber('622202', 9_102), cardNumber('622202', 9_103)];

  beforeAll(async () => {
    t = await startTestHub('sqlite');
    merchant = await createMerchant(t);
    for (const card of cards) await createMandate(t, merchant.key, card);
    await t.call('PUT', `/v1/sandbox/accounts/${cards[2]}`, { body: { status: 'frozen' } });
  });
  afterAll(async () => t?.close());

  const file = (name: string, text: string) => {
    const written = path.join(t.database.dataDir, name);
    fs.writeFileSync(written, text);
    return written;
  };
  const submit = (args: string[]) => daikou(['batch', 'submit', ...args, '--url', t.hub.url, '--key', merchant.key]);

  it('exits 0 when every row succeeded', async () => {
    const result = await submit([file('good.csv', `reference,account_number,amount\nG-1,${cards[0]},100\n`)]);
    expect(result.stdout).toMatch(/completed: 1 rows, 1 accepted, 0 rejected, 1 succeeded, 0 failed/);
    expect(result.code).toBe(0);
  });

  it('exits 1 when a row was rejected or a debit failed, and says so; --allow-failures exits 0', async () => {
    const csv = file('mixed.csv', `reference,account_number,amount\nM-1,${cards[0]},100\nM-2,${cards[2]},100\nM-3,${cards[1]},abc\n`);
    const strict = await submit([csv]);
    expect(strict.stdout).toMatch(/completed: 3 rows, 2 accepted, 1 rejected, 1 succeeded, 1 failed/);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/1 row rejected and 1 debit failed/);
    const allowed = await submit([csv, '--allow-failures']);
    expect(allowed.stdout).toMatch(/This file was sent before/);
    expect(allowed.code).toBe(0);
  });

  it.each([
    ['a directory that does not exist', (dir: string) => path.join(dir, 'no-such-dir', 'result.csv'), /--report .*no-such-dir.*: no such directory/],
    ['a directory', (dir: string) => dir, /--report .*: is a directory/],
  ])('--report naming %s is refused before anything is uploaded (exit 2)', async (_name, report, message) => {
    const other = await createMerchant(t);
    const csv = file(`report-${other.id}.csv`, `reference,account_number,amount\nR-1,${cards[0]},100\n`);
    const result = await daikou(['batch', 'submit', csv, '--url', t.hub.url, '--key', other.key, '--report', report(t.database.dataDir)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect((await t.call('GET', '/v1/batches', { key: other.key })).body.data).toEqual([]);
  });

  it('shows the progress of an XML file against its number of transactions', async () => {
    const xml = file('december.xml', pain008([
      { e2e: 'X-1', account: cards[0]!, amount: '1.00' },
      { e2e: 'X-2', account: cards[1]!, amount: '2.00' },
      { e2e: 'X-3', account: cards[1]!, amount: '3.00' },
    ]));
    const result = await submit([xml]);
    expect(result.code).toBe(0);
    const progress = result.stdout.split('\n').filter((line) => / rows/.test(line) && line.startsWith('['));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(/ \d\/3 rows/);
  });
});
