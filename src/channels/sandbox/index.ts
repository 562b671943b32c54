/**
 * The simulated clearing network (SPEC §10, DESIGN-NOTES §7, docs/sandbox-protocol.md): a bank
 * that runs as its own HTTP service, and a client for its operator API.
 */
export { startSandbox, type RunningSandbox, type SandboxOptions } from './sandbox-server.js';
export {
  SandboxControlClient,
  SandboxControlError,
  type SandboxClockChange,
  type SandboxControlClientOptions,
} from './sandbox-control-client.js';
export type {
  DebitAccepted,
  DebitStatusAnswer,
  Problem,
  ProblemFieldError,
  SandboxAccount,
  SandboxAccountPatch,
  SandboxClock,
  SandboxFault,
  SandboxFaultRequest,
  SandboxFaultsCleared,
  SandboxReceived,
  SandboxReceivedPage,
} from './wire.js';
export { RECEIVED_ID_PATTERN, RECEIVED_PAGE_LIMIT_MAX } from './wire.js';
export {
  ACCOUNT_CLASSES,
  ACCOUNT_STATUSES,
  DAILY_LIMIT_FEN,
  DEFAULT_BALANCE_FEN,
  SANDBOX_FAILURE_CODES,
  type AccountClass,
  type AccountStatus,
  type ReceivedOutcome,
  type SandboxFailureCode,
} from './bank-rules.js';
export { FAULT_MODES, type FaultMode } from './fault-table.js';
export { SANDBOX_DB_FILE } from './sandbox-store.js';
