import crypto from 'node:crypto';
import {
  businessDate,
  checkDebitAgainstMandate,
  instructionMove,
  invariant,
  REJECTION_MESSAGES,
  type BusinessDate,
  type RejectionCode,
  type Router,
  type RoutingDecision,
} from '../core/index.js';
import { BANK_CARD_DIGITS_MAX, BANK_CARD_DIGITS_MIN, validateBankCard, validateHolderName, validateIdNumber, validatePhone } from '../core/payers/index.js';
import { routingInput } from './routing-table.js';
import { quoteFees, type FeeQuote } from './fee-plans.js';
import type { AppContext } from './context.js';
import { AppError, notFound, validationFailed, type FieldError } from './errors.js';
import { givenMandateId, writeDebitEvents } from './events.js';
import { optionalField } from './payer-details.js';
import { idempotencyPair, type AttemptRow, type DebitEventRow, type DebitFilter, type DebitRow, type IdempotencyRow, type IdempotencyStore, type MandateTerms, type MerchantRow, type Page } from './ports.js';
import { chunkSource, heldCounters, transactionSource, type ChunkSource, type CreateDebitInput, type DebitIntakeStore, type DecisionSource } from './debit-sources.js';
import type { GroupedWork, Outcome } from './group-commit.js';

export { transactionSource, type CreateDebitInput, type DebitIntakeStore, type DecisionSource, type UsageCounters } from './debit-sources.js';

const CREATED = instructionMove('debit', 'created');
const REJECTED = instructionMove('debit', 'rejected');

export interface ApiResponse {
  status: number;
  body: unknown;
  /** `body` as JSON text, when the use case had it serialised already (the answer it stores with the key): sent as it is. */
  json?: string;
  replayed: boolean;
}

/**
 * Builds the answer to a created debit (the caller's public view). Given to createDebit, because
 * the answer is stored with the idempotency key in the debit's own transaction.
 * `givenMandateId`: the unknown mandate id a rejected debit was given (kept in its event, not its row).
 */
export type DebitPresenter<V> = (debit: DebitRow, givenMandateId: string | null) => V;

/** A debit with its history, as `GET /v1/debits/{id}` shows it. */
export interface DebitWithHistory {
  debit: DebitRow;
  events: DebitEventRow[];
  attempts: AttemptRow[];
  /** The unknown mandate id a rejected debit was given (kept in its event, not its row). */
  givenMandateId: string | null;
  /** The debit that presents this one again and was not rejected, or null (SPEC §14). */
  representedBy: string | null;
}

/** Keys are kept at least this long (SPEC §5). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/**
 * An `in_progress` key older than this belongs to a request that died before its transaction
 * committed. Taking it over cannot double a debit: the reference stays unique either way.
 */
const IDEMPOTENCY_STALE_MS = 10 * 1000;

/**
 * `POST /v1/debits`, under the client's idempotency key (SPEC §5): the key's claim, the debit and
 * the key's stored answer are written in one transaction, which concurrent requests share
 * (`ctx.groupCommit`, DESIGN-NOTES §11): the group's debits are decided together, in arrival
 * order, and written set-based (`API_DEBITS`). A duplicate of a key claimed by a request not yet
 * committed is refused `request_in_progress`; one whose request committed gets its answer again.
 * A refused request writes nothing, its claim included.
 */
export async function createDebit<V>(ctx: AppContext, merchantId: string, clientKey: string | null, input: CreateDebitInput, present: DebitPresenter<V>): Promise<ApiResponse> {
  const idempotencyKey = idempotencyKeyIndex(ctx, clientKey);
  const requestHash = idempotencyKey === null ? null : requestHashOf(input);
  // Read before the transaction: on SQLite the transaction holds the only connection.
  const router = await ctx.routing.router();
  return ctx.groupCommit.add(API_DEBITS, { ctx, merchantId, idempotencyKey, requestHash, input, present, router });
}

/** One `POST /v1/debits` as a group commit holds it. */
interface DebitRequest {
  ctx: AppContext;
  merchantId: string;
  /** The key's stored form and the request's hash; both null without a key. */
  idempotencyKey: string | null;
  requestHash: string | null;
  input: CreateDebitInput;
  present: DebitPresenter<unknown>;
  router: Router;
}

