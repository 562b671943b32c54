import fs from 'node:fs';
import { once } from 'node:events';
import { formatYuan, type Fen } from '../core/index.js';
import { escapeXmlText } from '../formats/iso20022/index.js';

export const BATCH_FILE_FORMATS = ['csv', 'pain.008'] as const;
export type BatchFileFormat = (typeof BATCH_FILE_FORMATS)[number];

export const BATCH_CONTENT_TYPES: Record<BatchFileFormat, string> = { csv: 'text/csv', 'pain.008': 'application/xml' };

/**
 * The amount of bench row `row` (from 1): bills of 1.00 to 999.99 yuan, and every 50th an
 * instalment of 1,000 to 50,000 yuan — never more than a sandbox account holds (1,000,000 yuan).
 */
export function benchAmountFen(row: number): Fen {
  if (row % 50 === 0) return (100_000 + ((row * 7_919) % 4_900_001)) as Fen;
  return (100 + ((row * 7_919) % 99_900)) as Fen;
}

/** Lines are gathered into writes of about this many characters. */
const WRITE_CHARS = 256 * 1024;

/**
 * Writes the benchmark's batch file row by row, streamed to disk: a CSV with the header
 * `reference,mandate_id,amount_yuan,description`, or an ISO 20022 pain.008.001.02 (one payment
 * information block; each transaction names its mandate by daikou id in MndtId and carries no
 * debtor account, so that both formats ask ingestion the same questions).
 */
export class BatchFileWriter {
  readonly #out: fs.WriteStream;
  readonly #format: BatchFileFormat;
  #pending: string[] = [];
  #pendingChars = 0;
  #rows = 0;

  private constructor(out: fs.WriteStream, format: BatchFileFormat) {
    this.#out = out;
    this.#format = format;
  }

  /** `rows` is the number of rows that will be written: pain.008 states it, and the control sum, up front. */
  static async open(file: string, format: BatchFileFormat, header: { rows: number; creditorName: string; createdAt: Date }): Promise<BatchFileWriter> {
    const writer = new BatchFileWriter(fs.createWriteStream(file), format);
    await writer.#push(format === 'csv' ? 'reference,mandate_id,amount_yuan,description\n' : pain008Head(header));
    return writer;
  }

  /** Row `row` (from 1), a debit of benchAmountFen(row) under the mandate. */
  async write(row: number, mandateId: string): Promise<void> {
    const reference = `BENCH-${row}`;
    const amount = formatYuan(benchAmountFen(row));
    this.#rows += 1;
    await this.#push(
      this.#format === 'csv'
        ? `${reference},${mandateId},${amount},water bill\n`
        : `      <DrctDbtTxInf><PmtId><EndToEndId>${reference}</EndToEndId></PmtId><InstdAmt Ccy="CNY">${amount}</InstdAmt>` +
            `<DrctDbtTx><MndtRltdInf><MndtId>${mandateId}</MndtId><DtOfSgntr>2020-01-01</DtOfSgntr></MndtRltdInf></DrctDbtTx>` +
            `<DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt><Dbtr><Nm>Payer ${row}</Nm></Dbtr>` +
            `<RmtInf><Ustrd>water bill</Ustrd></RmtInf></DrctDbtTxInf>\n`,
    );
  }

  async end(): Promise<number> {
    if (this.#format === 'pain.008') await this.#push('    </PmtInf>\n  </CstmrDrctDbtInitn>\n</Document>\n');
    await this.#flush();
    const finished = once(this.#out, 'finish');
    this.#out.end();
    await finished;
    return this.#rows;
  }

  async #push(text: string): Promise<void> {
    this.#pending.push(text);
    this.#pendingChars += text.length;
    if (this.#pendingChars >= WRITE_CHARS) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending = [];
    this.#pendingChars = 0;
    if (!this.#out.write(text)) await once(this.#out, 'drain');
  }
}

function pain008Head(header: { rows: number; creditorName: string; createdAt: Date }): string {
  let sum = 0;
  for (let row = 1; row <= header.rows; row += 1) sum += benchAmountFen(row);
  const controlSum = formatYuan(sum as Fen);
  const messageId = `BENCH-${header.createdAt.getTime()}`;
  const party = `<Nm>${escapeXmlText(header.creditorName)}</Nm>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">',
    '  <CstmrDrctDbtInitn>',
    `    <GrpHdr><MsgId>${messageId}</MsgId><CreDtTm>${header.createdAt.toISOString().slice(0, 19)}</CreDtTm><NbOfTxs>${header.rows}</NbOfTxs><CtrlSum>${controlSum}</CtrlSum><InitgPty>${party}</InitgPty></GrpHdr>`,
    `    <PmtInf><PmtInfId>${messageId}-1</PmtInfId><PmtMtd>DD</PmtMtd><NbOfTxs>${header.rows}</NbOfTxs><CtrlSum>${controlSum}</CtrlSum>` +
      `<PmtTpInf><SeqTp>RCUR</SeqTp></PmtTpInf><ReqdColltnDt>${header.createdAt.toISOString().slice(0, 10)}</ReqdColltnDt><Cdtr>${party}</Cdtr>` +
      '<CdtrAcct><Id><Othr><Id>440301000111222333</Id></Othr></Id></CdtrAcct><CdtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></CdtrAgt>',
    '',
  ].join('\n');
}
