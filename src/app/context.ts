import type { Logger } from 'pino';
import type { ChannelConnector, Clock, IdSource } from '../core/index.js';
import type { PersonalDataVault, SecretSource, Store } from './ports.js';
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
  /** Idle wait between rounds when there was nothing to do. */
  idleMs: number;
}

export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  leaseMs: 15_000,
  queryIntervalMs: 200,
  backoffMsMax: 60_000,
  batchSize: 64,
  notSentAttemptsMax: 5,
  idleMs: 100,
};

/** Everything a use case may touch; built once, in the composition root (src/main.ts). */
export interface AppContext {
  store: Store;
  clock: Clock;
  ids: IdSource;
  vault: PersonalDataVault;
  secrets: SecretSource;
  connector: ChannelConnector;
  routing: RoutingTable;
  logger: Logger;
  /** Where uploaded batch files are kept. */
  batchDir: string;
  workers: WorkerSettings;
}

export function nowIso(ctx: Pick<AppContext, 'clock'>): string {
  return ctx.clock.now().toISOString();
}
