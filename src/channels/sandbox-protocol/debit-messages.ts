import { z } from 'zod';

/**
 * The daikou channel protocol's debit messages (docs/sandbox-protocol.md), written once and
 * imported by both sides: the sandbox checks requests with these schemas, strictly, so that an
 * unknown field is a 400; the connector builds its requests typed by them and parses the answers
 * with the answer schemas, so that an answer that breaks the protocol proves nothing.
 * Error messages here never quote the value they reject.
 */

export const CHANNEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const END_TO_END_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const ACCOUNT_NUMBER_PATTERN = /^\d{6,32}$/;

const optionalText = (max: number) => z.string().max(max).nullish();

const END_TO_END_ID_LENGTH_MAX = 128;
/** The largest attempt number the protocol carries (a 32-bit signed integer: far above any hub's retry limit). */
export const ATTEMPT_MAX = 2_147_483_647;
const ACCOUNT_NUMBER_LENGTH_MAX = 32;
const ACCOUNT_KINDS = ['personal', 'corporate'] as const;
const MEDIA = ['bank_card', 'virtual_account', 'bank_account'] as const;
/** The free-text fields of a debit and their longest values, in UTF-16 code units (zod's `max`). */
const DEBIT_TEXT_LENGTH_MAX = { bank_code: 32, holder_name: 256, id_number: 64, phone: 32, mandate_reference: 128 } as const;

// ---- Requests ----

/**
 * Which of the sender's attempts at an instruction a message, or a query, is about (1, 2, …).
 * Optional, so that a sender of the first protocol version still talks to the channel: without
 * it a message is never refused and a query records nothing (docs/sandbox-protocol.md).
 */
const attemptSchema = z.int('must be an integer').min(1, 'must be at least 1').max(ATTEMPT_MAX, `must be at most ${ATTEMPT_MAX}`);

