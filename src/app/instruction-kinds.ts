import {
  ABSENT_ATTEMPT_STATES,
  asRefundEvent,
  businessDate,
  debitSucceededTransaction,
  instructionMove,
  invariant,
  payoutReleasedTransaction,
  payoutSucceededTransaction,
  refundReleasedTransaction,
  type AttemptChange,
  type BusinessDate,
  type EventType,
  type FlowLookup,
  type InstructionChange,
  type InstructionKind,
  type InstructionStatus,
  type Router,
  type Step,
  type SubmitOutcome,
} from '../core/index.js';
import type { AppContext } from './context.js';
import { writeDebitEvents, writePayoutEvents } from './events.js';
import { releaseFees } from './fee-plans.js';
import type { AttemptPatch, AttemptRow, CatalogStore, ClaimedDebit, DebitRow, DebitStore, EventStore, LedgerStore, MandateStore, PayoutAttemptRow, PayoutRow, PayoutStore, RefundStore, SubmissionStore } from './ports.js';
import { payoutRoutingInput, routingInput } from './routing-rows.js';

/**
 * What the submission worker needs of one kind of instruction (debits, payouts): the same
 * claim → send → apply for every kind, each kind's adapter translating to its tables, its
 * connector flow and its effects (ledger postings, counters given back). The worker itself
 * (src/app/submission-worker.ts) never names a kind.
 */

/** An attempt of any kind, named by its instruction. */
export type InstructionAttempt = Omit<AttemptRow, 'debit_id'> & { instruction_id: string };

/** An instruction the worker claimed, ready to send: its id, channel, attempt number and what its flow needs. */
export interface ClaimedInstruction {
  id: string;
  channelId: string;
  attemptNumber: number;
}

/** The submit flow of a kind, one instruction or several at a time (cut to `batchMax`). */
export interface Sender {
  readonly batchMax: number;
  sendOne(claimed: ClaimedInstruction, attempt: InstructionAttempt): Promise<SubmitOutcome>;
  sendMany(group: readonly { claimed: ClaimedInstruction; attempt: InstructionAttempt }[]): Promise<SubmitOutcome[]>;
}

/** A channel's submit flow (one instruction, or several in one message) as a Sender, the instruction built from each claim. */
function senderOf<F extends { readonly batchMax: number }, I>(
  lookup: FlowLookup<F>,
  submitOne: (flow: F, instruction: I) => Promise<SubmitOutcome>,
  submitMany: (flow: F, instructions: I[]) => Promise<SubmitOutcome[]>,
  build: (entry: ClaimedInstruction, attempt: InstructionAttempt) => I,
): FlowLookup<Sender> {
  if (lookup.kind === 'not_supported') return lookup;
  const flow = lookup.flow;
  return {
    kind: 'served',
    flow: {
      batchMax: flow.batchMax,
      sendOne: (entry, attempt) => submitOne(flow, build(entry, attempt)),
      sendMany: (group) => submitMany(flow, group.map(({ claimed: entry, attempt }) => build(entry, attempt))),
    },
  };
}

export interface EventInput {
  instructionId: string;
  type: EventType;
  status: InstructionStatus;
  at: string;
  data: Record<string, unknown>;
  /**
   * The instruction as it now is in the transaction, when the caller holds it: a handle the
   * adapter gave out (a claimed instruction, or what `succeed` returned), so that its public
   * event is built from the row the adapter wrote instead of reading the row back.
   */
  held?: Held;
}

/** An instruction's row as the adapter last wrote it, opaque to the worker. */
export interface Held {
  readonly id: string;
}

/** The rows the adapter's handles stand for (a WeakMap: nothing to clear), and the events' rows among them. */
class HeldRows<Row> {
  readonly #rows = new WeakMap<Held, Row>();

  hold(handle: Held, row: Row): Held {
    this.#rows.set(handle, row);
    return handle;
  }

  of(events: readonly EventInput[]): Row[] {
    return events.flatMap(({ held }) => {
      const row = held === undefined ? undefined : this.#rows.get(held);
      return row === undefined ? [] : [row];
    });
  }
}

