import type { Page, WebhookEndpointChange, WebhookEndpointFilter, WebhookEndpointRow } from '../../app/ports.js';
import { page, type Executor, type StoreContext } from './shared.js';

/** Webhook endpoints (SPEC §16). */
export class Webhooks {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertWebhookEndpoint(row: WebhookEndpointRow): Promise<void> {
    await this.db.insertInto('webhook_endpoints').values(row).execute();
  }

  async getWebhookEndpoint(id: string): Promise<WebhookEndpointRow | null> {
    return (await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()) ?? null;
  }

  async listWebhookEndpoints(filter: WebhookEndpointFilter): Promise<Page<WebhookEndpointRow>> {
    let query = this.db.selectFrom('webhook_endpoints').selectAll().where('deleted_at', 'is', null);
    if (filter.merchantId !== undefined) query = query.where('merchant_id', '=', filter.merchantId);
    if (filter.startingAfter !== undefined) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async updateWebhookEndpoint(id: string, change: WebhookEndpointChange): Promise<WebhookEndpointRow | null> {
    const result = await this.db.updateTable('webhook_endpoints').set(change).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    if (result.numUpdatedRows === 0n) return null;
    return (await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }
}
