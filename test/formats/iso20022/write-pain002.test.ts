import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../src/core/index.js';
import { replaceNonXmlChars, truncateChars, writePain002, type Pain002Input, type Pain002Line } from '../../../src/formats/iso20022/index.js';
import { PAIN002_SAMPLE_INPUT } from './pain002-sample-input.js';

const GOLDEN = path.join(import.meta.dirname, '../../golden/iso20022/pain002-sample.xml');

async function chunksOf(input: Pain002Input): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of writePain002(input)) chunks.push(chunk);
  return chunks;
}
const write = async (input: Pain002Input) => (await chunksOf(input)).join('');
const withLines = (lines: Pain002Line[]): Pain002Input => ({ ...PAIN002_SAMPLE_INPUT, lines });
const line = (row: number, status: Pain002Line['status'], code: string | null = null, message: string | null = null): Pain002Line => ({ row, reference: `R${row}`, status, code, message });

/** Parses a report back: fast-xml-parser keeps texts as written, with entities and character references decoded. */
function parseReport(xml: string): any {
  const parser = new XMLParser({ trimValues: false, parseTagValue: false, processEntities: true, htmlEntities: true, isArray: (name) => name === 'TxInfAndSts' });
  return parser.parse(xml).Document.CstmrPmtStsRpt;
}

/** Throws unless xml is well-formed: saxes is strict where fast-xml-parser is lenient. */
function checkWellFormed(xml: string): void {
  new SaxesParser({ xmlns: true }).write(xml).close();
}

