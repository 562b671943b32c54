import { describe, expect, it } from 'vitest';
import { csvRecords } from '../../src/formats/statements/index.js';

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
