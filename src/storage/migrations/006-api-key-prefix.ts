import { sql, type Kysely } from 'kysely';

/**
 * API keys get a display prefix (SPEC §17: keys are listed "by prefix"): the key's first 12
 * characters, e.g. `dk_mer_AbCdE`, enough to tell keys apart and far too little to use one.
 * Keys issued before this migration have only their kind to show (`dk_op_` / `dk_mer_`): the
 * key itself was never stored.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('prefix', 'text', (c) => c.notNull().defaultTo('')).execute();
  await sql`UPDATE api_keys SET prefix = CASE WHEN merchant_id IS NULL THEN 'dk_op_' ELSE 'dk_mer_' END`.execute(db);
  await db.schema.createIndex('api_keys_merchant').on('api_keys').columns(['merchant_id', 'id']).execute();
}

