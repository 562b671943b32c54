import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { BatchFileError } from '../../src/app/batch-errors.js';
import { readCsvRecords, type FileRow } from '../../src/app/batches-reading.js';

/** Records csv-parse gave, counted through its parser core (which readCsvRecords drives). */
const csvParse = vi.hoisted(() => ({ records: 0 }));
vi.mock('csv-parse', async (importOriginal) => {
  const actual = await importOriginal<typeof import('csv-parse')>();
  type Push = (parsed: unknown) => void;
  return {
    ...actual,
    parse: (options: Parameters<typeof actual.parse>[0]) => {
      const parser = actual.parse(options) as unknown as { api: { parse: (input: unknown, end: boolean, push: Push, close: () => void) => unknown } };
      const original = parser.api.parse.bind(parser.api);
      parser.api.parse = (input, end, push, close) =>
        original(input, end, (parsed) => {
          csvParse.records += 1;
          push(parsed);
        }, close);
      return parser;
    },
  };
});

/**
 * Issue 15, item 3: a batch CSV's simple lines are read in place, not by csv-parse. Whatever the
 * file, the rows, their problems and the error that stops the file must be the ones csv-parse
 * alone gives, however the file is cut into segments.
 */

async function readAll(segments: readonly Buffer[], inPlace: boolean): Promise<{ rows: FileRow[]; error: unknown }> {
  async function* source() {
    for (const segment of segments) yield segment;
  }
  const rows: FileRow[] = [];
  try {
    for await (const row of readCsvRecords(source(), (offset) => offset, { inPlace })) rows.push(row);
  } catch (error) {
    if (!(error instanceof BatchFileError)) throw error;
    return { rows, error: error.error };
  }
  return { rows, error: null };
}

/** The file cut at the given byte positions (any byte: in the middle of a line, a character, the BOM). */
function cut(bytes: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
  const segments: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    if (point > from) segments.push(bytes.subarray(from, point));
    from = Math.max(from, point);
  }
  if (from < bytes.length) segments.push(bytes.subarray(from));
  return segments;
}

const COLUMNS = ['reference', 'mandate_id', 'amount_yuan', 'description'];
/** Cells mostly plain, sometimes with what makes a line not simple: quotes, CR, commas, long text, spaces, non-ASCII. */
const cell = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9 .\-_]{0,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom('"quoted"', '"a,b"', 'x"y', '"open', '"say ""hi"""', ' 水费 ', '\r', 'a\rb', 'a\nb', '\n', '\uFEFF', '') },
  // Long cells, written out when the file is built (so that a counterexample stays readable).
  { weight: 1, arbitrary: fc.constantFrom('<LONG_ASCII>', '<LONG_CJK>') },
);
const line = fc.oneof({ weight: 6, arbitrary: fc.array(cell, { minLength: 1, maxLength: 6 }).map((cells) => cells.join(',')) }, { weight: 1, arbitrary: fc.constant('') });
const file = fc.record({
  bom: fc.boolean(),
  header: fc.oneof({ weight: 6, arbitrary: fc.constant(COLUMNS.join(',')) }, { weight: 1, arbitrary: fc.constantFrom(' reference , amount_yuan', '"reference",amount', 'reference,,amount', 'reference') }),
  lines: fc.array(line, { maxLength: 25 }),
  ending: fc.constantFrom('\n', '\n', '\r\n', '\r\n'),
  lastEnded: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

describe('batch CSV read in place', () => {
  it('gives the rows, problems and error csv-parse gives, wherever the segments are cut', async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ bom, header, lines, ending, lastEnded, cuts }) => {
        const text = ([header, ...lines].join(ending) + (lastEnded ? ending : '')).replaceAll('<LONG_ASCII>', 'x'.repeat(20_000)).replaceAll('<LONG_CJK>', '水'.repeat(23_000));
        const bytes = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text)]);
        const segments = cut(bytes, cuts);
        const general = await readAll(segments, false);
        const inPlace = await readAll(segments, true);
        expect(inPlace).toEqual(general);
      }),
      { numRuns: Number(process.env.I_RUNS ?? 200) },
    );
  });

  it('reads a file of simple lines to the same rows, with a short row and a long one refused on their own', async () => {
    const text = 'reference,mandate_id,amount_yuan,description\nR1,mdt_1,1.00,water\nR2,mdt_2\n\nR3,mdt_3,3.00,gas,extra\n';
    const inPlace = await readAll([Buffer.from(text)], true);
    expect(inPlace).toEqual(await readAll([Buffer.from(text)], false));
    expect(inPlace.rows.map((row) => [row.row, row.problem?.code ?? null])).toEqual([
      [1, null],
      [2, 'row_too_short'],
      [3, 'extra_column'],
    ]);
  });

  it('reads the lines of a CRLF file (as Excel writes it) in place too, csv-parse reading none', async () => {
    const text = 'reference,mandate_id,amount_yuan,description\r\nR1,mdt_1,1.00,water\r\nR2,mdt_2\r\n\r\nR3,mdt_3,3.00,gas\r\n';
    const before = csvParse.records;
    const inPlace = await readAll([Buffer.from(text)], true);
    expect(csvParse.records - before).toBe(0);
    expect(inPlace).toEqual(await readAll([Buffer.from(text)], false));
    expect(inPlace.rows.map((row) => [row.record.reference, row.record.description, row.problem?.code ?? null])).toEqual([
      ['R1', 'water', null],
      ['R2', undefined, 'row_too_short'],
      ['R3', 'gas', null],
    ]);
  });

  it('says where a file breaks after rows read in place: the row, line and byte csv-parse names', async () => {
    const head = 'reference,amount_yuan\nR1,1.00\n';
    const text = `${head}R2,"2.00\n`;
    const inPlace = await readAll([Buffer.from(text)], true);
    expect(inPlace.rows).toHaveLength(1);
    expect(inPlace.error).toMatchObject({ code: 'invalid_csv', row: 2, line: 3, byte_offset: head.length });
    expect(inPlace).toEqual(await readAll([Buffer.from(text)], false));
  });

  // A defect found by the comparison above: csv-parse's `bytes_records` adds up each record's
  // running total, so past the second row an error's byte offset pointed beyond the row.
  it.each([true, false])('places an error after several rows at the end of the last good row (in place: %s)', async (inPlace) => {
    const head = 'reference,amount_yuan\n"R1",1.00\nR2,2.00\n\nR3,3.00\n';
    const text = `${head}R4,"4.00\n`;
    const read = await readAll([Buffer.from(text)], inPlace);
    expect(read.rows).toHaveLength(3);
    expect(read.error).toMatchObject({ code: 'invalid_csv', row: 4, line: 6, byte_offset: head.length });
  });
});
