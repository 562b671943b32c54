import { idempotencyPair, type IdempotencyRow } from '../../app/ports.js';
import { type Executor, type StoreContext } from './shared.js';

/** Idempotency keys and their stored responses. */
export class Idempotency {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertIdempotencyKey(row: IdempotencyRow): Promise<boolean> {
    const result = await this.db
      .insertInto('idempotency_keys')
      .values(row)
      .onConflict((oc) => oc.columns(['merchant_id', 'key']).doNothing())
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows === 1n;
  }

  async insertIdempotencyKeys(rows: readonly IdempotencyRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values([...rows])
      .onConflict((oc) => oc.columns(['merchant_id', 'key']).doNothing())
      .returning(['merchant_id', 'key'])
      .execute();
    return new Set(inserted.map((row) => idempotencyPair(row.merchant_id, row.key)));
  }

  async completeIdempotencyKeys(rows: readonly IdempotencyRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db
      .insertInto('idempotency_keys')
      .values([...rows])
      .onConflict((oc) =>
        oc.columns(['merchant_id', 'key']).doUpdateSet((eb) => ({
          request_hash: eb.ref('excluded.request_hash'),
          state: eb.ref('excluded.state'),
          response_status: eb.ref('excluded.response_status'),
          response_body: eb.ref('excluded.response_body'),
        })),
      )
      .execute();
  }

  async getIdempotencyKey(merchantId: string, key: string): Promise<IdempotencyRow | null> {
    const row = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ?? null;
  }

  async completeIdempotencyKey(merchantId: string, key: string, status: number, body: string): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'done', response_status: status, response_body: body })
      .where('merchant_id', '=', merchantId)
      .where('key', '=', key)
      .execute();
  }

  async deleteIdempotencyKey(merchantId: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('merchant_id', '=', merchantId).where('key', '=', key).execute();
  }

  async deleteIdempotencyKeysBefore(before: string, limit: number): Promise<number> {
    // Neither engine takes DELETE … LIMIT as standard: the oldest `limit` keys are chosen by a
    // subquery on (created_at) and deleted by their primary key.
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where((eb) =>
        eb(
          eb.refTuple('merchant_id', 'key'),
          'in',
          eb.selectFrom('idempotency_keys as old').select(['old.merchant_id', 'old.key']).where('old.created_at', '<', before).orderBy('old.created_at').limit(limit).$asTuple('merchant_id', 'key'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
