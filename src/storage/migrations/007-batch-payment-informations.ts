import type { Kysely } from 'kysely';

/**
 * A pain.008 batch keeps its payment information blocks — each `PmtInfId` and the row it begins
 * at, as JSON `[[id, firstRow], …]` — so that its pain.002 names each transaction's original
 * block in `OrgnlPmtInfId` (ISO 20022 requires the original PmtInfId there). Null for CSV batches
 * and for batches taken before this migration (their report names the message, as before).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('batches').addColumn('payment_informations', 'text').execute();
}
