import type { Logger } from 'pino';
import type { BusinessCalendar, Clock, ConnectorRegistry, IdSource } from '../core/index.js';
import type { BatchFileStore } from './batch-file-store.js';
import type { GroupCommit } from './group-commit.js';
import type { ObjectPresenters, PersonalDataVault, Savepoints, SecretSource, Store, StoreTx } from './ports.js';
import type { RoutingTable } from './routing-table.js';

export interface WorkerSettings {
  /** How long a worker holds a claimed attempt before another may take it over. */
  leaseMs: number;
  /** Wait between status queries of an accepted debit. */
  queryIntervalMs: number;
  /** Longest wait between queries or resubmissions as backoff grows. */
  backoffMsMax: number;
  /** Debits claimed, or attempts queried, per round. */
  batchSize: number;
  /** Submissions the channel confirmed it did not receive, before a debit fails `channel_unavailable`. */
  notSentAttemptsMax: number;
  /** Idle wait between rounds when there was nothing to do; it doubles with each such round in a row… */
  idleMs: number;
  /** …up to this (work created by another process is found within it). */
  idleMsMax: number;
}

export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  leaseMs: 15_000,
  queryIntervalMs: 200,
  backoffMsMax: 60_000,
  batchSize: 64,
  notSentAttemptsMax: 5,
  idleMs: 100,
  idleMsMax: 1_000,
};

/** Limits and retries of batch files (SPEC §11, §13). */
export interface BatchSettings {
  /**
   * Bytes a merchant's unfinished batches may hold in stored files together (`DAIKOU_BATCH_BYTES_HELD_MAX`):
   * an upload that would pass it is refused 413, so that one merchant cannot fill the disk.
   */
  bytesHeldMax: number;
  /** Wait before taking a batch again after an unexpected error; doubles with each attempt. */
  retryDelayMs: number;
  retryDelayMsMax: number;
  /** Unexpected errors a batch may meet before it fails `internal_error`. */
  attemptsMax: number;
}

export const DEFAULT_BATCH_SETTINGS: BatchSettings = {
  bytesHeldMax: 2 * 1024 * 1024 * 1024,
  retryDelayMs: 1_000,
  retryDelayMsMax: 60_000,
  attemptsMax: 5,
};

/** One webhook POST: signed by the adapter with every secret in force (Standard Webhooks). */
export interface WebhookPost {
  url: string;
  /** The current secret, and the previous one while a rotation overlaps. */
  secrets: readonly string[];
  /** `webhook-id`: the delivery's id, the same at every attempt. */
  id: string;
  /** `webhook-timestamp`, Unix seconds of this attempt. */
  timestamp: number;
  body: string;
  timeoutMs: number;
}

/** What came of a POST (src/webhooks/safe-request.ts). */
export type WebhookPostResult =
  | { kind: 'answered'; status: number; latencyMs: number; excerpt: string }
  /** Not sent: the URL or an address it resolved to is not allowed, or the name did not resolve. */
  | { kind: 'refused'; reason: string }
  /** Sent, or tried, without an answer: a connection error or the deadline. */
  | { kind: 'failed'; reason: string; latencyMs: number };

/** What the app needs of the webhook adapter (src/webhooks/): its address policy, its secrets, and delivery. */
export interface WebhookSettings {
  /** Null when deliveries may go to the URL (as written: a name is checked again each time it is resolved); else why not. */
  refusedUrl(url: string): string | null;
  /** A new endpoint signing secret, `whsec_…` (src/webhooks/signature.ts). */
  newSecret(): string;
  /** Signs and sends one delivery, safely (no private address, no redirect, a deadline). */
  post(request: WebhookPost): Promise<WebhookPostResult>;
}

/** Everything a use case may touch; built once, in the composition root (src/main.ts). */
export interface AppContext {
  store: Store;
  /** The store's transactions shared by concurrent API writes (DESIGN-NOTES §11, `DAIKOU_GROUP_COMMIT`). */
  groupCommit: GroupCommit<StoreTx & Savepoints>;
  clock: Clock;
  /** Which dates are business days (SPEC §14): the shipped table, or `DAIKOU_CALENDAR_FILE`'s. */
  calendar: BusinessCalendar;
  ids: IdSource;
  vault: PersonalDataVault;
  secrets: SecretSource;
  /** Each channel's connector, by flow. */
  connectors: ConnectorRegistry;
  routing: RoutingTable;
  logger: Logger;
  /** Where uploaded batch files wait, encrypted, while their batch is unfinished: any node reads them. */
  batchFiles: BatchFileStore;
  workers: WorkerSettings;
  batches: BatchSettings;
  webhooks: WebhookSettings;
  /** The API's representations, for the payloads of public events (src/app/events.ts). */
  presenters: ObjectPresenters;
}

export function nowIso(ctx: Pick<AppContext, 'clock'>): string {
  return ctx.clock.now().toISOString();
}
