import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectIso20022Message } from '../../../src/formats/iso20022/index.js';

const xsd = (message: string) => `urn:iso:std:iso:20022:tech:xsd:${message}`;
const head = (namespace: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="${namespace}">\n  <CstmrDrctDbtInitn>\n    <GrpHdr>`;
const golden = fs.readFileSync(path.join(import.meta.dirname, '../../golden/iso20022/pain008-sample.xml'), 'utf8');

describe('detectIso20022Message', () => {
  it.each([
    // what the head is, the head, then the answer
    ['pain.008.001.02', head(xsd('pain.008.001.02')), 'pain.008'],
    ['pain.008.001.05', head(xsd('pain.008.001.05')), 'pain.008'],
    ['pain.008.001.08', head(xsd('pain.008.001.08')), 'pain.008'],
    ['pain.001.001.02', head(xsd('pain.001.001.02')), 'pain.001'],
    ['pain.001.001.03', head(xsd('pain.001.001.03')), 'pain.001'],
    ['pain.001.001.08', head(xsd('pain.001.001.08')), 'pain.001'],
    ['the golden sample, cut at 4 KB', golden.slice(0, 4096), 'pain.008'],
    ['a byte-order mark first', `\uFEFF${head(xsd('pain.008.001.02'))}`, 'pain.008'],
    ['no XML declaration', `<Document xmlns="${xsd('pain.008.001.02')}">`, 'pain.008'],
    ['a prefix', `<?xml version="1.0"?><p:Document xmlns:p="${xsd('pain.001.001.03')}"><p:CstmrCdtTrfInitn>`, 'pain.001'],
    ['comments before the root', `<?xml version="1.0"?>\n<!-- made by ERP -->\n<!-- <Document xmlns="x"> -->\n${head(xsd('pain.008.001.02')).split('\n')[1]}`, 'pain.008'],
    ['pain.008.001.01', head(xsd('pain.008.001.01')), null],
    ['pain.008.001.09', head(xsd('pain.008.001.09')), null],
    ['pain.002.001.03', head(xsd('pain.002.001.03')), null],
    ['camt.053.001.02', head(xsd('camt.053.001.02')), null],
    ['pain.008 with a suffix', head(`${xsd('pain.008.001.02')}.x`), null],
    ['a Document without a namespace', '<Document><CstmrDrctDbtInitn>', null],
    ['another root in a pain namespace', `<Batch xmlns="${xsd('pain.008.001.02')}">`, null],
    ['the namespace only in a child', `<Wrapper><Document xmlns="${xsd('pain.008.001.02')}">`, null],
    ['a head cut inside the root tag', `<?xml version="1.0"?>\n<Document xmlns="${xsd('pain.008.001.02')}`, null],
    ['a CSV file', 'reference,account_number,amount_yuan\nA1,6222021234567890123,12.30\n', null],
    ['JSON', '{"reference":"A1"}', null],
    ['an empty head', '', null],
    ['text with markup later', 'hello <Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">', null],
  ])('%s → %s', (_what, text, expected) => {
    expect(detectIso20022Message(text)).toBe(expected);
  });
});