describe('writePain002', () => {
  it('writes the golden report byte for byte', async () => {
    const golden = fs.readFileSync(GOLDEN);
    expect(Buffer.from(await write(PAIN002_SAMPLE_INPUT), 'utf8').equals(golden)).toBe(true);
  });

  it('writes the same bytes from lines read in two passes', async () => {
    const lines = PAIN002_SAMPLE_INPUT.lines as Pain002Line[];
    let passes = 0;
    const fromStore = async function* () {
      passes += 1;
      for (const each of lines) yield each;
    };
    const golden = fs.readFileSync(GOLDEN, 'utf8');
    expect(await write({ ...PAIN002_SAMPLE_INPUT, lines: fromStore })).toBe(golden);
    expect(passes).toBe(2);
    expect(await write({ ...PAIN002_SAMPLE_INPUT, lines: () => lines })).toBe(golden);
  });

  it('streams a header, one chunk per line (the first opening its payment information block), and a footer', async () => {
    const chunks = await chunksOf(PAIN002_SAMPLE_INPUT);
    expect(chunks).toHaveLength(1 + 7 + 1);
    expect(chunks[0]).toMatch(/<\/OrgnlGrpInfAndSts>\n$/);
    expect(chunks[1]).toMatch(/^ {4}<OrgnlPmtInfAndSts>\n {6}<OrgnlPmtInfId>WYGL-20240301-0001<\/OrgnlPmtInfId>\n {6}<TxInfAndSts>\n/);
    for (const chunk of chunks.slice(2, 8)) expect(chunk).toMatch(/^ {6}<TxInfAndSts>\n[^]*<\/TxInfAndSts>\n$/);
    expect(chunks[8]).toMatch(/^ {4}<\/OrgnlPmtInfAndSts>\n/);
  });

  it('writes 200,000 lines one at a time, pulling each only when its chunk is asked for', async () => {
    const total = 200_000;
    let pulled = 0;
    let lagMax = 0;
    const lines = async function* () {
      for (let row = 1; row <= total; row += 1) {
        pulled += 1;
        yield line(row, row % 10 === 0 ? 'failed' : 'succeeded', 'insufficient_funds', '余额不足');
      }
    };
    let written = 0;
    let rejected = 0;
    let header = '';
    for await (const chunk of writePain002({ ...PAIN002_SAMPLE_INPUT, lines })) {
      if (chunk.includes('      <TxInfAndSts>')) {
        written += 1;
        if (chunk.includes('<TxSts>RJCT</TxSts>')) rejected += 1;
        // The second pass: the line pulled is the one just written.
        lagMax = Math.max(lagMax, pulled - total - written);
      } else if (header === '') header = chunk;
    }
    expect([written, rejected, pulled]).toEqual([total, total / 10, 2 * total]);
    expect(lagMax).toBe(0);
    expect(header).toContain('<GrpSts>PART</GrpSts>');
  });

  it.each([
    // the lines' statuses, then the group status
    [[], 'RJCT'],
    [['succeeded'], 'ACCP'],
    [['succeeded', 'pending', 'submitted'], 'ACCP'],
    [['pending'], 'ACCP'],
    [['rejected'], 'RJCT'],
    [['failed', 'rejected'], 'RJCT'],
    [['succeeded', 'failed'], 'PART'],
    [['rejected', 'pending'], 'PART'],
  ] as const)('lines %j → GrpSts %s', async (statuses, expected) => {
    const xml = await write(withLines(statuses.map((status, index) => line(index + 1, status))));
    checkWellFormed(xml);
    expect(parseReport(xml).OrgnlGrpInfAndSts.GrpSts).toBe(expected);
    expect(xml.includes('<OrgnlPmtInfAndSts>')).toBe(statuses.length > 0);
  });

  it.each([
    // status, code, message, then TxSts, Rsn/Prtry and AddtlInf written (null: no element)
    ['succeeded', null, null, 'ACSC', null, null],
    ['pending', null, null, 'PDNG', null, null],
    ['submitted', null, null, 'PDNG', null, null],
    ['succeeded', 'insufficient_funds', 'stale', 'ACSC', null, null],
    ['failed', 'account_closed', '已销户', 'RJCT', 'account_closed', '已销户'],
    ['failed', 'unknown', null, 'RJCT', 'unknown', null],
    ['rejected', null, 'amount: amount is a positive whole number of fen.', 'RJCT', null, 'amount: amount is a positive whole number of fen.'],
    ['rejected', null, null, 'RJCT', null, null],
    ['rejected', '', '', 'RJCT', null, null],
  ] as const)('%s (code %s, message %s) → TxSts %s, Prtry %s, AddtlInf %s', async (status, code, message, txStatus, reasonCode, additionalInfo) => {
    const xml = await write(withLines([{ row: 1, reference: 'R1', status, code, message }]));
    checkWellFormed(xml);
    const [transaction] = parseReport(xml).OrgnlPmtInfAndSts.TxInfAndSts;
    expect(transaction.TxSts).toBe(txStatus);
    expect(transaction.StsRsnInf?.Rsn?.Prtry ?? null).toBe(reasonCode);
    expect(transaction.StsRsnInf?.AddtlInf ?? null).toBe(additionalInfo);
    // No empty StsRsnInf: it is there only with something in it.
    expect('StsRsnInf' in transaction).toBe(reasonCode !== null || additionalInfo !== null);
  });

  it('cuts the reason to the schema limits by characters, never inside a surrogate pair', async () => {
    const message = `${'余'.repeat(100)}😀😀😀😀😀😀😀`;
    const code = `${'x'.repeat(34)}😀y`;
    const xml = await write(withLines([{ row: 1, reference: 'R1', status: 'rejected', code, message }]));
    checkWellFormed(xml);
    const { StsRsnInf } = parseReport(xml).OrgnlPmtInfAndSts.TxInfAndSts[0];
    expect(StsRsnInf.AddtlInf).toBe(`${'余'.repeat(100)}😀😀😀😀😀`);
    expect([...StsRsnInf.AddtlInf]).toHaveLength(105);
    expect(StsRsnInf.Rsn.Prtry).toBe(`${'x'.repeat(34)}😀`);
  });

  it('leaves OrgnlEndToEndId out for a row without a reference, and keeps the row in StsId', async () => {
    const xml = await write(withLines([{ row: 42, reference: null, status: 'rejected', code: 'required', message: 'reference is empty.' }]));
    const [transaction] = parseReport(xml).OrgnlPmtInfAndSts.TxInfAndSts;
    expect(transaction.StsId).toBe('42');
    expect(transaction).not.toHaveProperty('OrgnlEndToEndId');
  });

  it('carries a reference longer than 35 characters whole in OrgnlTxRef/RmtInf/Ustrd, never in OrgnlEndToEndId (Max35Text)', async () => {
    const long = `INV-${'7'.repeat(10)}-${'余'.repeat(49)}`;
    expect([...long]).toHaveLength(64);
    const thirtyFive = 'R'.repeat(35);
    const xml = await write(withLines([{ ...line(1, 'succeeded'), reference: long }, { ...line(2, 'failed', 'account_closed'), reference: thirtyFive }]));
    checkWellFormed(xml);
    const [first, second] = parseReport(xml).OrgnlPmtInfAndSts.TxInfAndSts;
    expect(first).not.toHaveProperty('OrgnlEndToEndId');
    expect(first.OrgnlTxRef.RmtInf.Ustrd).toBe(long);
    expect(first.StsId).toBe('1');
    expect(second.OrgnlEndToEndId).toBe(thirtyFive);
    expect(second).not.toHaveProperty('OrgnlTxRef');
    // Elements in schema order: OrgnlTxRef comes after StsRsnInf.
    expect(xml.indexOf('<OrgnlTxRef>')).toBeGreaterThan(xml.indexOf('<TxSts>ACSC</TxSts>'));
  });

  it('names each transaction\'s original PmtInfId: one OrgnlPmtInfAndSts per block of the original file, in row order', async () => {
    const xml = await write({
      ...withLines([line(1, 'succeeded'), line(2, 'failed', 'account_closed'), line(3, 'succeeded'), line(4, 'pending')]),
      paymentInformations: [
        { id: 'PMT-A', firstRow: 1 },
        { id: 'PMT-B', firstRow: 3 },
      ],
    });
    checkWellFormed(xml);
    const blocks = new XMLParser({ isArray: (name) => name === 'TxInfAndSts' || name === 'OrgnlPmtInfAndSts' }).parse(xml).Document.CstmrPmtStsRpt.OrgnlPmtInfAndSts;
    expect(blocks.map((block: any) => [block.OrgnlPmtInfId, block.TxInfAndSts.map((tx: any) => tx.StsId)])).toEqual([
      ['PMT-A', [1, 2]],
      ['PMT-B', [3, 4]],
    ]);
  });

  it('without blocks (a CSV batch), names the original message as its one payment information block', async () => {
    const xml = await write(withLines([line(1, 'succeeded')]));
    expect(parseReport(xml).OrgnlPmtInfAndSts.OrgnlPmtInfId).toBe(PAIN002_SAMPLE_INPUT.originalMessageId);
  });

  it.each([
    // what is wrong, the input
    ['a long PmtInfId', { ...PAIN002_SAMPLE_INPUT, paymentInformations: [{ id: 'P'.repeat(36), firstRow: 1 }] }],
    ['a long messageId', { ...PAIN002_SAMPLE_INPUT, messageId: 'M'.repeat(36) }],
    ['an empty originalMessageId', { ...PAIN002_SAMPLE_INPUT, originalMessageId: '' }],
    ['a createdAt without offset', { ...PAIN002_SAMPLE_INPUT, createdAt: '2024-03-06T18:00:00' }],
    ['a createdAt that is a date', { ...PAIN002_SAMPLE_INPUT, createdAt: '2024-03-06' }],
    ['an unknown status', withLines([{ ...line(1, 'succeeded'), status: 'accepted' as Pain002Line['status'] }])],
    ['a row of 0', withLines([line(0, 'succeeded')])],
  ])('refuses %s as a bug', async (_what, input) => {
    await expect(write(input)).rejects.toBeInstanceOf(InvariantError);
  });

  it('writes any text so that it parses back as written, or with U+FFFD where XML cannot carry a character', async () => {
    const anyChar = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      // UTF-16 units one at a time: lone surrogates, controls, CR, markup characters.
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 60 }),
      fc.string({ unit: fc.constantFrom('&', '<', '>', '"', "'", ']]>', '\r', '\r\n', '\n', '\t', ' ', '&amp;', '&#13;', '&lt;', '&nbsp;', '<![CDATA[', '余', '😀', '\u0000', '\uFFFE'), maxLength: 30 }),
    );
    await fc.assert(
      fc.asyncProperty(anyChar, anyChar, anyChar, async (reference, code, message) => {
        const xml = await write({
          ...PAIN002_SAMPLE_INPUT,
          lines: [
            { row: 1, reference, status: 'rejected', code, message },
            { row: 2, reference: 'after', status: 'succeeded', code: null, message: null },
          ],
        });
        checkWellFormed(xml);
        const [first, second] = parseReport(xml).OrgnlPmtInfAndSts.TxInfAndSts;
        const written = replaceNonXmlChars(reference);
        // Max35Text: a longer reference is carried whole in OrgnlTxRef/RmtInf/Ustrd instead.
        expect(first.OrgnlEndToEndId).toBe(reference === '' || [...written].length > 35 ? undefined : written);
        expect(first.OrgnlTxRef?.RmtInf?.Ustrd).toBe([...written].length > 35 ? written : undefined);
        expect(first.StsRsnInf?.Rsn?.Prtry).toBe(code === '' ? undefined : truncateChars(replaceNonXmlChars(code), 35));
        expect(first.StsRsnInf?.AddtlInf).toBe(message === '' ? undefined : truncateChars(replaceNonXmlChars(message), 105));
        expect(second.OrgnlEndToEndId).toBe('after');
      }),
      { numRuns: 300 },
    );
  });
});
