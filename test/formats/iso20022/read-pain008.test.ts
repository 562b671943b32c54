import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pain008ReadError, readPain008, readPain008GroupHeader, type Pain008Record } from '../../../src/formats/iso20022/index.js';

const GOLDEN = path.join(import.meta.dirname, '../../golden/iso20022/pain008-sample.xml');
const goldenBytes = fs.readFileSync(GOLDEN);

async function collect(input: AsyncIterable<Buffer | string> | NodeJS.ReadableStream): Promise<{ records: Pain008Record[]; error: unknown }> {
  const records: Pain008Record[] = [];
  try {
    for await (const record of readPain008(input)) records.push(record);
    return { records, error: null };
  } catch (error) {
    return { records, error };
  }
}

async function* chunks<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

const NS = 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02';
/** A transaction with an account number in it, on one line, so that positions are easy to count. */
const TX = '<DrctDbtTxInf><PmtId><EndToEndId>E1</EndToEndId></PmtId><InstdAmt Ccy="CNY">1.00</InstdAmt><DbtrAcct><Id><Othr><Id>6222021234567890123</Id></Othr></Id></DbtrAcct></DrctDbtTxInf>';
const doc = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="${NS}">\n<CstmrDrctDbtInitn>\n<PmtInf>\n${body}\n</PmtInf>\n</CstmrDrctDbtInitn>\n</Document>\n`;

describe('readPain008 on the golden sample', () => {
  const expected: Pain008Record[] = [
    // row, then the record as the batch sees it
    { row: 1, record: { reference: 'WY202403-0001', mandate_ref: 'AGR-2023-00017', account_number: '6222021234567890123', amount_yuan: '12.30', currency: 'CNY', holder_name: '张三', description: '2024年3月物业费' } },
    { row: 2, record: { reference: 'WY202403-0002', mandate_ref: 'AGR-2023-00018', account_number: '6228480010987654321', amount_yuan: '0.07', currency: 'CNY', holder_name: '欧阳 娜娜', description: '水费 & 电费 <尾差调整>' } },
    { row: 3, record: { reference: 'WY202403-0003', mandate_ref: 'mdt_01HQ4Z8K3V7N2B5C6D7E8F9G0H', account_number: '6217000010076543210', amount_yuan: '33.00', currency: 'CNY', holder_name: '王小明', description: '车位管理费 <B2-117>' } },
    { row: 4, record: { reference: 'WY202403-0004', mandate_ref: 'AGR-2024-00002', account_number: '6214830212345678', amount_yuan: '1300', currency: 'CNY', holder_name: '李四', description: '2024年度停车费 （一次性）' } },
    { row: 5, record: { reference: 'WY202403-0005', mandate_ref: 'AGR-2024-00003', account_number: '6214830298765432', amount_yuan: '0.60', currency: 'USD', holder_name: 'Zhao Liu', description: undefined } },
  ];

  it('yields every transaction, record by record, across PmtInf blocks', async () => {
    const { records, error } = await collect(fs.createReadStream(GOLDEN, { highWaterMark: 256 }));
    expect(error).toBeNull();
    expect(records).toHaveLength(expected.length);
    for (const [index, record] of records.entries()) {
      expect(record).toStrictEqual(expected[index]);
    }
  });

  it('has every field as a key, a missing element as undefined', async () => {
    const { records } = await collect(chunks([goldenBytes]));
    expect(Object.keys(records[2]!.record).sort()).toEqual(['account_number', 'amount_yuan', 'currency', 'description', 'holder_name', 'mandate_ref', 'reference']);
    expect('account_number' in records[2]!.record).toBe(true);
  });

  it('yields the same records however the bytes are cut, even inside a character', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: goldenBytes.length - 1 }), { maxLength: 40 }), async (cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), goldenBytes.length];
        const pieces = bounds.slice(1).map((end, index) => goldenBytes.subarray(bounds[index], end));
        const { records, error } = await collect(chunks(pieces));
        expect(error).toBeNull();
        expect(records).toStrictEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('takes text chunks as well as bytes, with a byte-order mark', async () => {
    const text = `\uFEFF${goldenBytes.toString('utf8')}`;
    const { records, error } = await collect(chunks([text.slice(0, 1000), text.slice(1000)]));
    expect(error).toBeNull();
    expect(records).toStrictEqual(expected);
  });

  it('reads the group header from the head of the file', () => {
    expect(readPain008GroupHeader(goldenBytes.subarray(0, 4096).toString('utf8'))).toStrictEqual({
      messageName: 'pain.008.001.02',
      messageId: 'WYGL-20240301-0001',
      createdAt: '2024-03-01T09:30:00+08:00',
      numberOfTransactions: '5',
      controlSum: '1345.97',
    });
  });

  it.each([
    // what the head is, then the answer
    ['cut before </GrpHdr>', goldenBytes.subarray(0, 200).toString('utf8'), null],
    ['a pain.001', `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr><MsgId>X</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>`, null],
    ['no GrpHdr first', `<Document xmlns="${NS}"><CstmrDrctDbtInitn><PmtInf><PmtInfId>X</PmtInfId></PmtInf></CstmrDrctDbtInitn></Document>`, null],
    ['CSV', 'reference,amount\nA,100\n', null],
  ])('reads no group header from %s', (_name, head, expected) => {
    expect(readPain008GroupHeader(head)).toBe(expected);
  });
});

describe('readPain008 on broken files', () => {
  it.each([
    // name, file, records before the error, line, column (where the parser noticed), what the message says
    ['a mismatched close tag', doc(`${TX}\n${TX.replace('</Othr>', '</Othr6222021234567890123>')}`), 1, 6, 166, 'not well-formed XML (unexpected close tag)'],
    ['an unclosed tag at the end', doc(TX).replace('</Document>\n', ''), 1, 8, 1, 'not well-formed XML'],
    ['an undefined entity', doc(TX.replace('E1', '&nbsp;6222021234567890123')), 0, 5, 40, 'not well-formed XML (undefined entity'],
    ['a bare ampersand', doc(`${TX}\n${TX.replace('E1', 'A & B')}\n${TX.replace('E1', 'C &amp; D')}`), 1, 6, 36, 'this "&" begins no entity reference'],
    ['a bare ampersand at the end', doc(TX.replace('E1', 'A & B')), 0, 5, 36, 'this "&" begins no entity reference'],
    ['an empty file', '', 0, 1, 1, 'document must contain a root element'],
    ['a CSV file', 'reference,account_number,amount\nA,6222021234567890123,100\n', 0, 3, 1, 'text data outside of root node'],
    ['a DOCTYPE', `<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY a "6222021234567890123">]>\n${doc(TX).split('\n').slice(1).join('\n')}`, 0, 2, 56, 'DOCTYPE'],
    ['another encoding', doc(TX).replace('UTF-8', 'GB18030'), 0, 1, 41, 'GB18030'],
  ])('%s: an error naming line and column, no account number', async (_name, xml, recordsBefore, line, column, says) => {
    const { records, error } = await collect(chunks([Buffer.from(xml, 'utf8')]));
    expect(records).toHaveLength(recordsBefore);
    expect(error).toBeInstanceOf(Pain008ReadError);
    const failure = error as Pain008ReadError;
    expect([failure.line, failure.column]).toEqual([line, column]);
    expect(failure.message).toContain(`line ${line}, column ${column}`);
    expect(failure.message).toContain(says);
    expect(failure.message).not.toMatch(/\d{6,}/);
  });

  it('reports a bare "&" where it stands however the file is cut, even with a ";" further on', async () => {
    const xml = Buffer.from(doc(`${TX}\n${TX.replace('E1', '物业A&B')}\n${TX.replace('E1', 'C &amp; D')}`), 'utf8');
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: xml.length - 1 }), { maxLength: 30 }), async (cuts) => {
        const bounds = [0, ...cuts.sort((a, b) => a - b), xml.length];
        const { records, error } = await collect(chunks(bounds.slice(1).map((end, index) => xml.subarray(bounds[index], end))));
        expect(records).toHaveLength(1);
        expect([(error as Pain008ReadError).line, (error as Pain008ReadError).column]).toEqual([6, 37]);
      }),
      { numRuns: 100 },
    );
  });

  it('takes a bare "&" in a CDATA section, a comment or a processing instruction', async () => {
    const body = TX.replace('E1', '<![CDATA[A & B; & C]]>').replace('<PmtId>', '<!-- A & B --><?note x & y?><PmtId>');
    const { records, error } = await collect(chunks([doc(body)]));
    expect(error).toBeNull();
    expect(records[0]!.record.reference).toBe('A & B; & C');
  });

  it('refuses a comment left open before holding the rest of the file, naming where it began', async () => {
    async function* source(): AsyncGenerator<string> {
      yield doc('').split('</PmtInf>')[0]!;
      yield `${TX}\n<!-- left open\n`;
      // 4 MiB more, never read whole: the reader must give up after about 64 KiB.
      for (let i = 0; i < 4 * 1024; i += 1) yield `${'x'.repeat(1023)}\n`;
    }
    const { records, error } = await collect(source());
    expect(records).toHaveLength(1);
    expect(error).toBeInstanceOf(Pain008ReadError);
    expect((error as Error).message).toContain('at line 6, column 178: no element opens or closes in the 64 KiB after this point');
  });

  it('refuses bytes that are not UTF-8, after the rows before them', async () => {
    const [before, after] = doc(`${TX}\n${TX.replace('E1', 'E2@')}`).split('@') as [string, string];
    const { records, error } = await collect(chunks([Buffer.from(before), Buffer.from([0xb3, 0xc2, 0xff]), Buffer.from(after)]));
    expect(records.map((record) => record.row)).toEqual([1]);
    expect(error).toBeInstanceOf(Pain008ReadError);
    expect((error as Error).message).toMatch(/^The pain\.008 file cannot be read at line 6, column \d+: it is not valid UTF-8\.$/);
  });

  it.each([
    // name, file, what the message says
    ['a pain.001', doc(TX).replace('pain.008.001.02', 'pain.001.001.03'), 'pain.001 (payouts), not a pain.008'],
    ['a camt.053', doc(TX).replace('pain.008.001.02', 'camt.053.001.02'), 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'],
    ['an unsupported pain.008 version', doc(TX).replace('pain.008.001.02', 'pain.008.001.01'), 'not pain.008.001.02 to .08'],
    ['a Document without a namespace', doc(TX).replace(` xmlns="${NS}"`, ''), 'in the namespace ""'],
    ['another root', `<Batch xmlns="${NS}">${TX}</Batch>`, 'root element is <Batch>'],
    ['another first part', doc(TX).replace(/CstmrDrctDbtInitn/g, 'CstmrCdtTrfInitn'), '<CstmrCdtTrfInitn> where CstmrDrctDbtInitn belongs'],
    ['an empty Document', `<Document xmlns="${NS}"></Document>`, 'no CstmrDrctDbtInitn'],
    ['an empty self-closed Document', `<Document xmlns="${NS}"/>`, 'no CstmrDrctDbtInitn'],
    ['two initiations', `<Document xmlns="${NS}"><CstmrDrctDbtInitn/><CstmrDrctDbtInitn/></Document>`, 'more than one CstmrDrctDbtInitn'],
  ])('refuses %s at the start, with a clear error', async (_name, xml, says) => {
    const { records, error } = await collect(chunks([xml]));
    expect(records).toEqual([]);
    expect(error).toBeInstanceOf(Pain008ReadError);
    expect((error as Error).message).toContain(says);
    expect((error as Error).message).not.toMatch(/\d{6,}/);
  });

  it('accepts every version from 02 to 08, with any prefix', async () => {
    for (const version of ['02', '03', '04', '05', '06', '07', '08']) {
      const xml = doc(TX).replace('pain.008.001.02', `pain.008.001.${version}`);
      expect((await collect(chunks([xml]))).records).toHaveLength(1);
    }
    const prefixed = doc(TX).replace(/<(\/?)(\w+)/g, '<$1p:$2').replace('xmlns=', 'xmlns:p=').replace('<p:?xml', '<?xml');
    const { records, error } = await collect(chunks([prefixed]));
    expect(error).toBeNull();
    expect(records[0]!.record).toMatchObject({ reference: 'E1', amount_yuan: '1.00', account_number: '6222021234567890123' });
  });

  it('ignores elements of other namespaces and DrctDbtTxInf outside PmtInf', async () => {
    const foreign = TX.replace('<PmtId>', '<x:PmtId xmlns:x="urn:other"><x:EndToEndId>X</x:EndToEndId></x:PmtId><PmtId>');
    const xml = doc(foreign).replace('<PmtInf>', `<GrpHdr>${TX}</GrpHdr>\n<PmtInf>`);
    const { records, error } = await collect(chunks([xml]));
    expect(error).toBeNull();
    expect(records.map((record) => [record.row, record.record.reference])).toEqual([[1, 'E1']]);
  });

  it('refuses elements nested deeper than any pain.008', async () => {
    const deep = `${'<X>'.repeat(100)}${'</X>'.repeat(100)}`;
    const { records, error } = await collect(chunks([doc(TX.replace('<PmtId>', `${deep}<PmtId>`))]));
    expect(records).toEqual([]);
    expect((error as Error).message).toMatch(/at line 5, column \d+: elements are nested more than 64 deep\.$/);
  });

  it('keeps at most a bounded text per field', async () => {
    // Under the 64 KiB a text may run without a tag, far over what a field keeps.
    const { records } = await collect(chunks([doc(TX.replace('E1', 'R'.repeat(60_000)))]));
    expect(records[0]!.record.reference).toBe('R'.repeat(1025));
  });

  it('stops reading its input when the caller stops', async () => {
    let pulled = 0;
    let closed = false;
    async function* source(): AsyncGenerator<string> {
      try {
        yield doc('').split('</PmtInf>')[0]!;
        for (;;) {
          pulled += 1;
          yield TX;
        }
      } finally {
        closed = true;
      }
    }
    for await (const record of readPain008(source())) {
      if (record.row === 3) break;
    }
    expect(closed).toBe(true);
    expect(pulled).toBe(3);
  });
});
