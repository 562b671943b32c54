import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { batchReportCsvBytes, batchReportPain002, getBatch, receiveBatch, REPORT_ENCODINGS } from '../../app/batches.js';
import type { BatchRow } from '../../app/ports.js';
import { presentBatch } from '../presenters.js';
import type { RouteDeps } from '../route-deps.js';
import { merchantOf, merchantScope } from '../auth.js';
import { PageQuery } from '../schemas.js';
import { problem, sendProblem } from '../problem.js';
import { Batch, BATCH_KINDS, BATCH_STATUSES, BatchList, responses } from '../representations/index.js';

const IdParams = z.strictObject({ id: z.string() });
const ReportQuery = z.strictObject({
  bom: z.enum(['true', 'false']).optional().describe('true: the UTF-8 report starts with a byte-order mark, so that Excel on a Chinese Windows reads it as UTF-8'),
  encoding: z.enum(REPORT_ENCODINGS).optional().describe('utf-8 (the default) or gb18030 (no BOM; read as CP936 by readers that assume the Windows code page)'),
});

export function batchRoutes(app: FastifyInstance, { ctx, guard, onBatchReceived }: RouteDeps): void {
  // Batch files are streamed to disk as they arrive, never held in memory.
  for (const type of ['text/csv', 'application/xml', 'text/xml']) {
    app.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
  }
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['batches'];
  /** A batch with its debits counted now. */
  const view = async (batch: BatchRow) => presentBatch(batch, await (batch.kind === 'payout' ? ctx.store.countBatchPayouts(batch.id) : ctx.store.countBatchDebits(batch.id)));
  r.post('/v1/batches', {
    schema: {
      operationId: 'createBatch',
      tags,
      summary: 'Upload a batch file (CSV, or ISO 20022 pain.008 / pain.001 as application/xml); answers at once and processes in the background',
      description:
        'Debits: CSV columns reference, mandate_id or account_number, amount (fen) or amount_yuan, holder_name, id_number, phone, description; or a pain.008. ' +
        'Payouts: a CSV sent with kind=payout, columns reference, account_number, holder_name, account_kind (personal or corporate), amount (fen) or amount_yuan, bank_code, description; or a pain.001.001.03 (no kind needed). ' +
        'Each payout row is decided as POST /v1/payouts decides (a row that does not fit the available balance is rejected insufficient_balance, its neighbours unaffected). ' +
        'CSV is UTF-8 (a BOM allowed) unless the content type declares charset=gbk or charset=gb18030; a file not valid in its encoding is refused whole (400 invalid_encoding, with the byte offset). ' +
        'The same file twice is one batch: 202 when the batch is new, 200 with the existing batch otherwise.',
      consumes: ['text/csv', 'application/xml'],
      querystring: z.strictObject({
        kind: z.enum(BATCH_KINDS).optional().describe('What the rows become: debit (the default for a CSV) or payout. An ISO 20022 file says it itself (pain.008: debit, pain.001: payout); a kind that contradicts it is refused'),
      }),
      response: responses({ 200: Batch, 202: Batch }, [400, 401, 403, 413, 415]),
    },
    onRequest: guard('merchant'),
  }, async (request, reply) => {
    if (!(request.body instanceof Readable)) {
      return sendProblem(reply, problem(415, 'unsupported_media_type', 'Send a CSV file as text/csv, or an ISO 20022 pain.008 or pain.001 file as application/xml.'));
    }
    const length = Number(request.headers['content-length']);
    const { batch, created } = await receiveBatch(ctx, merchantOf(request), request.headers['content-type'] ?? '', request.body, Number.isSafeInteger(length) ? length : undefined, request.query.kind);
    if (created) onBatchReceived();
    return reply.code(created ? 202 : 200).send(await view(batch));
  });
  r.get('/v1/batches', {
    schema: {
      operationId: 'listBatches',
      tags,
      summary: 'List batches, newest first',
      querystring: z.strictObject({ ...PageQuery, status: z.enum(BATCH_STATUSES).optional() }),
      response: responses({ 200: BatchList }, [400, 401]),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const page = await ctx.store.listBatches({
      merchantId: merchantScope(request) ?? undefined,
      status: request.query.status,
      limit: request.query.limit,
      startingAfter: request.query.starting_after,
    });
    return { object: 'list' as const, data: await Promise.all(page.data.map(view)), has_more: page.hasMore };
  });
  r.get('/v1/batches/:id', {
    schema: { operationId: 'getBatch', tags, summary: 'A batch with its live counts', params: IdParams, response: responses({ 200: Batch }, [401, 404]) },
    onRequest: guard('any'),
  }, async (request) => view(await getBatch(ctx, merchantScope(request), request.params.id)));
  r.get('/v1/batches/:id/report', {
    schema: {
      operationId: 'getBatchReport',
      tags,
      summary: 'The result file (回盘): one CSV line per input row (row, reference, debit_id — payout_id for a payout batch —, status, code, message, field), or ISO 20022 pain.002 with Accept: application/xml',
      params: IdParams,
      querystring: ReportQuery,
      response: responses(
        {
          200: {
            description: 'The report, as an attachment',
            content: {
              'text/csv': { schema: z.string().describe('Header row,reference,debit_id,status,code,message,field (payout_id in place of debit_id for a payout batch); one line per input row. UTF-8, with a BOM on bom=true, or GB18030 on encoding=gb18030') },
              'application/xml': { schema: z.string().describe('ISO 20022 pain.002 (customer payment status report)') },
            },
          },
        },
        [400, 401, 404],
      ),
    },
    onRequest: guard('any'),
  }, async (request, reply) => {
    const batch = await getBatch(ctx, merchantScope(request), request.params.id);
    if (/\bapplication\/xml\b|\btext\/xml\b/.test(request.headers.accept ?? '')) {
      reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${batch.id}-pain002.xml"`);
      return reply.send(asDocumentedText(Readable.from(batchReportPain002(ctx, batch))));
    }
    const encoding = request.query.encoding ?? 'utf-8';
    const bom = request.query.bom === 'true';
    if (bom && encoding !== 'utf-8') return sendProblem(reply, problem(400, 'validation_failed', 'A byte-order mark is for UTF-8 reports only.', [{ pointer: '/query/bom', code: 'invalid_combination', detail: 'bom=true goes with encoding=utf-8.' }]));
    reply.type(`text/csv; charset=${encoding}`).header('content-disposition', `attachment; filename="${batch.id}-report.csv"`);
    return reply.send(asDocumentedText(Readable.from(batchReportCsvBytes(ctx, batch, { bom, encoding }))));
  });
}

/**
 * The report is documented as text (what the client receives) but sent as a stream, which
 * Fastify writes as it comes without serializing: the type says what arrives, not what is sent.
 */
function asDocumentedText(stream: Readable): string {
  return stream as unknown as string;
}
