import type { AccessStore } from './ports/access-store.js';
import type { BatchStore } from './ports/batch-store.js';
import type { CatalogStore } from './ports/catalog-store.js';
import type { DebitStore } from './ports/debit-store.js';
import type { IdempotencyStore } from './ports/idempotency-store.js';
import type { LedgerStore } from './ports/ledger-store.js';
import type { MandateStore } from './ports/mandate-store.js';
import type { PayoutStore } from './ports/payout-store.js';
import type { ReportStore } from './ports/report-store.js';
import type { SettlementStore } from './ports/settlement-store.js';
import type { RepresentmentStore } from './ports/representment-store.js';
import type { RefundStore } from './ports/refund-store.js';
import type { SubmissionStore } from './ports/submission-store.js';
import type { WebhookStore } from './ports/webhook-store.js';
import type { EventStore } from './ports/event-store.js';
import type { ReconciliationStore } from './ports/reconciliation-store.js';
import type { NoticeStore } from './ports/notice-store.js';
import type { WebhookDeliveryStore } from './ports/webhook-delivery-store.js';
import type { Savepoints } from './ports/savepoints.js';

// The store's ports, one per role, each declared for the use cases that call it (src/app/ports/).
// A use case takes only the ports it uses; the adapter (src/storage/) implements them all.
export * from './ports/page.js';
export * from './ports/access-store.js';
export * from './ports/batch-store.js';
export * from './ports/catalog-store.js';
export * from './ports/debit-store.js';
export * from './ports/idempotency-store.js';
export * from './ports/ledger-store.js';
export * from './ports/mandate-store.js';
export * from './ports/payout-store.js';
export * from './ports/report-store.js';
export * from './ports/settlement-store.js';
export * from './ports/representment-store.js';
export * from './ports/refund-store.js';
export * from './ports/submission-store.js';
export * from './ports/webhook-store.js';
export * from './ports/event-store.js';
export * from './ports/object-presenters.js';
export * from './ports/reconciliation-store.js';
export * from './ports/notice-store.js';
export * from './ports/webhook-delivery-store.js';
export * from './ports/savepoints.js';

/**
 * Every port of the store, inside or outside one transaction: what the adapter implements and
 * what the context wires. Methods that change state conditionally return whether they did, so
 * that two workers racing for the same row can tell who won (DESIGN-NOTES §1).
 */
export type StoreTx = AccessStore & CatalogStore & MandateStore & BatchStore & DebitStore & SubmissionStore & IdempotencyStore & LedgerStore & ReportStore & SettlementStore & RepresentmentStore & PayoutStore & RefundStore & WebhookStore & ReconciliationStore & EventStore & NoticeStore & WebhookDeliveryStore;

/**
 * The store, and its transactions. A write that can meet a unique index the callers expect to meet
 * (a reference, an agreement number, a version taken by a concurrent request) answers so as a
 * value and leaves the transaction usable; any other refused write rejects, as a bug.
 */
export interface Store extends StoreTx {
  readonly engine: 'sqlite' | 'postgres';
  /**
   * Rows to decide and write at a time within one transaction (batch ingestion), as the engine
   * prefers: few on SQLite (in-process, so small parts cost nothing and let each part's objects
   * die young), unbounded on PostgreSQL (a round trip per statement).
   */
  readonly partRowsMax: number;
  /** Runs `work` in one transaction, committed when it resolves, rolled back when it rejects. */
  transaction<T>(work: (tx: StoreTx & Savepoints) => Promise<T>): Promise<T>;
  /**
   * The outbox's commit hook: `listener` is called after every commit that wrote events (SPEC
   * §16), so that the webhook dispatcher starts a round at once instead of at its idle poll.
   */
  onEventsCommitted(listener: () => void): void;
  close(): Promise<void>;
}

/** Personal data at rest (DESIGN-NOTES §5): ciphertext and blind index. */
export interface PersonalDataVault {
  seal(plaintext: string): string;
  open(sealed: string): string;
  index(domain: 'account' | 'id_number' | 'phone' | 'idempotency_key', value: string): string;
  /** A 32-byte secret (hex) derived for one purpose, e.g. the key of uploaded batch files. */
  derive(purpose: string): string;
}

/** Opaque secrets (API keys); a port so that tests can make them deterministic. */
export interface SecretSource {
  randomToken(bytes: number): string;
}