/** What an API debit reads and writes in its group's transaction. */
type ApiDebitTx = DebitIntakeStore & IdempotencyStore;

const API_DEBITS: GroupedWork<ApiDebitTx, DebitRequest, ApiResponse> = { all: createDebits, one: createDebitAlone };

/** One debit alone, statement by statement: a group's fallback (GroupedWork.one). */
async function createDebitAlone(tx: ApiDebitTx, request: DebitRequest): Promise<ApiResponse> {
  const { ctx, merchantId, idempotencyKey, input } = request;
  if (idempotencyKey !== null) {
    const replay = await claimIdempotencyKeyIn(tx, ctx.clock.now(), merchantId, idempotencyKey, request.requestHash!);
    if (replay !== null) return replay;
  }
  const merchant = await ctx.routing.merchant(merchantId, tx);
  invariant(merchant !== null, `merchant ${merchantId} of an authenticated key does not exist`);
  const { debit, event } = await decideDebit(ctx, transactionSource(ctx, tx, merchantId), request.router, merchant, input);
  if ((await tx.insertDebit(debit)) === 'reference_taken') throw referenceTaken();
  await writeDebitEvents(ctx.presenters, tx, [event], [debit]);
  const body = request.present(debit, givenMandateId(event));
  const json = JSON.stringify(body);
  if (idempotencyKey !== null) await tx.completeIdempotencyKey(merchantId, idempotencyKey, 201, json);
  return { status: 201, body, json, replayed: false };
}

/**
 * A key a request of the group uses, and the answer of the request that used it, once one did.
 * `stored`: the key's row exists already (claimed again by `claimIdempotencyKeyIn`, taken over
 * from a request that died or past its retention), so its answer is written over it; otherwise
 * the key is written once, with its answer, when the group writes.
 */
interface GroupKey {
  row: IdempotencyRow;
  answer: ApiResponse & { json: string } | null;
  stored: boolean;
}

/** A key of the group that a concurrent transaction stored first (PostgreSQL): the group goes one by one, and that request finds the stored key. */
class KeyTakenMeanwhile extends Error {}

/**
 * A group's debits (GroupedWork.all), of one merchant or several: the keys they use looked up
 * with one query per merchant; references, mandates and usage counters read with a few set
 * queries (chunkSource, as a batch's chunk reads them); each debit decided in memory in arrival
 * order, so that a key, a reference taken, a monthly limit or an allowance used by an earlier one
 * holds for the later ones; then all written with multi-row inserts, one counter write per key,
 * and each new key once, with its answer (the group decides before it writes, so no key is
 * written in progress and then answered). A request refused by its own checks, or replayed,
 * writes nothing.
 */