/** What applying answers touches, whatever the kind. */
export type KindStore = SubmissionStore & DebitStore & PayoutStore & RefundStore & LedgerStore & MandateStore & CatalogStore & EventStore;

export interface InstructionKindAdapter {
  readonly kind: InstructionKind;
  /** Claims due pending instructions (the table's `claimed` move) and reroutes those going out again. */
  claim(tx: KindStore, at: string, limit: number, router: Router, unavailable: ReadonlySet<string>): Promise<ClaimedInstruction[]>;
  /** Writes the attempts of claimed instructions, each with the claim it was made for. */
  insertAttempts(tx: KindStore, rows: readonly { claimed: ClaimedInstruction; attempt: InstructionAttempt }[]): Promise<void>;
  insertEvents(tx: KindStore, rows: readonly EventInput[]): Promise<void>;
  sender(channelId: string): FlowLookup<Sender>;
  claimOpenAttempts(store: KindStore, now: string, limit: number, owner: string, leaseUntil: string): Promise<InstructionAttempt[]>;
  /** Applies an attempt change fenced on the lease (as SubmissionStore.updateAttempts); returns the ids of the attempts changed. */
  moveAttempts(tx: KindStore, updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string, at: string): Promise<Set<string>>;
  /**
   * Moves the instructions of succeeded attempts and posts their ledger transactions; returns their
   * ids, channels and rows as written. Each attempt comes with the one the worker sent (the object
   * insertAttempts wrote, when this process sent it): the adapter may hold its instruction's row.
   */
  succeed(tx: KindStore, now: Date, step: Step, moved: readonly { attempt: InstructionAttempt; sent: InstructionAttempt }[]): Promise<{ id: string; channelId: string | null; held: Held }[]>;
  attemptCount(tx: KindStore, id: string): Promise<number>;
  /** Applies a table change with a patch of `next_action_at` or of the failure; false when the row was not in `change.from`. */
  update(tx: KindStore, id: string, change: InstructionChange, patch: InstructionPatch, at: string): Promise<boolean>;
  /**
   * Fails instructions by a table change, each with its patch, and, when `release`, gives back what
   * each held (a debit's counters, a payout's reservation); returns those moved, as written.
   */
  fail(tx: KindStore, failures: readonly { id: string; patch: InstructionPatch }[], change: InstructionChange, release: boolean, at: string): Promise<{ id: string; held: Held }[]>;
}

export interface InstructionPatch {
  next_action_at?: string | null;
  failure_code?: string;
  failure_message?: string;
  failure_retryable?: number;
}

const DEBIT_REROUTED = instructionMove('debit', 'rerouted');
const PAYOUT_REROUTED = instructionMove('payout', 'rerouted');

function fromDebitAttempt({ debit_id, ...rest }: AttemptRow): InstructionAttempt {
  return { ...rest, instruction_id: debit_id };
}

function toDebitAttempt({ instruction_id, ...rest }: InstructionAttempt): AttemptRow {
  return { ...rest, debit_id: instruction_id };
}

function fromPayoutAttempt({ payout_id, ...rest }: PayoutAttemptRow): InstructionAttempt {
  return { ...rest, instruction_id: payout_id };
}

function toPayoutAttempt({ instruction_id, ...rest }: InstructionAttempt): PayoutAttemptRow {
  return { ...rest, payout_id: instruction_id };
}

/** The channels that confirmed they did not receive an instruction: a new attempt goes elsewhere. */
function absentChannels(attempts: readonly InstructionAttempt[], id: string): Set<string> {
  return new Set(attempts.filter((a) => a.instruction_id === id && (ABSENT_ATTEMPT_STATES as readonly string[]).includes(a.state)).map((a) => a.channel_id));
}

