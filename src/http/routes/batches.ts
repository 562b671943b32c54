import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { batchReportCsvBytes, batchReportPain002, getBatch, presentBatch, receiveBatch, REPORT_ENCODINGS } from '../../app/batches.js';
import type { RouteDeps } from '../server.js';
import { merchantOf, merchantScope } from '../auth.js';
import { PageQuery } from '../schemas.js';
import { problem, sendProblem } from '../problem.js';

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
  r.post('/v1/batches', {
    schema: {
      tags,
      summary: 'Upload a batch file (CSV, or ISO 20022 pain.008 as application/xml); answers at once and processes in the background',
      description: 'CSV columns: reference, mandate_id or account_number, amount (fen) or amount_yuan, holder_name, id_number, phone, description. CSV is UTF-8 (a BOM allowed) unless the content type declares charset=gbk or charset=gb18030; a file not valid in its encoding is refused whole (400 invalid_encoding, with the byte offset). The same file twice is one batch.',
      consumes: ['text/csv', 'application/xml'],
    },
    onRequest: guard('merchant'),
  }, async (request, reply) => {
    if (!(request.body instanceof Readable)) {
      return sendProblem(reply, problem(415, 'unsupported_media_type', 'Send a CSV file as text/csv, or an ISO 20022 pain.008 file as application/xml.'));
    }
    const length = Number(request.headers['content-length']);
    const { batch, created } = await receiveBatch(ctx, merchantOf(request), request.headers['content-type'] ?? '', request.body, Number.isSafeInteger(length) ? length : undefined);
    if (created) onBatchReceived();
    return reply.code(created ? 202 : 200).send(await presentBatch(ctx, batch));
  });
  r.get('/v1/batches', { schema: { tags, summary: 'List batches, newest first', querystring: z.strictObject({ ...PageQuery }) }, onRequest: guard('any') }, async (request) => {
    const page = await ctx.store.listBatches({ merchantId: merchantScope(request) ?? undefined, limit: request.query.limit, startingAfter: request.query.starting_after });
    return { object: 'list', data: await Promise.all(page.data.map((batch) => presentBatch(ctx, batch))), has_more: page.hasMore };
  });
  r.get('/v1/batches/:id', { schema: { tags, summary: 'A batch with its live counts', params: IdParams }, onRequest: guard('any') }, async (request) =>
    presentBatch(ctx, await getBatch(ctx, merchantScope(request), request.params.id)),
  );
  r.get('/v1/batches/:id/report', {
    schema: { tags, summary: 'The result file (回盘): one CSV line per input row (row, reference, debit_id, status, code, message, field), or ISO 20022 pain.002 with Accept: application/xml', params: IdParams, querystring: ReportQuery },
    onRequest: guard('any'),
  }, async (request, reply) => {
    const batch = await getBatch(ctx, merchantScope(request), request.params.id);
    if (/\bapplication\/xml\b|\btext\/xml\b/.test(request.headers.accept ?? '')) {
      reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${batch.id}-pain002.xml"`);
      return reply.send(Readable.from(batchReportPain002(ctx, batch)));
    }
    const encoding = request.query.encoding ?? 'utf-8';
    const bom = request.query.bom === 'true';
    if (bom && encoding !== 'utf-8') return sendProblem(reply, problem(400, 'validation_failed', 'A byte-order mark is for UTF-8 reports only.', [{ pointer: '/bom', code: 'invalid_combination', detail: 'bom=true goes with encoding=utf-8.' }]));
    reply.type(`text/csv; charset=${encoding}`).header('content-disposition', `attachment; filename="${batch.id}-report.csv"`);
    return reply.send(Readable.from(batchReportCsvBytes(ctx, batch.id, { bom, encoding })));
  });
}