async function createDebits(tx: ApiDebitTx, requests: readonly DebitRequest[]): Promise<Outcome<ApiResponse>[]> {
  const ctx = requests[0]!.ctx;
  const now = ctx.clock.now();
  const keys = new Map<string, GroupKey>();

  const counters = heldCounters(tx);
  const merchants = new Map<string, { merchant: MerchantRow; source: ChunkSource; storedKeys: Set<string> }>();
  for (const merchantId of new Set(requests.map((request) => request.merchantId))) {
    const merchant = await ctx.routing.merchant(merchantId, tx);
    invariant(merchant !== null, `merchant ${merchantId} of an authenticated key does not exist`);
    const own = requests.filter((request) => request.merchantId === merchantId);
    const source = chunkSource(ctx, tx, merchantId, counters);
    await source.load(own.map((request) => request.input));
    const storedKeys = await tx.findIdempotencyKeys(merchantId, [...new Set(own.flatMap((request) => (request.idempotencyKey === null ? [] : [request.idempotencyKey])))]);
    merchants.set(merchantId, { merchant, source, storedKeys });
  }

  const debits: DebitRow[] = [];
  const events: DebitEventRow[] = [];
  const decide = async (request: DebitRequest): Promise<ApiResponse> => {
    const { merchantId, idempotencyKey, requestHash } = request;
    const { merchant, source, storedKeys } = merchants.get(merchantId)!;
    let key: GroupKey | undefined;
    if (idempotencyKey !== null) {
      const pair = idempotencyPair(merchantId, idempotencyKey);
      key = keys.get(pair);
      const row = { merchant_id: merchantId, key: idempotencyKey, request_hash: requestHash!, state: 'in_progress' as const, response_status: null, response_body: null, created_at: now.toISOString() };
      if (key === undefined) {
        const stored = storedKeys.has(idempotencyKey);
        if (stored) {
          // Held before this group: the stored row decides (a replay, a refusal, or taken over).
          const replay = await claimIdempotencyKeyIn(tx, now, merchantId, idempotencyKey, requestHash!);
          if (replay !== null) return replay;
        }
        key = { row, answer: null, stored };
        keys.set(pair, key);
      } else if (key.answer !== null) {
        // Used by an earlier request of this group, which went through.
        if (key.row.request_hash !== requestHash) throw keyReused();
        return { ...key.answer, body: JSON.parse(key.answer.json) as unknown, replayed: true };
      } else {
        // This request's now: the earlier ones of the group that used the key were refused.
        key.row = { ...key.row, request_hash: requestHash! };
      }
    }
    const { debit, event } = await decideDebit(ctx, source, request.router, merchant, request.input);
    if (debit.status !== 'rejected') source.claimReference(debit.reference);
    debits.push(debit);
    events.push(event);
    // Serialised once: the answer sent, and the one stored with the key.
    const body = request.present(debit, givenMandateId(event));
    const response = { status: 201, body, json: JSON.stringify(body), replayed: false };
    if (key !== undefined) key.answer = response;
    return response;
  };
  const outcomes: Outcome<ApiResponse>[] = [];
  for (const request of requests) {
    try {
      outcomes.push({ ok: true, value: await decide(request) });
    } catch (error) {
      // A request's own refusal. Anything else (the database's: a deadlock with another group)
      // fails the set, which the group then runs again or one by one.
      if (!(error instanceof AppError)) throw error;
      outcomes.push({ ok: false, error });
    }
  }

  await tx.insertDebits(debits);
  await writeDebitEvents(ctx.presenters, tx, events, debits);
  await counters.flush();
  const answers = (stored: boolean) =>
    [...keys.values()].flatMap(({ row, answer, stored: was }) => (answer === null || was !== stored ? [] : [{ ...row, state: 'done' as const, response_status: answer.status, response_body: answer.json }]));
  const fresh = answers(false);
  // A key no row held when the group looked can have been stored since by a concurrent
  // transaction (PostgreSQL; the insert waits for it): the group then goes one by one.
  if ((await tx.insertIdempotencyKeys(fresh)).size !== fresh.length) throw new KeyTakenMeanwhile('an idempotency key of the group was stored meanwhile');
  await tx.completeIdempotencyKeys(answers(true));
  // Taken over by requests that were all refused: free again, for a corrected retry.
  for (const { row, answer, stored } of keys.values()) if (answer === null && stored) await tx.deleteIdempotencyKey(row.merchant_id, row.key);
  return outcomes;
}

/** The stored form of a client's Idempotency-Key: its keyed hash, which finds the same key again and reveals nothing (a careless client may send a card number). */
function idempotencyKeyIndex(ctx: AppContext, clientKey: string | null): string | null {
  return clientKey === null ? null : ctx.vault.index('idempotency_key', clientKey);
}

/** What a key must be reused with: the request's canonical hash. */
export function requestHashOf(request: unknown): string {
  return crypto.hash('sha256', canonicalJson(request), 'hex');
}

