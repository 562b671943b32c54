import { z } from 'zod';
import { ACCOUNT_CLASSES, ACCOUNT_STATUSES, type AccountClass, type AccountStatus, type ReceivedOutcome } from './bank-rules.js';
import { FAULT_MODES, type FaultMode } from './fault-table.js';
import { DISCREPANCIES, type Discrepancy } from './statements.js';
import { CHANNEL_ID_PATTERN } from '../../channels/sandbox-protocol/index.js';

/**
 * The sandbox's control endpoints' wire format (docs/sandbox-protocol.md): request schemas,
 * checked strictly so that an unknown field is a 400, and the shapes of its answers, shared with
 * the control client. The channel endpoints' messages are the protocol's, shared with the
 * connector (src/channels/sandbox-protocol), and re-exported here for the sandbox's own files.
 * Error messages here never quote the value they reject.
 */

export * from '../../channels/sandbox-protocol/index.js';

const ID_NUMBER_PATTERN = /^\s*[0-9A-Za-z]{6,32}\s*$/;

export const DELAY_MS_MAX = 600_000;
export const FAULT_COUNT_MAX = 1_000_000;

export const accountPutSchema = z.strictObject({
  balance: z.int('must be an integer amount of fen').nonnegative('must not be negative').optional(),
  status: z.enum(ACCOUNT_STATUSES).optional(),
  holder_name: z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(64, 'must be at most 64 characters')
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
    .nullable()
    .optional(),
  id_number: z.string().regex(ID_NUMBER_PATTERN, 'must be 6 to 32 letters or digits').nullable().optional(),
  account_class: z.enum(ACCOUNT_CLASSES).optional(),
});
export type AccountPut = z.infer<typeof accountPutSchema>;

export const faultRequestSchema = z
  .strictObject({
    channel: z.string().regex(CHANNEL_ID_PATTERN, 'must be a channel id'),
    mode: z.enum([...FAULT_MODES, 'statement', 'none']),
    /** Only with mode `statement`: what the channel's statements get wrong (docs/statements.md). */
    discrepancy: z.enum(DISCREPANCIES).optional(),
    rate: z.number().min(0).max(1).optional(),
    count: z.int().min(1).max(FAULT_COUNT_MAX).optional(),
    delay_ms: z.int().min(0).max(DELAY_MS_MAX).optional(),
    /** An extension of the protocol: pins the fault's PRNG; by default it derives from channel and mode. */
    seed: z.int().min(0).max(0xffffffff).optional(),
  })
  .superRefine((fault, context) => {
    if (fault.mode === 'delay_ms' && fault.delay_ms === undefined) {
      context.addIssue({ code: 'custom', path: ['delay_ms'], message: 'is required with mode delay_ms' });
    }
    if (fault.mode !== 'delay_ms' && fault.delay_ms !== undefined) {
      context.addIssue({ code: 'custom', path: ['delay_ms'], message: 'is only allowed with mode delay_ms' });
    }
    if (fault.mode === 'statement' && fault.discrepancy === undefined) {
      context.addIssue({ code: 'custom', path: ['discrepancy'], message: 'is required with mode statement' });
    }
    if (fault.mode !== 'statement' && fault.discrepancy !== undefined) {
      context.addIssue({ code: 'custom', path: ['discrepancy'], message: 'is only allowed with mode statement' });
    }
    if (fault.mode === 'statement' && fault.count !== undefined) {
      // A statement is asked for again and again and must read the same each time: no count.
      context.addIssue({ code: 'custom', path: ['count'], message: 'is not allowed with mode statement' });
    }
  });
export type FaultRequest = z.infer<typeof faultRequestSchema>;

export const clockRequestSchema = z
  .strictObject({
    now: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time with an offset' }).optional(),
    advance: z.string().max(64).optional(),
  })
  .superRefine((body, context) => {
    if ((body.now === undefined) === (body.advance === undefined)) {
      context.addIssue({ code: 'custom', path: [], message: 'give exactly one of now and advance' });
    }
  });
export type ClockRequest = z.infer<typeof clockRequestSchema>;

// ---- Answers ----

export interface SandboxReceived {
  /** `rcv_…`: this entry, as `starting_after` for the next (older) page. */
  id: string;
  channel: string;
  channel_reference: string;
  end_to_end_id: string;
  amount: number;
  /** RFC 3339, Shanghai offset. */
  at: string;
  outcome: ReceivedOutcome;
  /** `debit`: the instruction drew on the account; `credit`: a payout paid into it. */
  direction: 'debit' | 'credit';
}

export interface SandboxAccount {
  account_number_masked: string;
  balance: number;
  status: AccountStatus;
  account_class: AccountClass;
  holder_name: string | null;
  id_number_masked: string | null;
  /** What this account's bank received, newest first: one page (`limit`, `starting_after`). */
  received: SandboxReceived[];
  /** True when older entries remain: ask again with `starting_after` = the last entry's id. */
  received_has_more: boolean;
}

/** A page of an account's received log: at most `limit` (1–100, default 100) entries older than `startingAfter`. */
export interface SandboxReceivedPage {
  limit?: number;
  startingAfter?: string;
}

export interface SandboxAccountPatch {
  balance?: number;
  status?: AccountStatus;
  /** null removes the configured name (then any name is accepted). */
  holder_name?: string | null;
  id_number?: string | null;
  account_class?: AccountClass;
}

export interface SandboxFault {
  channel: string;
  mode: FaultMode | 'statement';
  /** Only for mode `statement`. */
  discrepancy?: Discrepancy;
  rate: number;
  /** Requests still to affect; null = until cleared. */
  count: number | null;
  delay_ms: number | null;
  seed: number;
}

export interface SandboxFaultRequest {
  channel: string;
  mode: FaultMode | 'statement' | 'none';
  discrepancy?: Discrepancy;
  rate?: number;
  count?: number;
  delay_ms?: number;
  seed?: number;
}

export interface SandboxFaultsCleared {
  channel: string;
  mode: 'none';
}

export interface SandboxClock {
  /** RFC 3339, Shanghai offset. */
  now: string;
  business_date: string;
}

export interface ProblemFieldError {
  pointer?: string;
  parameter?: string;
  code: string;
  detail: string;
}

/** RFC 9457 problem details, as the control endpoints answer errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: ProblemFieldError[];
}
