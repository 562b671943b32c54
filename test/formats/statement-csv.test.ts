import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addToTotals, emptyTotals, type StatementLine } from '../../src/core/index.js';
import { csvRecords, readStatementCsv, STATEMENT_CSV_HEADER, StatementError, type StatementHead } from '../../src/formats/statements/index.js';

async function records(chunks: string[]): Promise<string[][]> {
  const out: string[][] = [];
  for await (const record of csvRecords(chunks.map((chunk) => Buffer.from(chunk)))) out.push(record);
  return out;
}

/** The statement reader's own CSV splitting (RFC 4180), whatever the chunks' cuts. */
describe('csvRecords', () => {
  const cases: [string, string, string[][]][] = [
    ['plain lines', 'a,b,c\n1,2,3\n', [['a', 'b', 'c'], ['1', '2', '3']]],
    ['a BOM, CRLF, an empty line and no final line end', '\uFEFFa,b\r\n\r\n1,2', [['a', 'b'], ['1', '2']]],
    ['empty fields', ',x,\n', [['', 'x', '']]],
    ['quoted commas, doubled quotes and a line end inside quotes', 'a,"b,c","say ""hi""","x\ny"\n', [['a', 'b,c', 'say "hi"', 'x\ny']]],
    ['a multibyte character', '对账,单\n', [['对账', '单']]],
  ];
  for (const [name, text, expected] of cases) {
    it(`${name}, in one chunk and cut at every byte`, async () => {
      expect(await records([text])).toEqual(expected);
      const bytes = Buffer.from(text);
      for (let cut = 1; cut < bytes.length; cut += 1) {
        const out: string[][] = [];
        for await (const record of csvRecords([bytes.subarray(0, cut), bytes.subarray(cut)])) out.push(record);
        expect(out).toEqual(expected);
      }
    });
  }
  it('refuses a quote left open, and a quote inside an unquoted field', async () => {
    await expect(records(['a,"b\n'])).rejects.toThrow(/quoted field/);
    await expect(records(['a,b"c"\n'])).rejects.toThrow(/quote inside/);
  });
});

/**
 * The CSV statement reader (docs/statements.md) against csv-parse, the reference RFC 4180 parser:
 * statements whose lines are written plain or quoted (a quoted line goes through the general
 * reader, a plain entry is read in place without splitting it), with `\n` or `\r\n`, cut
 * anywhere. A valid statement reads as csv-parse splits it; one field corrupted in one entry
 * fails with that record's number, whichever way the line is read.
 */
describe('readStatementCsv against csv-parse', () => {
  const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 64 });
  const id = fc.oneof({ arbitrary: fc.stringMatching(/^[a-z]{3}_[0-9a-f]{1,20}$/), weight: 3 }, { arbitrary: printable, weight: 1 });
  const entry = fc.record({
    channel_reference: fc.option(id, { nil: null }),
    end_to_end_id: id,
    direction: fc.constantFrom('debit' as const, 'credit' as const),
    amount: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2 ** 32, max: 2 ** 40 })),
    status: fc.constantFrom('succeeded' as const, 'failed' as const),
    settled_at: fc.option(fc.constantFrom('2024-09-30T10:00:00.000+08:00', 'late, by a day', 'x"y'), { nil: null }),
  });
  // Field index and what it is set to; a leading zero, the subtlest, is drawn more often.
  const CORRUPTIONS: [number, string][] = [[6, '01'], [6, '01'], [6, '01'], [6, '1.5'], [6, '12345678901234567'], [6, '9007199254740993'], [6, ''], [5, 'Debit'], [7, 'ok'], [4, ''], [4, 'has space'], [3, 'a b'], [10, 'an eleventh field']];
  const statement = fc.record({
    channel: fc.oneof({ arbitrary: fc.constant('cpcn-bj'), weight: 4 }, { arbitrary: fc.constantFrom('chan,nel', 'q"c'), weight: 1 }),
    entries: fc.array(entry, { maxLength: 12 }),
    quoting: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
    crlf: fc.boolean(),
    cut: fc.nat(),
    corruption: fc.option(fc.record({ at: fc.nat(), with: fc.constantFrom(...CORRUPTIONS) }), { nil: null }),
  });
  const field = (value: string, quoted: boolean) => (quoted || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

  it('reads what csv-parse reads, and refuses a corrupted entry by its record number', async () => {
    await fc.assert(
      fc.asyncProperty(statement, async ({ channel, entries, quoting, crlf, cut, corruption }) => {
        const rows: string[][] = [[...STATEMENT_CSV_HEADER]];
        for (const line of entries) rows.push(['entry', channel, '2024-09-30', line.channel_reference ?? '', line.end_to_end_id, line.direction, String(line.amount), line.status, line.settled_at ?? '', '']);
        const totals = emptyTotals();
        for (const line of entries) addToTotals(totals, line);
        rows.push(['total', channel, '2024-09-30', '', '', 'debit', String(totals.debit.amount), '', '', String(totals.debit.count)]);
        rows.push(['total', channel, '2024-09-30', '', '', 'credit', String(totals.credit.amount), '', '', String(totals.credit.count)]);
        const corrupted = corruption !== null && entries.length > 0 ? 1 + (corruption.at % entries.length) : null;
        if (corrupted !== null) rows[corrupted]![corruption!.with[0]] = corruption!.with[1];
        // A line is written with every field quoted, or with quotes only where a field needs them.
        const text = rows.map((row, index) => row.map((value) => field(value, quoting[index % quoting.length]!)).join(',')).join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n');
        const bytes = Buffer.from(text);
        const at = cut % (bytes.length + 1);
        const head: StatementHead = { channel: null, businessDate: null };
        const read: StatementLine[] = [];
        const reading = (async () => {
          const generator = readStatementCsv([bytes.subarray(0, at), bytes.subarray(at)], 4, head);
          for (;;) {
            const next = await generator.next();
            if (next.done === true) return next.value;
            read.push(...next.value);
          }
        })();
        if (corrupted !== null) {
          const error = await reading.then(() => null, (failure: unknown) => failure);
          expect(error).toBeInstanceOf(StatementError);
          expect((error as StatementError).code).toBe('invalid_statement');
          expect((error as StatementError).message).toContain(`record ${corrupted + 1}`);
          return;
        }
        expect(await reading).toEqual(totals);
        const records = parse(text, { bom: true }) as string[][];
        expect(read).toEqual(
          records.slice(1, -2).map((cells, index) => ({
            line: index + 1,
            channel_reference: cells[3] === '' ? null : cells[3],
            end_to_end_id: cells[4],
            direction: cells[5],
            amount: Number(cells[6]),
            status: cells[7],
            settled_at: cells[8] === '' ? null : cells[8],
          })),
        );
        expect(head).toEqual({ channel, businessDate: '2024-09-30' });
      }),
      { numRuns: 500 },
    );
  });
});
