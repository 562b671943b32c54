import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getNotice, listNotices, publishNotice } from '../../app/notices.js';
import { presentNotice } from '../presenters.js';
import { Notice, NoticeList, responses } from '../representations/index.js';
import type { RouteDeps } from '../route-deps.js';
import { IdParams, ListNoticesQuery, NoticeBody } from '../schemas.js';

/** Notices (公告, SPEC §17): the operator publishes them, every key reads them, rules name them. */
export function noticeRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['notices'];
  r.post('/v1/notices', {
    schema: {
      operationId: 'publishNotice',
      tags,
      summary: 'Publish a regulatory notice (公告) that rules can name',
      body: NoticeBody,
      response: responses({ 201: Notice }, [400, 401, 403, 413, 415]),
    },
    onRequest: guard('operator'),
  }, async (request, reply) => reply.code(201).send(presentNotice(await publishNotice(ctx, request.body))));
  r.get('/v1/notices', {
    schema: {
      operationId: 'listNotices',
      tags,
      summary: 'List notices, newest publication first; filter by text and publication time',
      querystring: ListNoticesQuery,
      response: responses({ 200: NoticeList }, [400, 401]),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const q = request.query;
    const page = await listNotices(ctx, { limit: q.limit, startingAfter: q.starting_after, text: q.q, publishedGte: q.published_gte, publishedLt: q.published_lt });
    return { object: 'list' as const, data: page.data.map(presentNotice), has_more: page.hasMore };
  });
  r.get('/v1/notices/:id', {
    schema: { operationId: 'getNotice', tags, summary: 'Retrieve a notice', params: IdParams, response: responses({ 200: Notice }, [401, 404]) },
    onRequest: guard('any'),
  }, async (request) => presentNotice(await getNotice(ctx, request.params.id)));
}
