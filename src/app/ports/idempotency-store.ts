import type { IdempotencyRecord } from '../../core/index.js';

export type IdempotencyRow = IdempotencyRecord;

/** What the Idempotency-Key handling (SPEC §12) and its sweep need. */
export interface IdempotencyStore {
  /** Inserts an in-progress key; false when the key exists. */
  insertIdempotencyKey(row: IdempotencyRow): Promise<boolean>;
  /**
   * Inserts keys at once (in progress, or done with their answers), those that do not exist;
   * returns the ones inserted, each as `idempotencyPair(merchant_id, key)`.
   */
  insertIdempotencyKeys(rows: readonly IdempotencyRow[]): Promise<Set<string>>;
  getIdempotencyKey(merchantId: string, key: string): Promise<IdempotencyRow | null>;
  /** Which of a merchant's `keys` are stored (in any state). */
  findIdempotencyKeys(merchantId: string, keys: readonly string[]): Promise<Set<string>>;
  /** Stores the answers of keys at once: each row written as given (`done`, with its answer), over the in-progress row. */
  completeIdempotencyKeys(rows: readonly IdempotencyRow[]): Promise<void>;
  completeIdempotencyKey(merchantId: string, key: string, status: number, body: string): Promise<void>;
  deleteIdempotencyKey(merchantId: string, key: string): Promise<void>;
  /** Deletes at most `limit` keys created before `before`, oldest first; returns how many. */
  deleteIdempotencyKeysBefore(before: string, limit: number): Promise<number>;
}

/** A merchant's key as one string, as insertIdempotencyKeys names the keys it inserted. */
export function idempotencyPair(merchantId: string, key: string): string {
  return `${merchantId}\u0000${key}`;
}
