import type { SettableClock } from '../../core/kernel/index.js';
import type { AccountBlinder } from './account-privacy.js';
import type { FaultTable } from './fault-table.js';
import type { HeldConnections } from './held-connections.js';
import type { SandboxStore } from './sandbox-store.js';

/** What the sandbox's routes share: built once by startSandbox (sandbox-server.ts). */
export interface SandboxContext {
  store: SandboxStore;
  faults: FaultTable;
  clock: SettableClock;
  blinder: AccountBlinder;
  /** Connections held unanswered by `timeout` and `drop` faults. */
  held: HeldConnections;
  /** Aborted when the sandbox closes: a `delay_ms` wait ends early. */
  closing: AbortSignal;
  /** A query reports `processing` until the clock passes receipt + this. */
  settleDelayMs: number;
}