/** Where transactions run: the Store, seen through the ports of what runs in them. */
export interface Transactions<Tx> {
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * Runs a request that creates something under the client's `Idempotency-Key` (SPEC §5), in one
 * transaction: the key's claim (`claimIdempotencyKeyIn`), `work`, and the answer `work` stores
 * with the key's hash (`completeIdempotencyKey`; the hash is null without a key). A stored answer
 * is replayed. When `work` fails, the transaction rolls back the claim with the rest: a corrected
 * retry under the key goes through. `request` is what the key must be reused with. `prepare`
 * runs first, outside the transaction (on SQLite, reads there would wait for the connection the
 * transaction holds). `store` is the context's store, seen through the ports `work` uses.
 */
export async function idempotently<Tx extends IdempotencyStore, P>(
  ctx: AppContext,
  store: Transactions<Tx>,
  merchantId: string,
  clientKey: string | null,
  request: unknown,
  prepare: () => Promise<P>,
  work: (tx: Tx, idempotencyKey: string | null, prepared: P) => Promise<ApiResponse>,
): Promise<ApiResponse> {
  const idempotencyKey = idempotencyKeyIndex(ctx, clientKey);
  const requestHash = idempotencyKey === null ? null : requestHashOf(request);
  const prepared = await prepare();
  return store.transaction(async (tx) => {
    if (idempotencyKey !== null) {
      const replay = await claimIdempotencyKeyIn(tx, ctx.clock.now(), merchantId, idempotencyKey, requestHash!);
      if (replay !== null) return replay;
    }
    return work(tx, idempotencyKey, prepared);
  });
}

/**
 * Claims the key as `in_progress` in the caller's transaction: null when the request may go on,
 * the stored answer to replay, or a refusal (`request_in_progress`, `idempotency_key_reused`). A
 * key left `in_progress` by a request that died, or past its retention, is taken over.
 */
export async function claimIdempotencyKeyIn(tx: IdempotencyStore, now: Date, merchantId: string, key: string, requestHash: string): Promise<ApiResponse | null> {
  const row = { merchant_id: merchantId, key, request_hash: requestHash, state: 'in_progress' as const, response_status: null, response_body: null, created_at: now.toISOString() };
  if (await tx.insertIdempotencyKey(row)) return null;
  const existing = await tx.getIdempotencyKey(merchantId, key);
  if (existing === null) throw new AppError('request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.');
  const age = now.getTime() - Date.parse(existing.created_at);
  if (age > IDEMPOTENCY_RETENTION_MS || (existing.state === 'in_progress' && age > IDEMPOTENCY_STALE_MS)) {
    await tx.deleteIdempotencyKey(merchantId, key);
    await tx.insertIdempotencyKey(row);
    return null;
  }
  if (existing.request_hash !== requestHash) throw keyReused();
  if (existing.state !== 'done' || existing.response_status === null || existing.response_body === null) {
    throw new AppError('request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.');
  }
  return { status: existing.response_status, body: JSON.parse(existing.response_body) as unknown, json: existing.response_body, replayed: true };
}

function keyReused(): AppError {
  return new AppError('idempotency_key_reused', 'This Idempotency-Key was used with a different request body.');
}

function referenceTaken(): AppError {
  return new AppError('reference_already_used', 'This merchant already has a debit with this reference.', [
    { pointer: '/reference', code: 'already_used', detail: 'reference must be unique per merchant among debits that were not rejected.' },
  ]);
}

export interface DecidedDebit {
  debit: DebitRow;
  event: DebitEventRow;
  /**
   * The first payer detail given that differs from the mandate's, when the debit is rejected
   * `payer_details_mismatch`: a batch's result names it (never its value); null otherwise.
   */
  mismatched: PayerDetail | null;
}

type PayerDetail = 'account_number' | 'holder_name' | 'id_number' | 'phone';

/** A debit that presents a failed one again (SPEC §14): the failure, and this presentment's number. */
export interface Presentment {
  represents: string;
  /** 1 or 2. */
  number: number;
}

/**
 * Validates, checks the mandate, routes and prices a debit, and returns it as `pending` or
 * `rejected` with its first event, for the caller to write. Counters it uses move through the
 * source. Refusals of the request itself (bad fields, a used reference, an ambiguous payer) are
 * thrown as AppError; refusals of the debit are a `rejected` debit.
 */
export async function decideDebit(
  ctx: AppContext,
  source: DecisionSource,
  router: Router,
  merchant: MerchantRow,
  input: CreateDebitInput,
  batchId: string | null = null,
  presentment: Presentment | null = null,
): Promise<DecidedDebit> {
  const now = ctx.clock.now();
  const today = businessDate(now);
  const errors: FieldError[] = [];
  const payer = input.payer;
  const holderName = optionalField(errors, '/payer/holder_name', payer?.holder_name, validateHolderName);
  const idNumber = optionalField(errors, '/payer/id_number', payer?.id_number, (text) => validateIdNumber(text, today));
  const phone = optionalField(errors, '/payer/phone', payer?.phone, validatePhone);
  if (payer !== undefined && !/^\d{6,32}$/.test(payer.account_number)) {
    errors.push({ pointer: '/payer/account_number', code: 'invalid_format', detail: 'account_number must be 6 to 32 digits.' });
  }
  if (input.mandate_id === undefined && payer === undefined) {
    errors.push({ pointer: '/mandate_id', code: 'required', detail: 'Give mandate_id, or payer with the account_number of a mandate.' });
  }
  if (errors.length > 0) throw validationFailed(errors);

  // A re-presentment shares its original's reference; the store's unique index on (reference,
  // presentment) keeps it to one live debit per presentment.
  if (presentment === null && (await source.liveReferenceExists(input.reference))) throw referenceTaken();

  const resolved = await resolveMandate(ctx, source, merchant.id, input, today);
  if (resolved.rejection === 'mandate_not_found' && input.mandate_id === undefined && payer !== undefined) throwIfBadCardNumber(payer.account_number);
  let rejection: RejectionCode | null = resolved.rejection;
  let mismatched: PayerDetail | null = null;
  const mandate = resolved.mandate;
  let decision: RoutingDecision | null = null;
  let fees: FeeQuote | null = null;
  const month = today.slice(0, 7);
  if (mandate !== null && rejection === null) {
    const differing: PayerDetail | null =
      payer !== undefined && ctx.vault.index('account', payer.account_number) !== mandate.account_index ? 'account_number'
      : holderName !== null && mandate.holder_name !== null && holderName !== mandate.holder_name ? 'holder_name'
      : idNumber !== null && mandate.id_number_index !== null && ctx.vault.index('id_number', idNumber) !== mandate.id_number_index ? 'id_number'
      : phone !== null && mandate.phone_index !== null && ctx.vault.index('phone', phone) !== mandate.phone_index ? 'phone'
      : null;
    const detailsMatch = differing === null;
    const monthlyUsed = mandate.monthly_max === null ? 0 : await source.counters.mandateUsage(mandate.id, month);
    rejection = checkDebitAgainstMandate(
      {
        status: mandate.status,
        validFrom: mandate.valid_from as BusinessDate | null,
        validUntil: mandate.valid_until as BusinessDate | null,
        perDebitMaxFen: mandate.per_debit_max,
        monthlyMaxFen: mandate.monthly_max,
      },
      { amountFen: input.amount, businessDate: today, payerDetailsMatch: detailsMatch, monthlyUsedFen: monthlyUsed },
    );
    if (rejection === null) {
      decision = router.route(routingInput(merchant, mandate, input.amount, today), { unavailable: ctx.routing.unavailableChannels() });
      if (decision.channel === null) rejection = 'no_eligible_channel';
      else fees = await quoteFees(ctx, source.counters, merchant, mandate, input.amount, today);
    }
    if (rejection === null && mandate.monthly_max !== null) await source.counters.addMandateUsage(mandate.id, month, input.amount);
    if (rejection === 'payer_details_mismatch') mismatched = differing;
  }

  const at = now.toISOString();
  const created = rejection === null ? CREATED : REJECTED;
  const debit: DebitRow = {
    id: ctx.ids.next('debit'),
    merchant_id: merchant.id,
    mandate_id: mandate?.id ?? null,
    reference: input.reference,
    amount: input.amount,
    currency: input.currency,
    description: input.description ?? null,
    metadata: input.metadata === undefined ? null : JSON.stringify(input.metadata),
    status: created.status,
    business_date: today,
    channel_id: rejection === null ? decision?.channel ?? null : null,
    channel_cost: rejection === null ? decision?.cost ?? 0 : 0,
    merchant_fee: fees?.merchantFee ?? 0,
    payer_fee: fees?.payerFee ?? 0,
    merchant_fee_plan: fees?.merchantPlan ?? null,
    payer_fee_plan: fees?.payerPlan ?? null,
    merchant_fee_subject: fees?.merchantSubject ?? null,
    payer_fee_subject: fees?.payerSubject ?? null,
    batch_id: batchId,
    settlement_id: null,
    routing: decision === null ? null : JSON.stringify(decision),
    failure_code: rejection,
    failure_message: rejection === null ? null : REJECTION_MESSAGES[rejection],
    failure_retryable: null,
    next_action_at: rejection === null ? at : null,
    attempt_count: 0,
    created_at: at,
    updated_at: at,
    represents: presentment?.represents ?? null,
    presentment: presentment?.number ?? 0,
    refunded_amount: 0,
    refunded_from_pending: 0,
  };
  const event: DebitEventRow = {
    id: ctx.ids.next('event'),
    debit_id: debit.id,
    type: created.event,
    status: created.status,
    at,
    // The mandate_id column can only name a mandate that exists: an unknown one the request gave is
    // kept in the rejection's event, so that the answers still show it.
    data: JSON.stringify({
      ...(rejection === null ? { channel: debit.channel_id } : { code: rejection, ...(mandate === null && input.mandate_id !== undefined ? { mandate_id: input.mandate_id } : {}) }),
      ...(presentment === null ? {} : { represents: presentment.represents }),
    }),
  };
  return { debit, event, mismatched };
}

/**
 * A payer account number that matches no mandate and has the length of a card but fails the card's
 * Luhn check is a mistyped card number: refused as the mandate API refuses it
 * (`invalid_check_digit`) rather than `mandate_not_found`, which would send the merchant looking
 * for a mandate. Only after the lookup: a bank account of that length has no check digit, and
 * one that matches a mandate is taken whatever its digits.
 */
function throwIfBadCardNumber(accountNumber: string): void {
  if (accountNumber.length < BANK_CARD_DIGITS_MIN || accountNumber.length > BANK_CARD_DIGITS_MAX) return;
  const card = validateBankCard(accountNumber);
  if (!card.ok && card.code === 'invalid_check_digit') throw validationFailed([{ pointer: '/payer/account_number', code: card.code, detail: card.detail }]);
}

/**
 * Finds the mandate a debit names, or the merchant's mandate for the payer's account. When
 * several match, an active one is chosen; two active ones make the request ambiguous.
 */
async function resolveMandate(
  ctx: AppContext,
  source: DecisionSource,
  merchantId: string,
  input: CreateDebitInput,
  today: BusinessDate,
): Promise<{ mandate: MandateTerms | null; rejection: RejectionCode | null }> {
  if (input.mandate_id !== undefined) {
    const mandate = await source.mandateById(input.mandate_id);
    if (mandate === null || mandate.merchant_id !== merchantId) return { mandate: null, rejection: 'mandate_not_found' };
    return { mandate, rejection: null };
  }
  const candidates = await source.mandatesByAccount(ctx.vault.index('account', input.payer!.account_number));
  if (candidates.length === 0) return { mandate: null, rejection: 'mandate_not_found' };
  const usable = candidates.filter((m) => m.status === 'active' && (m.valid_until === null || m.valid_until >= today));
  if (usable.length > 1) {
    throw validationFailed(
      [{ pointer: '/mandate_id', code: 'ambiguous_mandate', detail: `${usable.length} active mandates match this account; name one with mandate_id.` }],
      'More than one active mandate matches the payer.',
    );
  }
  // With no usable mandate, the newest one explains the refusal (revoked, expired).
  return { mandate: usable[0] ?? candidates[0]!, rejection: null };
}

export async function getDebit(ctx: AppContext, merchantId: string | null, id: string): Promise<DebitWithHistory> {
  const debit = await ctx.store.getDebit(id);
  if (debit === null || (merchantId !== null && debit.merchant_id !== merchantId)) throw notFound('debit', id);
  const [events, attempts, presentments] = await Promise.all([ctx.store.listDebitEvents(id), ctx.store.listAttempts(id), ctx.store.listPresentmentsOf(id)]);
  const rejection = debit.mandate_id === null ? events.find((event) => event.type === REJECTED.event) : undefined;
  const representedBy = presentments.find((presentment) => presentment.status !== 'rejected')?.id ?? null;
  return { debit, events, attempts, givenMandateId: rejection === undefined ? null : givenMandateId(rejection), representedBy };
}

export async function listDebits(ctx: AppContext, filter: DebitFilter): Promise<Page<DebitRow>> {
  return ctx.store.listDebits(filter);
}

/**
 * JSON with sorted keys, members holding undefined left out, so that the same body always hashes
 * the same. Written in one pass: it is computed for every request under an Idempotency-Key.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i += 1) text += (i === 0 ? '' : ',') + (canonicalJson(value[i]) ?? '');
    return `${text}]`;
  }
  const members = value as Record<string, unknown>;
  let text = '{';
  // The default sort compares UTF-16 code units, as `<` does.
  for (const key of Object.keys(members).sort()) {
    const member = members[key];
    if (member === undefined) continue;
    text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${text}}`;
}
