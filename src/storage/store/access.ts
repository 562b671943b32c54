import type { ApiKeyRow, Page, PageRequest } from '../../app/ports.js';
import { page, type Executor, type StoreContext } from './shared.js';

/** Settings and API keys. */
export class Access {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async getSetting(key: string): Promise<string | null> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value ?? null;
  }

  async putSetting(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async insertApiKey(row: ApiKeyRow): Promise<void> {
    await this.db.insertInto('api_keys').values(row).execute();
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRow | null> {
    return (await this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst()) ?? null;
  }

  async countOperatorKeys(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('merchant_id', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async getApiKey(id: string): Promise<ApiKeyRow | null> {
    return (await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async listApiKeys(filter: PageRequest & { merchantId: string | null }): Promise<Page<ApiKeyRow>> {
    let query = this.db.selectFrom('api_keys').selectAll();
    query = filter.merchantId === null ? query.where('merchant_id', 'is', null) : query.where('merchant_id', '=', filter.merchantId);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async revokeApiKey(id: string, at: string): Promise<boolean> {
    const result = await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeOperatorKeysExcept(keepId: string, at: string): Promise<number> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('merchant_id', 'is', null)
      .where('revoked_at', 'is', null)
      .where('id', '!=', keepId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
