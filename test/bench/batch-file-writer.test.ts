import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCsvHeader } from '../../src/app/batches.js';
import { BatchFileWriter, benchAmountFen } from '../../src/bench/batch-file-writer.js';
import { benchCardNumber } from '../../src/bench/seed-bench.js';
import { formatYuan, parseYuan, type Fen } from '../../src/core/index.js';
import { hasValidLuhn, resolvePayerBank } from '../../src/core/payers/index.js';
import { readPain008, readPain008GroupHeader } from '../../src/formats/iso20022/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daikou-bench-file-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const MANDATES = ['mdt_0001', 'mdt_0002', 'mdt_0003'];

async function writeFile(format: 'csv' | 'pain.008'): Promise<string> {
  const file = path.join(dir, `bench.${format}`);
  const writer = await BatchFileWriter.open(file, format, { rows: MANDATES.length, creditorName: 'Bench & Co <Water>', createdAt: new Date('2026-11-25T08:00:00Z') });
  for (const [i, id] of MANDATES.entries()) await writer.write(i + 1, id);
  expect(await writer.end()).toBe(MANDATES.length);
  return file;
}

describe('the bench batch file', () => {
  it('as CSV: the header a batch takes, then row i under mandate i', async () => {
    const lines = fs.readFileSync(await writeFile('csv'), 'utf8').trimEnd().split('\n');
    expect(checkCsvHeader(lines[0]!.split(','))).toBeNull();
    expect(lines.slice(1)).toEqual(MANDATES.map((id, i) => `BENCH-${i + 1},${id},${formatYuan(benchAmountFen(i + 1))},water bill`));
  });

  it('as pain.008: a group header with the count and control sum, and one transaction per row', async () => {
    const file = await writeFile('pain.008');
    const header = readPain008GroupHeader(fs.readFileSync(file, 'utf8').slice(0, 4096));
    const sum = MANDATES.reduce((total, _, i) => total + benchAmountFen(i + 1), 0);
    expect(header).toMatchObject({ messageName: 'pain.008.001.02', numberOfTransactions: '3', controlSum: formatYuan(sum as Fen) });
    const records = [];
    for await (const record of readPain008(fs.createReadStream(file))) records.push(record);
    expect(records).toEqual(
      MANDATES.map((id, i) => ({
        row: i + 1,
        record: { reference: `BENCH-${i + 1}`, mandate_ref: id, account_number: undefined, amount_yuan: formatYuan(benchAmountFen(i + 1)), currency: 'CNY', holder_name: `Payer ${i + 1}`, description: 'water bill' },
      })),
    );
  });
});

describe('bench data', () => {
  it.each([1, 2, 49, 50, 51, 100, 999_999, 1_000_000])('row %i has a positive amount within a sandbox account', (row) => {
    const amount = benchAmountFen(row);
    expect(Number.isSafeInteger(amount) && amount >= 100 && amount <= 5_000_000).toBe(true);
    expect(parseYuan(formatYuan(amount))).toBe(amount);
  });

  it.each([0, 1, 999_999, 1_000_000])('card %i is a valid ICBC card', (serial) => {
    const card = benchCardNumber(serial);
    expect(card).toMatch(/^622202\d{13}$/);
    expect(hasValidLuhn(card)).toBe(true);
    expect(resolvePayerBank({ accountNumber: card, medium: 'bank_card', bankCode: undefined })).toEqual({ ok: true, value: 'ICBC' });
  });
});
