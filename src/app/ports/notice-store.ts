import type { NoticeRecord } from '../../core/index.js';
import type { Page } from './page.js';

export type NoticeRow = NoticeRecord;

/** Which notices, newest publication first; the cursor is a notice of the previous page. */
export interface NoticeFilter {
  limit: number;
  /** The last notice of the previous page (its row: the order is by `published_at`, then id). */
  after?: Pick<NoticeRow, 'id' | 'published_at'> | undefined;
  /** Text the title or the body contains (case-insensitive for Latin letters), taken literally. */
  text?: string | undefined;
  /** Published at or after this instant (stored form, UTC). */
  publishedGte?: string | undefined;
  /** Published before this instant (stored form, UTC). */
  publishedLt?: string | undefined;
}

/** Notices (SPEC §17): written once, never changed, read by every key and named by rules. */
export interface NoticeStore {
  insertNotice(row: NoticeRow): Promise<void>;
  getNotice(id: string): Promise<NoticeRow | null>;
  listNotices(filter: NoticeFilter): Promise<Page<NoticeRow>>;
}