/** Debits: attempts in `attempts`, sent through the channel's DebitSubmit flow. */
export function debitKind(ctx: AppContext): InstructionKindAdapter {
  // What each claimed debit carries to its flow, found by the object the worker holds: nothing to clear.
  const claims = new WeakMap<ClaimedInstruction, ClaimedDebit>();
  // The debits as the claim and the success wrote them (a rerouted one patched in place), for their events.
  const held = new HeldRows<DebitRow>();
  // The debits as claimed, by the attempt written for each: their success needs no read back.
  const sentRows = new WeakMap<InstructionAttempt, DebitRow>();
  const claimed = (claim: ClaimedDebit): ClaimedInstruction => {
    const entry = { id: claim.debit.id, channelId: claim.debit.channel_id!, attemptNumber: claim.debit.attempt_count };
    claims.set(entry, claim);
    held.hold(entry, claim.debit);
    return entry;
  };
  const instruction = (entry: ClaimedInstruction, attempt: InstructionAttempt) => {
    const claim = claims.get(entry);
    invariant(claim !== undefined, `debit ${entry.id} was not claimed by this worker`);
    const { debit, mandate } = claim;
    const vault = ctx.vault;
    return {
      channelId: attempt.channel_id,
      endToEndId: attempt.end_to_end_id,
      attemptNumber: attempt.attempt_number,
      // What leaves the payer's account: the amount and the payer's fee on top.
      amountFen: debit.amount + debit.payer_fee,
      accountNumber: vault.open(mandate.account_ciphertext),
      accountKind: mandate.account_kind,
      medium: mandate.medium,
      bankCode: mandate.bank_code,
      holderName: mandate.holder_name,
      idNumber: mandate.id_number_ciphertext === null ? null : vault.open(mandate.id_number_ciphertext),
      phone: mandate.phone_ciphertext === null ? null : vault.open(mandate.phone_ciphertext),
      mandateReference: mandate.agreement_number,
    };
  };
  return {
    kind: 'debit',
    async claim(tx, at, limit, router, unavailable) {
      const debits = await tx.claimPendingDebits(instructionMove('debit', 'claimed').instruction, at, limit);
      const retries = debits.filter((claim) => claim.debit.attempt_count > 1 || unavailable.has(claim.debit.channel_id!));
      const earlier = (await tx.listAttemptsForDebits(retries.map((claim) => claim.debit.id))).map(fromDebitAttempt);
      for (const claim of retries) {
        // A debit going out again, or whose channel's breaker is open, is routed anew on its
        // business date, away from channels that confirmed they did not receive it.
        const merchant = await ctx.routing.merchant(claim.debit.merchant_id, tx);
        invariant(merchant !== null, `debit ${claim.debit.id} has no merchant`);
        const decision = router.route(routingInput(merchant, claim.mandate, claim.debit.amount, claim.debit.business_date as BusinessDate), { unavailable, avoid: absentChannels(earlier, claim.debit.id) });
        if (decision.channel === null || decision.channel === claim.debit.channel_id) continue;
        const patch = { channel_id: decision.channel, channel_cost: decision.cost ?? 0, routing: JSON.stringify(decision) };
        invariant(await tx.updateDebit(claim.debit.id, DEBIT_REROUTED.instruction, patch, at), `claimed debit ${claim.debit.id} is not submitted`);
        await this.insertEvents(tx, [{ instructionId: claim.debit.id, type: DEBIT_REROUTED.event, status: DEBIT_REROUTED.status, at, data: { from: claim.debit.channel_id, to: decision.channel } }]);
        Object.assign(claim.debit, patch);
      }
      return debits.map(claimed);
    },
    insertAttempts(tx, rows) {
      for (const { claimed, attempt } of rows) {
        const claim = claims.get(claimed);
        if (claim !== undefined) sentRows.set(attempt, claim.debit);
      }
      return tx.insertAttempts(rows.map(({ attempt }) => toDebitAttempt(attempt)));
    },
    insertEvents: (tx, rows) =>
      writeDebitEvents(
        ctx.presenters,
        tx,
        rows.map((row) => ({ id: ctx.ids.next('event'), debit_id: row.instructionId, type: row.type, status: row.status, at: row.at, data: JSON.stringify(row.data) })),
        held.of(rows),
      ),
    sender: (channelId) => senderOf(ctx.connectors.debitSubmit(channelId), (flow, one) => flow.submitDebit(one), (flow, many) => flow.submitDebits(many), instruction),
    claimOpenAttempts: async (store, now, limit, owner, leaseUntil) => (await store.claimOpenAttempts(now, limit, owner, leaseUntil)).map(fromDebitAttempt),
    moveAttempts: (tx, updates, change, owner, at) => tx.moveAttempts(updates, change, owner, at),
    async succeed(tx, now, step, moved) {
      const at = now.toISOString();
      const change = step.instruction!;
      // A debit this process claimed and sent is held as the claim wrote it, and nothing else
      // writes a submitted debit (its attempt is leased to this worker: the fence on the attempts
      // before this): it is moved without being read back, and is that row with the change's
      // columns; a whole row read back cost more than the update itself. The others (asked about
      // by the query loop) are read back as they are moved.
      const patch = (attempt: InstructionAttempt) => ({ id: attempt.instruction_id, patch: { channel_id: attempt.channel_id } });
      const known = moved.flatMap(({ attempt, sent }) => {
        const row = sentRows.get(sent);
        return row === undefined ? [] : [{ attempt, row }];
      });
      const movedIds = known.length === 0 ? new Set<string>() : await tx.moveDebits(known.map(({ attempt }) => patch(attempt)), change, at);
      const debits = known
        .filter(({ attempt }) => movedIds.has(attempt.instruction_id))
        .map(({ attempt, row }): DebitRow => ({ ...row, channel_id: attempt.channel_id, ...(change.to === null ? {} : { status: change.to }), updated_at: at }));
      const unknown = moved.filter(({ sent }) => !sentRows.has(sent)).map(({ attempt }) => patch(attempt));
      if (unknown.length > 0) debits.push(...(await tx.updateDebits(unknown, change, at)));
      invariant(debits.length === moved.length, `${moved.length - debits.length} debits of succeeded attempts are not submitted`);
      const date = businessDate(now);
      await tx.postLedgerTransactions(
        debits.map((debit) => ({
          id: ctx.ids.next('ledgerTransaction'),
          transaction: debitSucceededTransaction({ debitId: debit.id, merchantId: debit.merchant_id, channelId: debit.channel_id!, amountFen: debit.amount, payerFeeFen: debit.payer_fee, merchantFeeFen: debit.merchant_fee, channelCostFen: debit.channel_cost }),
          at,
          businessDate: date,
        })),
      );
      return debits.map((debit) => ({ id: debit.id, channelId: debit.channel_id, held: held.hold({ id: debit.id }, debit) }));
    },
    async attemptCount(tx, id) {
      const debit = await tx.getDebit(id);
      invariant(debit !== null, `no debit ${id}`);
      return debit.attempt_count;
    },
    update: (tx, id, change, patch, at) => tx.updateDebit(id, change, patch, at),
    async fail(tx, failures, change, release, at) {
      const debits = await tx.updateDebits(failures, change, at);
      if (release) {
        // A debit that failed gives back its room under the mandate's monthly limit and in fee allowances (DESIGN-NOTES §4).
        for (const debit of debits) {
          await releaseFees(tx, debit);
          if (debit.mandate_id !== null) {
            const mandate = await tx.getMandate(debit.mandate_id);
            if (mandate?.monthly_max !== null && mandate !== null) await tx.addMandateUsage(mandate.id, debit.business_date.slice(0, 7), -debit.amount);
          }
        }
      }
      return debits.map((debit) => ({ id: debit.id, held: held.hold({ id: debit.id }, debit) }));
    },
  };
}