export const debitRequestSchema = z.strictObject({
  end_to_end_id: z.string().regex(END_TO_END_ID_PATTERN, 'must be 1 to 128 printable ASCII characters'),
  attempt: attemptSchema.optional(),
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

/**
 * A payout (a credit to the account): a debit's account part, without what proves a mandate.
 * Answered as a debit is (`debitAcceptedSchema`), and queried through the same query endpoints:
 * a channel's received log holds both directions under one end-to-end id space.
 */
export const payoutRequestSchema = debitRequestSchema.omit({ id_number: true, phone: true, mandate_reference: true });
export type PayoutRequest = z.infer<typeof payoutRequestSchema>;

/** At most this many debits in one batch message, and ids in one query. */
export const DEBIT_BATCH_MAX = 1000;

export const debitBatchSchema = z.strictObject({
  debits: z.array(debitRequestSchema).min(1).max(DEBIT_BATCH_MAX),
});
export type DebitBatchRequest = z.infer<typeof debitBatchSchema>;

/**
 * Many payouts in one message (`POST …/payout-batches`): the limits of a debit batch, whose body
 * limit also covers it (a payout is a debit without three of its fields).
 */
export const payoutBatchSchema = z.strictObject({
  payouts: z.array(payoutRequestSchema).min(1).max(DEBIT_BATCH_MAX),
});
export type PayoutBatchRequest = z.infer<typeof payoutBatchSchema>;

/** The attempt number of a query's path (`GET …/debits/{id}?attempt=n`), as text. */
export const ATTEMPT_PARAMETER_PATTERN = /^[1-9]\d{0,9}$/;

/** One instruction asked about: by end-to-end id and, since protocol version 2, the attempt asked about. */
export const attemptQuerySchema = z.strictObject({
  end_to_end_id: z.string().min(1).max(END_TO_END_ID_LENGTH_MAX),
  attempt: attemptSchema,
});

/**
 * A query message: `queries` (ids with their attempt numbers), or `end_to_end_ids` (the first
 * version's form, ids alone); exactly one of the two.
 */
export const debitQuerySchema = z
  .strictObject({
    end_to_end_ids: z.array(z.string().min(1).max(END_TO_END_ID_LENGTH_MAX)).min(1).max(DEBIT_BATCH_MAX).optional(),
    queries: z.array(attemptQuerySchema).min(1).max(DEBIT_BATCH_MAX).optional(),
  })
  .superRefine((body, context) => {
    if ((body.end_to_end_ids === undefined) === (body.queries === undefined)) {
      context.addIssue({ code: 'custom', path: [], message: 'give exactly one of queries and end_to_end_ids' });
    }
  });
export type DebitQueryRequest = z.infer<typeof debitQuerySchema>;

// ---- Answers ----
// Not strict: a channel may add fields; what daikou reads must be there and of its type.

/** 202 to `POST …/debits`. */
export const debitAcceptedSchema = z.object({
  status: z.literal('accepted'),
  channel_reference: z.string().min(1),
  end_to_end_id: z.string(),
});
export type DebitAccepted = z.infer<typeof debitAcceptedSchema>;

/**
 * The refusal of a message of an attempt the channel has answered `not_found` for: it holds none
 * of it and never will (409 to a single message, an item's answer in a batch).
 */
export const REPORTED_NOT_FOUND = 'reported_not_found';
export const REPORTED_NOT_FOUND_MESSAGE = 'this attempt was reported not found; send a new attempt';

/**
 * 202 to `POST …/debit-batches` and `…/payout-batches`: one answer per item, in order: recorded
 * (`accepted`, with its reference; the first version wrote no `status`), or `refused`.
 */
const batchItemAnswerSchema = z.union([
  z.object({ end_to_end_id: z.string(), status: z.literal('refused'), code: z.string(), message: z.string().optional() }),
  z.object({ end_to_end_id: z.string(), status: z.literal('accepted').optional(), channel_reference: z.string().min(1) }),
]);
export type BatchItemAnswer = z.infer<typeof batchItemAnswerSchema>;

export const debitBatchAcceptedSchema = z.object({ status: z.literal('accepted'), debits: z.array(batchItemAnswerSchema) });
export type DebitBatchAccepted = z.infer<typeof debitBatchAcceptedSchema>;

/** 202 to `POST …/payout-batches`: as a debit batch's answer, under `payouts`. */
export const payoutBatchAcceptedSchema = z.object({ status: z.literal('accepted'), payouts: z.array(batchItemAnswerSchema) });
export type PayoutBatchAccepted = z.infer<typeof payoutBatchAcceptedSchema>;

const statusBase = { channel_reference: z.string().min(1), end_to_end_id: z.string(), amount: z.number() };

/** 200 to `GET …/debits/{end_to_end_id}`: what became of a debit the channel holds. */
export const debitStatusAnswerSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('processing'), ...statusBase }),
  z.object({ status: z.literal('succeeded'), ...statusBase }),
  z.object({ status: z.literal('failed'), ...statusBase, code: z.string(), message: z.string().optional() }),
]);
export type DebitStatusAnswer = z.infer<typeof debitStatusAnswerSchema>;

/** 404 to `GET …/debits/{end_to_end_id}`, or a query result: the channel holds no such debit. */
export const debitNotFoundSchema = z.object({ status: z.literal('not_found') });

/** 200 to `POST …/debit-queries`: one result per id asked. */
export const debitQueryAnswerSchema = z.object({
  results: z.array(z.union([debitStatusAnswerSchema, debitNotFoundSchema.extend({ end_to_end_id: z.string() })])),
});
export type DebitQueryAnswer = z.infer<typeof debitQueryAnswerSchema>;

/** Any error answer of a channel endpoint; 503 `channel_unavailable` means nothing was recorded. */
export const channelErrorSchema = z.object({ code: z.string(), message: z.string().optional() });
export const CHANNEL_UNAVAILABLE = 'channel_unavailable';

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
    attempt: ATTEMPT_MAX,
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
 * (the schema takes any characters there), each with the largest attempt number, rounded up to
 * whole MiB (1 MiB today).
 */
export const DEBIT_QUERY_BODY_BYTES_MAX = roundUpToMib(
  Buffer.byteLength('{"queries":[]}') +
    DEBIT_BATCH_MAX * (Buffer.byteLength(JSON.stringify({ end_to_end_id: '\u0001'.repeat(END_TO_END_ID_LENGTH_MAX), attempt: ATTEMPT_MAX })) + 1),
);

function longest(values: readonly string[]): string {
  return values.reduce((a, b) => (b.length > a.length ? b : a));
}

function roundUpToMib(bytes: number): number {
  return Math.ceil(bytes / MIB) * MIB;
}
