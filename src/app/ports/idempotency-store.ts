import type { IdempotencyRecord } from '../../core/index.js';

export type IdempotencyRow = IdempotencyRecord;

/** What the Idempotency-Key handling (SPEC §12) and its sweep need. */
export interface IdempotencyStore {
  /** Inserts an in-progress key; false when the key exists. */
  insertIdempotencyKey(row: IdempotencyRow): Promise<boolean>;
  getIdempotencyKey(merchantId: string, key: string): Promise<IdempotencyRow | null>;
  completeIdempotencyKey(merchantId: string, key: string, status: number, body: string): Promise<void>;
  deleteIdempotencyKey(merchantId: string, key: string): Promise<void>;
  /** Deletes at most `limit` keys created before `before`, oldest first; returns how many. */
  deleteIdempotencyKeysBefore(before: string, limit: number): Promise<number>;
}