/**
 * Payouts: attempts in `payout_attempts`, sent through the channel's PayoutSubmit flow and asked
 * about through its DebitQuery flow (by end-to-end id). A success posts the reservation's use, a
 * failure gives it back to `available`. Refunds are payouts of kind `refund` and go the same way;
 * their postings have kinds of their own (`refund_succeeded`, `refund_released`), and a failed
 * refund also gives its debit back the refundable amount (and its pending part, see release), and
 * its events are named `refund.*`.
 */
export function payoutKind(ctx: AppContext): InstructionKindAdapter {
  const rows = new WeakMap<ClaimedInstruction, PayoutRow>();
  const instruction = (entry: ClaimedInstruction, attempt: InstructionAttempt) => {
    const payout = rows.get(entry);
    invariant(payout !== undefined, `payout ${entry.id} was not claimed by this worker`);
    return {
      channelId: attempt.channel_id,
      endToEndId: attempt.end_to_end_id,
      attemptNumber: attempt.attempt_number,
      amountFen: payout.amount,
      accountNumber: ctx.vault.open(payout.payee_account_ciphertext),
      accountKind: payout.payee_account_kind,
      medium: payout.payee_medium,
      bankCode: payout.payee_bank_code,
      holderName: payout.payee_holder_name,
    };
  };
  const held = new HeldRows<PayoutRow>();
  const claimed = (payout: PayoutRow): ClaimedInstruction => {
    const entry = { id: payout.id, channelId: payout.channel_id!, attemptNumber: payout.attempt_count };
    rows.set(entry, payout);
    held.hold(entry, payout);
    return entry;
  };
  const amounts = (payout: PayoutRow) => ({ payoutId: payout.id, merchantId: payout.merchant_id, channelId: payout.channel_id!, amountFen: payout.amount, feeFen: payout.fee, channelCostFen: payout.channel_cost });
  /** Gives back what a payout that failed reserved; a refund, what it took from its debit. */
  async function releasePayout(tx: KindStore, payout: PayoutRow, at: string): Promise<void> {
    const now = new Date(at);
    if (payout.kind === 'payout') {
      await tx.postLedgerTransactions([{ id: ctx.ids.next('ledgerTransaction'), transaction: payoutReleasedTransaction(amounts(payout)), at, businessDate: businessDate(now) }]);
      return;
    }
    invariant(payout.debit_id !== null && payout.fee === 0, `refund ${payout.id} names no debit or has a fee`);
    // What it drew from `pending` goes back there only while its debit is unsettled: once a
    // settlement took the debit, it moved the net without that part, which belongs in `available` now.
    const debit = await tx.lowerRefundedAmount(payout.debit_id, payout.amount, payout.drawn_from_pending);
    const pendingFen = debit === 'unsettled' ? payout.drawn_from_pending : 0;
    const released = refundReleasedTransaction({ payoutId: payout.id, merchantId: payout.merchant_id, pendingFen, availableFen: payout.amount - pendingFen });
    await tx.postLedgerTransactions([{ id: ctx.ids.next('ledgerTransaction'), transaction: released, at, businessDate: businessDate(now) }]);
  }
  return {
    kind: 'payout',
    async claim(tx, at, limit, router, unavailable) {
      const payouts = await tx.claimPendingPayouts(instructionMove('payout', 'claimed').instruction, at, limit);
      const retries = payouts.filter((payout) => payout.attempt_count > 1 || unavailable.has(payout.channel_id!));
      const earlier = (await tx.listPayoutAttempts(retries.map((payout) => payout.id))).map(fromPayoutAttempt);
      for (const payout of retries) {
        const merchant = await ctx.routing.merchant(payout.merchant_id, tx);
        invariant(merchant !== null, `payout ${payout.id} has no merchant`);
        const payee = { accountKind: payout.payee_account_kind, medium: payout.payee_medium, bankCode: payout.payee_bank_code };
        const decision = router.route(payoutRoutingInput(merchant, payee, payout.amount, payout.business_date as BusinessDate), { unavailable, avoid: absentChannels(earlier, payout.id) });
        if (decision.channel === null || decision.channel === payout.channel_id) continue;
        // The new channel's cost replaces the old: it is what will be posted; the reservation (amount + fee) does not depend on it.
        const patch = { channel_id: decision.channel, channel_cost: decision.cost ?? 0, routing: JSON.stringify(decision) };
        const [moved] = await tx.updatePayouts([{ id: payout.id, patch }], PAYOUT_REROUTED.instruction, at);
        invariant(moved !== undefined, `claimed payout ${payout.id} is not submitted`);
        await this.insertEvents(tx, [{ instructionId: payout.id, type: PAYOUT_REROUTED.event, status: PAYOUT_REROUTED.status, at, data: { from: payout.channel_id, to: decision.channel } }]);
        Object.assign(payout, patch);
      }
      return payouts.map(claimed);
    },
    insertAttempts: (tx, rows) => tx.insertPayoutAttempts(rows.map(({ attempt }) => toPayoutAttempt(attempt))),
    async insertEvents(tx, rows) {
      // A refund's events are `refund.*` (SPEC §16): the payouts as they are now in the
      // transaction tell refunds apart and are carried in the public events; those the caller
      // does not hold are read, in one query.
      const payouts = held.of(rows);
      const known = new Set(payouts.map((payout) => payout.id));
      const missing = [...new Set(rows.map((row) => row.instructionId).filter((id) => !known.has(id)))];
      if (missing.length > 0) payouts.push(...(await tx.getPayouts(missing)));
      const refunds = new Set(payouts.filter((payout) => payout.kind === 'refund').map((payout) => payout.id));
      await writePayoutEvents(
        ctx.presenters,
        tx,
        rows.map((row) => ({ id: ctx.ids.next('event'), payout_id: row.instructionId, type: refunds.has(row.instructionId) ? asRefundEvent(row.type) : row.type, status: row.status, at: row.at, data: JSON.stringify(row.data) })),
        payouts,
      );
    },
    sender: (channelId) => senderOf(ctx.connectors.payoutSubmit(channelId), (flow, one) => flow.submitPayout(one), (flow, many) => flow.submitPayouts(many), instruction),
    claimOpenAttempts: async (store, now, limit, owner, leaseUntil) => (await store.claimOpenPayoutAttempts(now, limit, owner, leaseUntil)).map(fromPayoutAttempt),
    moveAttempts: async (tx, updates, change, owner, at) => new Set((await tx.updatePayoutAttempts(updates, change, owner, at)).map((attempt) => attempt.id)),
    async succeed(tx, now, step, moved) {
      const at = now.toISOString();
      const payouts = await tx.updatePayouts(moved.map(({ attempt }) => ({ id: attempt.instruction_id, patch: { channel_id: attempt.channel_id } })), step.instruction!, at);
      invariant(payouts.length === moved.length, `${moved.length - payouts.length} payouts of succeeded attempts are not submitted`);
      const date = businessDate(now);
      await tx.postLedgerTransactions(
        payouts.map((payout) => ({ id: ctx.ids.next('ledgerTransaction'), transaction: payoutSucceededTransaction(amounts(payout), payout.kind === 'refund' ? 'refund_succeeded' : 'payout_succeeded'), at, businessDate: date })),
      );
      return payouts.map((payout) => ({ id: payout.id, channelId: payout.channel_id, held: held.hold({ id: payout.id }, payout) }));
    },
    async attemptCount(tx, id) {
      const payout = await tx.getPayout(id);
      invariant(payout !== null, `no payout ${id}`);
      return payout.attempt_count;
    },
    async update(tx, id, change, patch, at) {
      const { failure_retryable: _retryable, ...rest } = patch;
      return (await tx.updatePayouts([{ id, patch: rest }], change, at)).length === 1;
    },
    async fail(tx, failures, change, release, at) {
      const payouts = await tx.updatePayouts(failures.map(({ id, patch: { failure_retryable: _retryable, ...rest } }) => ({ id, patch: rest })), change, at);
      if (release) for (const payout of payouts) await releasePayout(tx, payout, at);
      return payouts.map((payout) => ({ id: payout.id, held: held.hold({ id: payout.id }, payout) }));
    },
  };
}

/** Every kind the worker carries. */
export function instructionKinds(ctx: AppContext): InstructionKindAdapter[] {
  return [debitKind(ctx), payoutKind(ctx)];
}
