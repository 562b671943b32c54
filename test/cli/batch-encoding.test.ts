import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardNumber, createMandate, createMerchant, startTestHub, type TestHub } from '../support/hub.js';
import { daikou } from '../support/cli.js';

/** Issue 9, item 4 at the CLI: `--encoding gbk` declares a GBK file; undeclared, it is refused with the offset and a hint. */
describe('daikou batch submit --encoding', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub('sqlite');
  });
  afterAll(async () => t?.close());

  it('a GBK file is refused undeclared, and taken with --encoding gbk', async () => {
    const merchant = await createMerchant(t);
    const card = cardNumber('622202', 43);
    await createMandate(t, merchant.key, card);
    const file = path.join(t.database.dataDir, '十二月.csv');
    fs.writeFileSync(file, iconv.encode(`reference,account_number,amount,holder_name,description\nG-1,${card},100,张三,水费\n`, 'gbk'));
    const refused = await daikou(['batch', 'submit', file, '--url', t.hub.url, '--key', merchant.key]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not valid UTF-8 at byte \d+.*--encoding gbk/);
    const taken = await daikou(['batch', 'submit', file, '--url', t.hub.url, '--key', merchant.key, '--encoding', 'gbk']);
    expect(taken.stdout).toMatch(/completed: 1 rows, 1 accepted/);
    const debits = (await t.call('GET', '/v1/debits', { key: merchant.key })).body.data;
    expect(debits[0]).toMatchObject({ reference: 'G-1', description: '水费' });
    const wrong = await daikou(['batch', 'submit', file, '--url', t.hub.url, '--key', merchant.key, '--encoding', 'latin1']);
    expect(wrong.code).toBe(2);
  });
});
