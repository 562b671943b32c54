import { noticeSourceKind } from '../core/index.js';
import type { AppContext } from './context.js';
import { nowIso } from './context.js';
import { notFound, validationFailed, type FieldError } from './errors.js';
import type { NoticeRow, NoticeStore, Page } from './ports.js';

/*
 * Notices (公告, SPEC §17): the operator publishes the regulatory notices that routing rules come
 * from; every key reads them. A notice is never changed: a correction is a new notice, and a rule's
 * next version names it. The HTTP schema bounds the lengths and the shape of `published_at`; what
 * needs more than a shape is checked here. Card and ID numbers in the text are refused before any
 * of this, at the edge, like any free text (src/http/free-text.ts).
 */

export interface NoticeInput {
  title: string;
  source: string;
  author: string;
  /** RFC 3339 with an offset. */
  published_at: string;
  body: string;
}

export async function publishNotice(ctx: AppContext, input: NoticeInput): Promise<NoticeRow> {
  const now = ctx.clock.now();
  const errors: FieldError[] = [];
  for (const field of ['title', 'author', 'body'] as const) {
    if (input[field].trim() === '') errors.push({ pointer: `/${field}`, code: 'blank', detail: `${field} holds only spaces.` });
  }
  if (noticeSourceKind(input.source) === null) {
    errors.push({
      pointer: '/source',
      code: 'not_a_source',
      detail: 'A source is an http(s) URL where the notice can be read, or its document number (发文字号) such as 国办发明电〔2025〕7号 or 银办发[2017]110号.',
    });
  }
  const publishedAt = instant(input.published_at, '/published_at', errors);
  if (publishedAt !== null && publishedAt > now.getTime()) {
    errors.push({ pointer: '/published_at', code: 'in_future', detail: 'A notice is published before it is recorded: published_at is later than now.' });
  }
  if (errors.length > 0) throw validationFailed(errors);
  const row: NoticeRow = {
    id: ctx.ids.next('notice'),
    title: input.title,
    source: input.source,
    author: input.author,
    published_at: new Date(publishedAt!).toISOString(),
    body: input.body,
    created_at: nowIso(ctx),
  };
  await ctx.store.insertNotice(row);
  return row;
}

export async function getNotice(ctx: AppContext, id: string): Promise<NoticeRow> {
  const row = await ctx.store.getNotice(id);
  if (row === null) throw notFound('notice', id);
  return row;
}

export interface NoticeQuery {
  limit: number;
  startingAfter?: string | undefined;
  text?: string | undefined;
  /** RFC 3339 with an offset. */
  publishedGte?: string | undefined;
  publishedLt?: string | undefined;
}

/** Newest publication first; `startingAfter` is the last notice of the previous page. */
export async function listNotices(ctx: AppContext, query: NoticeQuery): Promise<Page<NoticeRow>> {
  const errors: FieldError[] = [];
  const gte = query.publishedGte === undefined ? null : instant(query.publishedGte, '/published_gte', errors);
  const lt = query.publishedLt === undefined ? null : instant(query.publishedLt, '/published_lt', errors);
  let after: NoticeRow | null = null;
  if (query.startingAfter !== undefined) {
    after = await ctx.store.getNotice(query.startingAfter);
    if (after === null) errors.push({ pointer: '/starting_after', code: 'unknown_notice', detail: `No notice ${query.startingAfter} exists: pass the id of the last notice of the previous page.` });
  }
  if (errors.length > 0) throw validationFailed(errors);
  return ctx.store.listNotices({
    limit: query.limit,
    after: after ?? undefined,
    text: query.text,
    publishedGte: gte === null ? undefined : new Date(gte).toISOString(),
    publishedLt: lt === null ? undefined : new Date(lt).toISOString(),
  });
}

/** Refuses a `notice_id` that names no notice, at `pointer`; in the caller's transaction. */
export async function checkNoticeExists(store: Pick<NoticeStore, 'getNotice'>, noticeId: string | null | undefined, pointer: string): Promise<void> {
  if (noticeId === null || noticeId === undefined) return;
  if ((await store.getNotice(noticeId)) === null) {
    throw validationFailed([{ pointer, code: 'unknown_notice', detail: `No notice ${noticeId} exists; publish it first (POST /v1/notices).` }]);
  }
}

/** Milliseconds since the epoch of an RFC 3339 time, or null (and an error at `pointer`). */
function instant(text: string, pointer: string, errors: FieldError[]): number | null {
  const ms = Date.parse(text);
  // Date.parse rolls 02-30 over into March; a real time reads back as the same calendar date.
  const wall = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(text);
  const offset = /(?:Z|([+-])(\d{2}):(\d{2}))$/i.exec(text);
  if (!Number.isFinite(ms) || wall === null || offset === null) {
    errors.push({ pointer, code: 'invalid_time', detail: 'An RFC 3339 time with its offset, e.g. 2017-12-07T09:30:00+08:00.' });
    return null;
  }
  const offsetMs = offset[1] === undefined ? 0 : (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
  if (new Date(ms + offsetMs).toISOString().slice(0, 10) !== wall[1]) {
    errors.push({ pointer, code: 'invalid_time', detail: `${wall[1]} is not a real calendar date.` });
    return null;
  }
  return ms;
}
