import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Issue 9, item 4: CSV files in GBK when declared, refused whole (with the byte offset) when they
 * are not valid in the encoding they are read in; reports in UTF-8, with a BOM, or in GB18030.
 */

/** How Excel on a Chinese Windows opens a CSV: a UTF-8 BOM means UTF-8, anything else is CP936/GB18030. */
function readAsChineseWindows(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  return iconv.decode(bytes, 'gb18030');
}

for (const engine of ENGINES) {
  describe(`batch file encodings on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    const card = cardNumber('622202', 6_001);

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
      await createMandate(t, merchant.key, card);
    });
    afterAll(async () => t?.close());

    async function upload(body: Buffer, contentType: string) {
      const response = await fetch(`${t.hub.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${merchant.key}`, 'content-type': contentType }, body });
      return { status: response.status, body: (await response.json()) as any };
    }

    const text = ['reference,account_number,amount_yuan,holder_name,description', `水-1,${card},12.30,张三,水费 2017年12月`, `订单-二,${card},1.234,张三,三位小数`, ''].join('\r\n');
    const gbk = iconv.encode(text, 'gbk');
    /**
     * Where the file stops being UTF-8: 水 (CB AE) happens to be a valid UTF-8 pair, but 张 (D5 C5)
     * is not (C5 cannot follow a lead byte).
     */
    const firstNotUtf8 = gbk.indexOf(iconv.encode('张', 'gbk'));
    let batchId = '';

    it('the same GBK file undeclared is refused whole, with the offset of the first byte that is not UTF-8, and a hint', async () => {
      const refused = await upload(gbk, 'text/csv');
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0]).toMatchObject({ pointer: '/file', code: 'invalid_encoding' });
      expect(refused.body.detail).toContain(`byte ${firstNotUtf8}`);
      expect(refused.body.detail).toContain('charset=gbk');
      expect((await t.call('GET', '/v1/batches', { key: merchant.key })).body.data).toHaveLength(0);
    });

    it('a GBK file declared as GBK is processed with its Chinese text intact', async () => {
      const created = await upload(gbk, 'text/csv; charset=gbk');
      expect(created.status).toBe(202);
      batchId = created.body.id;
      const done = await eventually(async () => {
        const { body } = await t.call('GET', `/v1/batches/${batchId}`, { key: merchant.key });
        // Settled too, so that the reports fetched next all show the same status.
        return body.status !== 'processing' && body.counts.succeeded + body.counts.failed === body.counts.accepted ? body : null;
      });
      expect(done).toMatchObject({ status: 'completed', counts: { rows: 2, accepted: 1, rejected: 1 } });
      const debits = (await t.call('GET', '/v1/debits?limit=10', { key: merchant.key })).body.data;
      expect(debits.find((d: { reference: string }) => d.reference === '水-1')).toMatchObject({ amount: 1_230, description: '水费 2017年12月' });
    });

    it('a report fetched with ?bom=true or ?encoding=gb18030 reads correctly as a Chinese Windows reader would', async () => {
      const fetchReport = async (query: string) => {
        const response = await fetch(`${t.hub.url}/v1/batches/${batchId}/report${query}`, { headers: { authorization: `Bearer ${merchant.key}` } });
        expect(response.status).toBe(200);
        return { type: response.headers.get('content-type') ?? '', bytes: Buffer.from(await response.arrayBuffer()) };
      };
      const plain = await fetchReport('');
      expect(plain.type).toMatch(/charset=utf-8/);
      expect(plain.bytes.subarray(0, 3).toString('hex')).not.toBe('efbbbf');
      expect(plain.bytes.toString('utf8')).toContain('订单-二');

      const bom = await fetchReport('?bom=true');
      expect(bom.bytes.subarray(0, 3).toString('hex')).toBe('efbbbf');
      expect(readAsChineseWindows(bom.bytes)).toBe(plain.bytes.toString('utf8'));

      const gb = await fetchReport('?encoding=gb18030');
      expect(gb.type).toMatch(/charset=gb18030/);
      expect(isUtf8(gb.bytes)).toBe(false);
      expect(readAsChineseWindows(gb.bytes)).toBe(plain.bytes.toString('utf8'));
      expect(readAsChineseWindows(gb.bytes)).toContain('订单-二');
    });

    it('a declared GBK file that breaks part-way fails with the offset of the row in the file as sent, not in its UTF-8 text', async () => {
      const head = iconv.encode(`reference,mandate_id,amount,description\n中-1,mdt_x,1,中文说明\n`, 'gbk');
      const file = Buffer.concat([head, iconv.encode('中-2,mdt_x,1,坏"引号\n', 'gbk')]);
      const created = await upload(file, 'text/csv; charset=gbk');
      expect(created.status).toBe(202);
      const failed = await eventually(async () => {
        const { body } = await t.call('GET', `/v1/batches/${created.body.id}`, { key: merchant.key });
        return body.status !== 'processing' ? body : null;
      });
      expect(failed).toMatchObject({ status: 'failed', counts: { rows: 1 } });
      expect(failed.error).toMatchObject({ code: 'invalid_csv', row: 2, line: 3, byte_offset: head.length });
    });

    it('an unknown report encoding is a 400', async () => {
      const response = await fetch(`${t.hub.url}/v1/batches/${batchId}/report?encoding=latin1`, { headers: { authorization: `Bearer ${merchant.key}` } });
      expect(response.status).toBe(400);
    });

    it.each([
      ['a GBK lead byte followed by a byte no GBK character has', Buffer.from([0x81, 0x20]), 'text/csv; charset=gbk'],
      ['a lone byte 0xFF', Buffer.from([0xff]), 'text/csv; charset=GBK'],
      ['a GB18030 four-byte sequence past U+10FFFF', Buffer.from([0xe4, 0x30, 0x81, 0x30]), 'text/csv; charset=gb18030'],
      ['a file cut in the middle of a character', Buffer.from([0xd6]), 'text/csv; charset=gbk'],
    ])('a declared GBK/GB18030 file with %s is refused whole, with its offset', async (_name, bad, type) => {
      const head = iconv.encode(`reference,mandate_id,amount\n坏-1,mdt_x,1\n坏-`, 'gbk');
      const file = Buffer.concat([head, bad, Buffer.from(',mdt_x,1\n')]);
      const cut = bad.length === 1 && bad[0] === 0xd6;
      const refused = await upload(cut ? Buffer.concat([head, bad]) : file, type);
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0]).toMatchObject({ pointer: '/file', code: 'invalid_encoding' });
      expect(refused.body.detail).toContain(`byte ${head.length}`);
    });

    it('a charset daikou does not read is refused, as is XML declared in another charset than UTF-8', async () => {
      const latin = await upload(Buffer.from('reference,mandate_id,amount\nL-1,mdt_x,1\n'), 'text/csv; charset=latin1');
      expect(latin.status).toBe(400);
      expect(latin.body.errors[0]).toMatchObject({ pointer: '/file', code: 'unsupported_charset' });
      const xml = await upload(Buffer.from('<?xml version="1.0"?><Document/>'), 'application/xml; charset=gbk');
      expect(xml.status).toBe(400);
      expect(xml.body.errors[0]).toMatchObject({ pointer: '/file', code: 'unsupported_charset' });
    });

    it('an undeclared file that is not UTF-8 is refused at upload; a declared UTF-8 one with a BOM is taken', async () => {
      const refused = await upload(Buffer.concat([Buffer.from('reference,mandate_id,amount\nA,mdt_x,1\nB'), Buffer.from([0xff]), Buffer.from(',mdt_x,1\n')]), 'text/csv');
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toContain('byte 39');
      const taken = await upload(Buffer.from('\uFEFFreference,mandate_id,amount\nU-1,mdt_x,1\n'), 'text/csv; charset=utf-8');
      expect(taken.status).toBe(202);
    });
  });
}
