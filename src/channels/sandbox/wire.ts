import { z } from 'zod';
import { ACCOUNT_CLASSES, ACCOUNT_STATUSES, type AccountClass, type AccountStatus, type ReceivedOutcome } from './bank-rules.js';
import { FAULT_MODES, type FaultMode } from './fault-table.js';

/**
 * The sandbox's wire format (docs/sandbox-protocol.md): request schemas, checked strictly so that
 * an unknown field is a 400, and the shapes of its answers, shared with the control client.
 * Error messages here never quote the value they reject.
 */

export const CHANNEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const END_TO_END_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const ACCOUNT_NUMBER_PATTERN = /^\d{6,32}$/;
const ID_NUMBER_PATTERN = /^\s*[0-9A-Za-z]{6,32}\s*$/;

export const DELAY_MS_MAX = 600_000;
export const FAULT_COUNT_MAX = 1_000_000;

const optionalText = (max: number) => z.string().max(max).nullish();

const END_TO_END_ID_LENGTH_MAX = 128;
const ACCOUNT_NUMBER_LENGTH_MAX = 32;
const ACCOUNT_KINDS = ['personal', 'corporate'] as const;
const MEDIA = ['bank_card', 'virtual_account', 'bank_account'] as const;
/** The free-text fields of a debit and their longest values, in UTF-16 code units (zod's `max`). */
const DEBIT_TEXT_LENGTH_MAX = { bank_code: 32, holder_name: 256, id_number: 64, phone: 32, mandate_reference: 128 } as const;

export const debitRequestSchema = z.strictObject({
  end_to_end_id: z.string().regex(END_TO_END_ID_PATTERN, 'must be 1 to 128 printable ASCII characters'),
  amount: z.int('must be an integer amount of fen').positive('must be positive'),
  account_number: z.string().regex(ACCOUNT_NUMBER_PATTERN, 'must be 6 to 32 digits'),
  account_kind: z.enum(ACCOUNT_KINDS).nullish(),
  medium: z.enum(MEDIA).nullish(),
  bank_code: optionalText(DEBIT_TEXT_LENGTH_MAX.bank_code),
  holder_name: optionalText(DEBIT_TEXT_LENGTH_MAX.holder_name),
  id_number: optionalText(DEBIT_TEXT_LENGTH_MAX.id_number),
  phone: optionalText(DEBIT_TEXT_LENGTH_MAX.phone),
  mandate_reference: optionalText(DEBIT_TEXT_LENGTH_MAX.mandate_reference),
});
export type DebitRequest = z.infer<typeof debitRequestSchema>;

/** At most this many debits in one batch message. */
export const DEBIT_BATCH_MAX = 1000;

export const debitBatchSchema = z.strictObject({
  debits: z.array(debitRequestSchema).min(1).max(DEBIT_BATCH_MAX),
});

export const debitQuerySchema = z.strictObject({
  end_to_end_ids: z.array(z.string().min(1).max(END_TO_END_ID_LENGTH_MAX)).min(1).max(DEBIT_BATCH_MAX),
});

// ---- Body limits ----

const MIB = 1024 * 1024;

/**
 * The single-message endpoints' body limit. A debit (below) takes under 4 KiB at its largest;
 * the rest is room for whitespace.
 */
export const DEBIT_BODY_BYTES_MAX = 64 * 1024;

/**
 * The largest debit the schema above accepts, as compact JSON (no whitespace between tokens):
 * every field present at its longest, `end_to_end_id` in characters JSON must escape (`"`, 2
 * bytes each), free text in characters written as `\uXXXX` (6 bytes each: what an ASCII-only
 * encoder such as Python's `json.dumps` writes for any Chinese character, and what JSON.stringify
 * writes for a control character). Computed from the schema's limits rather than written down,
 * so that a longer field moves the batch limits with it.
 */
export const DEBIT_JSON_BYTES_MAX = Buffer.byteLength(
  JSON.stringify({
    end_to_end_id: '"'.repeat(END_TO_END_ID_LENGTH_MAX),
    amount: Number.MAX_SAFE_INTEGER,
    account_number: '9'.repeat(ACCOUNT_NUMBER_LENGTH_MAX),
    account_kind: longest(ACCOUNT_KINDS),
    medium: longest(MEDIA),
    ...Object.fromEntries(Object.entries(DEBIT_TEXT_LENGTH_MAX).map(([field, length]) => [field, '\u0001'.repeat(length)])),
  }),
);

/**
 * `debit-batches`: DEBIT_BATCH_MAX of the largest debit in `{ "debits": [ … ] }`, rounded up to
 * whole MiB (4 MiB today). Messages as daikou writes them are far smaller: ~300 bytes a debit.
 */
export const DEBIT_BATCH_BODY_BYTES_MAX = roundUpToMib(
  Buffer.byteLength('{"debits":[]}') + DEBIT_BATCH_MAX * (DEBIT_JSON_BYTES_MAX + 1),
);

/**
 * `debit-queries`: DEBIT_BATCH_MAX ids at their longest, every character written as `\uXXXX`
 * (the schema takes any characters there), rounded up to whole MiB (1 MiB today).
 */
export const DEBIT_QUERY_BODY_BYTES_MAX = roundUpToMib(
  Buffer.byteLength('{"end_to_end_ids":[]}') + DEBIT_BATCH_MAX * (Buffer.byteLength(JSON.stringify('\u0001'.repeat(END_TO_END_ID_LENGTH_MAX))) + 1),
);

function longest(values: readonly string[]): string {
  return values.reduce((a, b) => (b.length > a.length ? b : a));
}

function roundUpToMib(bytes: number): number {
  return Math.ceil(bytes / MIB) * MIB;
}

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
    mode: z.enum([...FAULT_MODES, 'none']),
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

export interface DebitAccepted {
  status: 'accepted';
  channel_reference: string;
  end_to_end_id: string;
}

export interface DebitStatusAnswer {
  status: 'processing' | 'succeeded' | 'failed';
  channel_reference: string;
  end_to_end_id: string;
  amount: number;
  code?: string;
  message?: string;
}

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

export const RECEIVED_PAGE_LIMIT_MAX = 100;
export const RECEIVED_ID_PATTERN = /^rcv_[1-9]\d{0,14}$/;

export function receivedId(entryId: number): string {
  return `rcv_${entryId}`;
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
  mode: FaultMode;
  rate: number;
  /** Requests still to affect; null = until cleared. */
  count: number | null;
  delay_ms: number | null;
  seed: number;
}

export interface SandboxFaultRequest {
  channel: string;
  mode: FaultMode | 'none';
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
