import fc from 'fast-check';

/**
 * Hostile batch files for the batch fuzzer (test/api/batches-fuzz.test.ts): CSV and pain.008
 * built from pieces that have broken parsers before — quotes in odd places, CR/LF mixes, BOMs,
 * invalid UTF-8, NUL bytes, long fields and rows, deep or unclosed XML, bare `&`, random bytes —
 * mixed with well-formed rows, so that files get past the header check and break further in.
 */
export interface FuzzFile {
  format: 'csv' | 'xml';
  body: Buffer;
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

const csvPiece: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: fc.constantFrom('R-1,mdt_x,1', 'R-2,mdt_x,"1"', '"R,3",mdt_x,12', 'R-4,,1', 'R-5,mdt_x,-1', '张三,mdt_x,1').map(utf8), weight: 6 },
  { arbitrary: fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\r\n').map(utf8), weight: 6 },
  { arbitrary: fc.constantFrom('"', '""', 'a"b', '"a""b"', '"unclosed', ',', ',,,,', '" "x').map(utf8), weight: 4 },
  { arbitrary: fc.constantFrom('\uFEFF', '\u0000', '\u2028', '\u00A0').map(utf8), weight: 1 },
  { arbitrary: fc.constantFrom([0xff], [0xc3], [0xe4, 0xb8], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf]).map((bytes) => Buffer.from(bytes)), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom('x', '"', ',', '9'), fc.integer({ min: 1_000, max: 80_000 })).map(([c, n]) => utf8(c.repeat(n))), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes)), weight: 2 },
);

const CSV_HEADERS = ['reference,mandate_id,amount', 'reference,mandate_id,amount,description', '"reference","mandate_id","amount"', 'reference,account_number,amount_yuan,holder_name'];

export const csvFile: fc.Arbitrary<FuzzFile> = fc
  .tuple(fc.boolean(), fc.constantFrom(...CSV_HEADERS), fc.constantFrom('\n', '\r\n'), fc.array(csvPiece, { maxLength: 24 }))
  .map(([bom, header, newline, pieces]) => ({ format: 'csv', body: Buffer.concat([utf8(`${bom ? '\uFEFF' : ''}${header}${newline}`), ...pieces]) }));

const NS = 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02';
const XML_HEAD = `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="${NS}"><CstmrDrctDbtInitn><GrpHdr><MsgId>F-1</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm><NbOfTxs>1</NbOfTxs><InitgPty><Nm>F</Nm></InitgPty></GrpHdr><PmtInf><PmtInfId>P</PmtInfId><PmtMtd>DD</PmtMtd>`;
const XML_TAIL = '</PmtInf></CstmrDrctDbtInitn></Document>\n';
const TX = '<DrctDbtTxInf><PmtId><EndToEndId>E-1</EndToEndId></PmtId><InstdAmt Ccy="CNY">1.00</InstdAmt><DrctDbtTx><MndtRltdInf><MndtId>mdt_x</MndtId></MndtRltdInf></DrctDbtTx></DrctDbtTxInf>';

const xmlPiece: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: fc.constant(utf8(TX)), weight: 6 },
  { arbitrary: fc.constantFrom('<DrctDbtTxInf>', '</DrctDbtTxInf>', '<PmtId><EndToEndId>', '</EndToEndId>', '<!--', '-->', '<![CDATA[', ']]>', '&', '&amp;', '&#0;', '<', '>', '"', "<x a='", '\n', '\r\n', '\u0000').map(utf8), weight: 5 },
  { arbitrary: fc.integer({ min: 10, max: 200 }).map((depth) => utf8('<a>'.repeat(depth))), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom('x', '9', ' '), fc.integer({ min: 1_000, max: 100_000 })).map(([c, n]) => utf8(`<DrctDbtTxInf><RmtInf><Ustrd>${c.repeat(n)}</Ustrd></RmtInf></DrctDbtTxInf>`)), weight: 1 },
  { arbitrary: fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80]).map((bytes) => Buffer.from(bytes)), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes)), weight: 2 },
);

export const xmlFile: fc.Arbitrary<FuzzFile> = fc
  .tuple(fc.boolean(), fc.array(xmlPiece, { maxLength: 16 }), fc.boolean())
  .map(([bom, pieces, closed]) => ({ format: 'xml', body: Buffer.concat([utf8(`${bom ? '\uFEFF' : ''}${XML_HEAD}`), ...pieces, utf8(closed ? XML_TAIL : '')]) }));

export const fuzzFile: fc.Arbitrary<FuzzFile> = fc.oneof(csvFile, xmlFile);
