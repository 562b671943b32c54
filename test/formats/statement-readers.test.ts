import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StatementLine } from '../../src/core/index.js';
import { readCamt053, readStatementCsv, StatementError, type StatementHead } from '../../src/formats/statements/index.js';

const GOLDEN = new URL('../golden/statements/', import.meta.url);

async function read(reader: typeof readStatementCsv, text: string): Promise<{ lines: StatementLine[]; totals: unknown; head: StatementHead }> {
  const head: StatementHead = { channel: null, businessDate: null };
  const lines: StatementLine[] = [];
  const generator = reader([Buffer.from(text)], 3, head);
  for (;;) {
    const next = await generator.next();
    if (next.done === true) return { lines, totals: next.value, head };
    lines.push(...next.value);
  }
}

/** The statement readers on the sandbox's golden statements (docs/statements.md): both formats say the same. */
describe('statement readers', () => {
  const csv = fs.readFileSync(new URL('cpcn-bj-2024-09-30.csv', GOLDEN), 'utf8');
  const xml = fs.readFileSync(new URL('cpcn-bj-2024-09-30.xml', GOLDEN), 'utf8');

  it('read the golden CSV and camt.053 alike: lines, totals, channel and date', async () => {
    const fromCsv = await read(readStatementCsv, csv);
    const fromXml = await read(readCamt053, xml);
    expect(fromCsv.head).toEqual({ channel: 'cpcn-bj', businessDate: '2024-09-30' });
    expect(fromXml.head).toEqual(fromCsv.head);
    expect(fromCsv.lines.map((line) => [line.end_to_end_id, line.direction, line.amount, line.status])).toEqual([
      ['dbt_0192f3a1c2d34e5f8a9b0c1d2e3f4a51', 'debit', 12_345, 'succeeded'],
      ['dbt_0192f3a1c2d34e5f8a9b0c1d2e3f4a52', 'debit', 700, 'failed'],
      ['pyt_0192f3a1c2d34e5f8a9b0c1d2e3f4a53', 'credit', 5_000, 'succeeded'],
      ['pyt_0192f3a1c2d34e5f8a9b0c1d2e3f4a54', 'credit', 300, 'failed'],
    ]);
    expect(fromXml.lines).toEqual(fromCsv.lines);
    expect(fromCsv.totals).toEqual({ debit: { count: 2, amount: 12_345 }, credit: { count: 2, amount: 5_000 } });
    expect(fromXml.totals).toEqual(fromCsv.totals);
  });

  const refusals: [string, typeof readStatementCsv, string, string][] = [
    ['a CSV whose debit total is off by a fen', readStatementCsv, csv.replace('debit,12345,,,2', 'debit,12346,,,2'), 'totals_mismatch'],
    ['a CSV with a line of another date', readStatementCsv, csv.replace('cpcn-bj,2024-09-30,SBX00000000000002', 'cpcn-bj,2024-09-29,SBX00000000000002'), 'statement_mismatch'],
    ['a CSV with an amount in yuan', readStatementCsv, csv.replace(',debit,700,', ',debit,7.00,'), 'invalid_statement'],
    // 2^53 + 1 fen: a Number would round it to 2^53 and read a fen that is not there.
    ['a CSV with an amount beyond exact integers', readStatementCsv, csv.replace(',debit,700,', ',debit,9007199254740993,'), 'invalid_statement'],
    ['a CSV without its credit total', readStatementCsv, csv.split('\n').slice(0, -2).join('\n'), 'invalid_statement'],
    ['a camt.053 whose credit sum is off', readCamt053, xml.replace('<Sum>50.00</Sum>', '<Sum>50.01</Sum>'), 'totals_mismatch'],
    ['a camt.053 with an amount of three decimals', readCamt053, xml.replace('<Amt Ccy="CNY">7.00</Amt>', '<Amt Ccy="CNY">7.001</Amt>'), 'invalid_statement'],
    ['a camt.053 cut short', readCamt053, xml.slice(0, xml.length / 2), 'invalid_statement'],
  ];
  for (const [name, reader, text, code] of refusals) {
    it(`refuses ${name}: ${code}`, async () => {
      const error = await read(reader, text).then(() => null, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(StatementError);
      expect((error as StatementError).code).toBe(code);
    });
  }
});
