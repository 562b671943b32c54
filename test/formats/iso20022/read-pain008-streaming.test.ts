import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { readPain008 } from '../../../src/formats/iso20022/index.js';

const TRANSACTIONS = 200_000;
const TRANSACTIONS_PER_CHUNK = 100;
const HEAP_GROWTH_BYTES_MAX = 64 * 1024 * 1024;

/** A full garbage collection, so that heap figures count what is held, not what is waiting to be freed. */
function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const amountOf = (n: number) => `${n % 5000}.${String(n % 100).padStart(2, '0')}`;

function transaction(n: number): string {
  return `      <DrctDbtTxInf>
        <PmtId><EndToEndId>E2E-${n}</EndToEndId></PmtId>
        <InstdAmt Ccy="CNY">${amountOf(n)}</InstdAmt>
        <DrctDbtTx><MndtRltdInf><MndtId>AGR-${n}</MndtId></MndtRltdInf></DrctDbtTx>
        <Dbtr><Nm>张三${n}</Nm></Dbtr>
        <DbtrAcct><Id><Othr><Id>6222${String(n).padStart(15, '0')}</Id></Othr></Id></DbtrAcct>
        <RmtInf><Ustrd>第${n}期物业费</Ustrd></RmtInf>
      </DrctDbtTxInf>
`;
}

/** A pain.008 of `count` transactions, made as it is read: the file never exists whole. */
function generatePain008(count: number, progress: { produced: number }): AsyncGenerator<string> {
  return (async function* () {
    yield `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">
  <CstmrDrctDbtInitn>
    <GrpHdr><MsgId>BIG-1</MsgId><CreDtTm>2024-03-01T09:30:00+08:00</CreDtTm><NbOfTxs>${count}</NbOfTxs></GrpHdr>
`;
    const blockSize = 50_000;
    for (let block = 0; block * blockSize < count; block += 1) {
      yield `    <PmtInf>\n      <PmtInfId>BIG-1-${block}</PmtInfId>\n      <PmtMtd>DD</PmtMtd>\n`;
      const last = Math.min(count, (block + 1) * blockSize);
      for (let n = block * blockSize + 1; n <= last; n += TRANSACTIONS_PER_CHUNK) {
        let chunk = '';
        for (let k = n; k < Math.min(last + 1, n + TRANSACTIONS_PER_CHUNK); k += 1) chunk += transaction(k);
        progress.produced = Math.min(last, n + TRANSACTIONS_PER_CHUNK - 1);
        yield chunk;
      }
      yield '    </PmtInf>\n';
    }
    yield '  </CstmrDrctDbtInitn>\n</Document>\n';
  })();
}

describe('readPain008 streams', () => {
  it(`${TRANSACTIONS.toLocaleString('en')} transactions in flat memory, each as soon as it is read`, async () => {
    const gc = collectGarbage();
    gc();
    const heapBeforeBytes = process.memoryUsage().heapUsed;
    const progress = { produced: 0 };
    let expectedRow = 0;
    let lagMax = 0;
    let mismatches = 0;
    let heapGrowthBytes = Number.NaN;
    for await (const { row, record } of readPain008(generatePain008(TRANSACTIONS, progress))) {
      expectedRow += 1;
      if (row !== expectedRow || record.reference !== `E2E-${row}` || record.amount_yuan !== amountOf(row) || record.holder_name !== `张三${row}`) mismatches += 1;
      lagMax = Math.max(lagMax, progress.produced - row);
      // Measured while the reader is still open, holding whatever it holds.
      if (row === TRANSACTIONS) {
        gc();
        heapGrowthBytes = process.memoryUsage().heapUsed - heapBeforeBytes;
      }
    }
    expect(expectedRow).toBe(TRANSACTIONS);
    expect(mismatches).toBe(0);
    // A record comes out while its chunk is being read, never after the whole input.
    expect(lagMax).toBeLessThan(2 * TRANSACTIONS_PER_CHUNK);
    expect(heapGrowthBytes).toBeLessThan(HEAP_GROWTH_BYTES_MAX);
    // 200,000 records take ~10 s alone and over 30 s on a shared, loaded machine: a deadline, not a timing.
  }, 120_000);
});
