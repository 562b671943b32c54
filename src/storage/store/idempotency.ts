import { idempotencyPair, type IdempotencyRow } from '../../app/ports.js';
import { IDEMPOTENCY_KEYS_TABLE } from '../tables.js';
import { selectIn, type Executor, type StoreContext } from './shared.js';

/** The key's columns, the conflict target of both writes of a group's keys. */
const CLAIM = 'on conflict ("merchant_id", "key") do nothing returning "merchant_id", "key"';
const ANSWER =
  'on conflict ("merchant_id", "key") do update set "request_hash" = excluded."request_hash", "state" = excluded."state", ' +
  '"response_status" = excluded."response_status", "response_body" = excluded."response_body"';

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

  /** One statement text per row count, prepared once on SQLite (the query builder compiled every group's anew). */
  async insertIdempotencyKeys(rows: readonly IdempotencyRow[]): Promise<Set<string>> {
    const inserted = await this.context.dialect.insertOrMerge<IdempotencyRow, Pick<IdempotencyRow, 'merchant_id' | 'key'>>(this.context, IDEMPOTENCY_KEYS_TABLE, rows, CLAIM);
    return new Set(inserted.map((row) => idempotencyPair(row.merchant_id, row.key)));
  }

  async completeIdempotencyKeys(rows: readonly IdempotencyRow[]): Promise<void> {
    await this.context.dialect.insertOrMerge(this.context, IDEMPOTENCY_KEYS_TABLE, rows, ANSWER);
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

  async findIdempotencyKeys(merchantId: string, keys: readonly string[]): Promise<Set<string>> {
    const rows = await selectIn<{ key: string }>(this.context, 'select key from idempotency_keys where merchant_id = $1 and key', [merchantId], keys);
    return new Set(rows.map((row) => row.key));
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
