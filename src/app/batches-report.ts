import iconv from 'iconv-lite';
import { formatInstant, type BatchKind, type DebitStatus } from '../core/index.js';
import { writePain002, type Iso20022MessageName } from '../formats/iso20022/index.js';
import type { AppContext } from './context.js';
import { notFound } from './errors.js';
import type { BatchReportLine, BatchRow } from './ports.js';

/* A batch's result file (回盘) as CSV or pain.002. */

export async function getBatch(ctx: AppContext, merchantId: string | null, id: string): Promise<BatchRow> {
  const batch = await ctx.store.getBatch(id);
  if (batch === null || (merchantId !== null && batch.merchant_id !== merchantId)) throw notFound('batch', id);
  return batch;
}

const csvCell = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * The result file (回盘) as CSV: one line per input row, the debit's current status, and for a
 * refused row the `field` it was refused on as the file names it (a CSV column, or a pain.008
 * path). `field` comes last so that the columns before it keep their places for readers that
 * took the report before it existed.
 */
export async function* batchReportCsv(ctx: AppContext, batchId: string, kind: BatchKind = 'debit'): AsyncGenerator<string> {
  // A payout batch's report names payouts where a debit batch's names debits; the other columns are the same.
  yield `row,reference,${kind === 'payout' ? 'payout_id' : 'debit_id'},status,code,message,field\n`;
  let after = 0;
  for (;;) {
    const lines: BatchReportLine[] = await ctx.store.listBatchReport(batchId, after, 5_000, kind);
    if (lines.length === 0) return;
    yield lines
      .map((line) => {
        const status = line.status === 'rejected' ? 'rejected' : line.debit_status ?? 'pending';
        const code = line.status === 'rejected' ? line.code : line.failure_code;
        const message = line.status === 'rejected' ? line.message : line.failure_message;
        const field = line.status === 'rejected' ? line.column_name : null;
        return [line.row, line.reference, kind === 'payout' ? line.payout_id : line.debit_id, status, code, message, field].map(csvCell).join(',');
      })
      .join('\n') + '\n';
    after = lines[lines.length - 1]!.row;
  }
}

/** The encodings a CSV report is offered in (issue 9): UTF-8, or GB18030 for readers that assume the Windows code page. */
export const REPORT_ENCODINGS = ['utf-8', 'gb18030'] as const;
export type ReportEncoding = (typeof REPORT_ENCODINGS)[number];

/**
 * The CSV result file as bytes: UTF-8 (with a BOM when asked, which is how Excel on a Chinese
 * Windows knows it is UTF-8), or GB18030 with no BOM (read there as the system's code page,
 * CP936, whose characters GB18030 writes the same way). Each page is encoded on its own: a page
 * ends at a line's end, so no character is split.
 */
export async function* batchReportCsvBytes(ctx: AppContext, batch: Pick<BatchRow, 'id' | 'kind'>, options: { bom: boolean; encoding: ReportEncoding }): AsyncGenerator<Buffer> {
  if (options.bom && options.encoding === 'utf-8') yield Buffer.from([0xef, 0xbb, 0xbf]);
  for await (const text of batchReportCsv(ctx, batch.id, batch.kind)) yield options.encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gb18030');
}

/** The result file as ISO 20022 pain.002, streamed page by page; for a payout batch, on its payouts (OrgnlMsgNmId a pain.001). */
export function batchReportPain002(ctx: AppContext, batch: BatchRow): AsyncGenerator<string> {
  async function* lines() {
    let after = 0;
    for (;;) {
      const page: BatchReportLine[] = await ctx.store.listBatchReport(batch.id, after, 5_000, batch.kind);
      if (page.length === 0) return;
      for (const line of page) {
        const refused = line.status === 'rejected';
        yield {
          row: line.row,
          reference: line.reference,
          status: (refused ? 'rejected' : (line.debit_status ?? 'pending')) as DebitStatus,
          code: refused ? line.code : line.failure_code,
          // pain.002 has no place for the field: the message names it, unless it already does.
          message: refused ? (line.column_name && !(line.message ?? '').includes(line.column_name) ? `${line.column_name}: ${line.message}` : line.message) : line.failure_message,
        };
      }
      after = page[page.length - 1]!.row;
    }
  }
  return writePain002({
    // Message ids are at most 35 characters; the file's hash names the report uniquely.
    messageId: `DKR-${batch.file_sha256.slice(0, 31)}`,
    createdAt: formatInstant(ctx.clock.now()),
    originalMessageId: batch.message_id ?? `DK-${batch.file_sha256.slice(0, 32)}`,
    // A CSV batch names the message it stands for: pain.008.001.02 for debits, pain.001.001.03 for payouts.
    originalMessageType: (batch.message_name ?? (batch.kind === 'payout' ? 'pain.001.001.03' : 'pain.008.001.02')) as Iso20022MessageName,
    paymentInformations: paymentInformationsOf(batch),
    lines,
  });
}

/** The original blocks a pain.008 batch recorded at upload (migration 007); empty for CSV and older batches. */
function paymentInformationsOf(batch: BatchRow): { id: string; firstRow: number }[] {
  if (batch.payment_informations === null) return [];
  const blocks = JSON.parse(batch.payment_informations) as [string, number][];
  return blocks.map(([id, firstRow]) => ({ id, firstRow }));
}
