import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/** SPEC §11 for CSV: bad rows are refused one by one, the rest go on; results come back as a file. */
for (const engine of ENGINES) {
  describe(`CSV batches on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    const cards = [cardNumber('622202', 9_001), cardNumber('622202', 9_002), cardNumber('621700', 9_003)];
    let mandates: string[] = [];

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
      mandates = [];
      for (const card of cards) mandates.push(await createMandate(t, merchant.key, card, { limits: { per_debit_max: 500_000 } }));
      await t.call('PUT', `/v1/sandbox/accounts/${cards[2]}`, { body: { balance: 100 } });
    });
    afterAll(async () => t?.close());

    async function upload(body: string, contentType = 'text/csv') {
      const response = await fetch(`${t.hub.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${merchant.key}`, 'content-type': contentType }, body });
      return { status: response.status, body: (await response.json()) as any };
    }

    const file = () =>
      [
        '\uFEFFreference,account_number,amount_yuan,holder_name,description',
        `B-1,${cards[0]},12.30,张三,water 2017-12`,
        `B-2,${cards[1]},0.07,,`,
        `B-3,${cards[2]},100.00,,too poor`,
        `B-4,${cards[0]},12.345,,three decimals`,
        `B-5,${cards[0]},-1,,negative`,
        `B-6,${cardNumber('622202', 9_999)},1.00,,no mandate`,
        `B-1,${cards[1]},1.00,,reference again`,
        `,${cards[1]},1.00,,no reference`,
        `B-9,${cards[1]},9999.99,,over the mandate limit`,
        `B-10,${cards[1]},1.00,李四,wrong name`,
        '',
      ].join('\r\n');

    it('processes every row: good ones become debits, bad ones are refused with row, column and reason', async () => {
      const created = await upload(file());
      expect(created.status).toBe(202);
      expect(created.body).toMatchObject({ object: 'batch', status: 'processing', format: 'csv' });
      const done = await eventually(async () => {
        const { body } = await t.call('GET', `/v1/batches/${created.body.id}`, { key: merchant.key });
        return body.status === 'completed' && body.counts.succeeded + body.counts.failed === body.counts.accepted ? body : null;
      });
      expect(done.counts).toEqual({ rows: 10, accepted: 3, rejected: 7, succeeded: 2, failed: 1 });

      const report = await fetch(`${t.hub.url}/v1/batches/${created.body.id}/report`, { headers: { authorization: `Bearer ${merchant.key}` } });
      expect(report.headers.get('content-type')).toMatch(/text\/csv/);
      const text = (await report.text()).replace(/dbt_[0-9a-f]{32}/g, 'dbt_…');
      if (process.env.UPDATE_GOLDEN) fs.writeFileSync(new URL('../golden/batch-report.csv', import.meta.url), text);
      expect(text).toBe(fs.readFileSync(new URL('../golden/batch-report.csv', import.meta.url), 'utf8'));

      const debits = (await t.call('GET', '/v1/debits?limit=100', { key: merchant.key })).body.data;
      expect(debits.find((d: { reference: string }) => d.reference === 'B-1').amount).toBe(1_230);
      expect(debits.find((d: { reference: string }) => d.reference === 'B-2').amount).toBe(7);
    });

    it('the same file again is the same batch', async () => {
      const first = await upload(file());
      expect(first.status).toBe(200);
      const batches = (await t.call('GET', '/v1/batches', { key: merchant.key })).body.data;
      expect(batches).toHaveLength(1);
      expect(first.body.id).toBe(batches[0].id);
    });

    it('concurrent uploads of one new file make one batch: one 202, the others 200 with its id', async () => {
      const body = ['reference,account_number,amount_yuan', `RACE-1,${cards[0]},1.00`, ''].join('\r\n');
      const answers = await Promise.all(Array.from({ length: 4 }, () => upload(body)));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 202]);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    });

    it.each([
      ['an unknown column', 'reference,account_number,amount,colour\nX,1,1,red\n', /Unknown column "colour"/],
      ['no amount column', 'reference,account_number\nX,1\n', /exactly one of "amount"/],
      ['both amount columns', 'reference,mandate_id,amount,amount_yuan\nX,m,1,1\n', /exactly one of "amount"/],
      ['no reference column', 'mandate_id,amount\nm,1\n', /no "reference" column/],
      ['an empty file', '', /empty/],
    ])('a file with %s is refused whole with a 400', async (_name, body, message) => {
      const response = await upload(body);
      expect(response.status).toBe(400);
      expect(response.body.errors[0]).toMatchObject({ pointer: '/file' });
      expect(response.body.detail).toMatch(message);
    });

    it('XML sent as CSV, or a file of another type, is refused whole', async () => {
      const asCsv = await upload('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"/>');
      expect(asCsv.status).toBe(400);
      expect(asCsv.body.detail).toMatch(/looks like XML: send it as application\/xml/);
      const json = await upload('{"reference":"X"}', 'application/json');
      expect(json.status).toBe(415);
      expect(json.body.type).toMatch(/unsupported_media_type$/);
    });

    it('another merchant cannot see the batch', async () => {
      const other = await createMerchant(t, { name: '其他', category: 'other', settlement_account: { account_number: '110100998877', bank_code: 'BOC', region_code: '110000', holder_name: '其他' } });
      const batches = (await t.call('GET', '/v1/batches', { key: merchant.key })).body.data;
      expect((await t.call('GET', `/v1/batches/${batches[0].id}`, { key: other.key })).status).toBe(404);
      expect(mandates).toHaveLength(3);
    });
  });
}
