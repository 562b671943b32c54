import { sql } from 'kysely';
import type { NoticeFilter, NoticeRow, Page } from '../../app/ports.js';
import { page, type Executor, type StoreContext } from './shared.js';

/** `%`, `_` and the escape character itself, taken literally in a LIKE pattern escaped by `\`. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** Notices (SPEC §17): newest publication first, by (`published_at`, id), which the index covers. */
export class Notices {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertNotice(row: NoticeRow): Promise<void> {
    await this.db.insertInto('notices').values(row).execute();
  }

  async getNotice(id: string): Promise<NoticeRow | null> {
    return (await this.db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async listNotices(filter: NoticeFilter): Promise<Page<NoticeRow>> {
    let query = this.db.selectFrom('notices').selectAll();
    const { after, text } = filter;
    if (after !== undefined) {
      query = query.where((eb) => eb.or([eb('published_at', '<', after.published_at), eb.and([eb('published_at', '=', after.published_at), eb('id', '<', after.id)])]));
    }
    if (filter.publishedGte !== undefined) query = query.where('published_at', '>=', filter.publishedGte);
    if (filter.publishedLt !== undefined) query = query.where('published_at', '<', filter.publishedLt);
    if (text !== undefined && text !== '') {
      // lower() on both sides: LIKE is case-insensitive for ASCII on SQLite but not on PostgreSQL.
      const pattern = `%${likeLiteral(text.toLowerCase())}%`;
      query = query.where(sql<boolean>`(lower(title) like ${pattern} escape '\\' or lower(body) like ${pattern} escape '\\')`);
    }
    return page(await query.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }
}
