import {
  ABSENT_ATTEMPT_STATES,
  answerStep,
  ATTEMPT_INITIAL_STATE,
  businessDate,
  CHANNEL_ANSWERED,
  chunks,
  debitSucceededTransaction,
  instructionMove,
  invariant,
  FAILURE_MESSAGES,
  FAILURE_RETRYABLE,
  queryAnswer,
  submitAnswer,
  type BusinessDate,
  type ChannelAnswer,
  type DebitInstruction,
  type DebitQuery,
  type DebitSubmit,
  type Clock,
  type EventType,
  type InstructionStatus,
  type Move,
  type Router,
  type FailureCode,
  type QueryOutcome,
  type Step,
  type SubmitOutcome,
  systemClock,
} from '../core/index.js';
import type { AppContext } from './context.js';
import { WorkerHealth } from './worker-health.js';
import { routingInput } from './routing-rows.js';
import { releaseFees } from './fee-plans.js';
import type { AttemptPatch, AttemptRow, CatalogStore, ClaimedDebit, DebitEventRow, DebitRow, DebitStore, LedgerStore, MandateStore, SubmissionStore } from './ports.js';

/** What giving a failed debit's room back touches: its mandate's usage and its fee plans' allowances. */
type CounterStore = MandateStore & CatalogStore;
/** What applying a round's answers touches: attempts and debits, their events, the ledger, the counters. */
type ApplyStore = SubmissionStore & DebitStore & LedgerStore & CounterStore;

/** A channel's answer about one attempt, with what it carried, ready to apply. */
interface Answered {
  attempt: AttemptRow;
  answer: ChannelAnswer;
  channelReference: string | null;
  failure: { code: FailureCode; message: string } | null;
  reason: string | null;
}

const CLAIMED = instructionMove('debit', 'claimed');
const REROUTED = instructionMove('debit', 'rerouted');
const EXHAUSTED = instructionMove('debit', 'exhausted');

/**
 * The background work that carries debits to their channel and learns their outcome
 * (SPEC §5, DESIGN-NOTES §1). Both loops are claim → send → apply:
 * - submit: claims pending debits (one conditional update moves each to `submitted`), writes a
 *   `sending` attempt in the same transaction, and only then sends.
 * - query: leases open attempts (answered `accepted`, outcome `unknown`, or `sending` ones whose
 *   sender died) and asks the channel; only "not found" lets a debit be sent again.
 * Both apply the answers the same way, through the transition table (`core/instructions`), which
 * gives every status change and the states it is conditional on; every change is also fenced on
 * holding the lease, so that a worker that lost its lease, or a second process, cannot apply an
 * answer twice.
 */
export class SubmissionWorker {
  readonly owner: string;
  #running = false;
  #wake: (() => void) | null = null;
  #loops: Promise<void>[] = [];

  /** Each loop's rounds, for `/healthz`. */
  readonly health: { submission: WorkerHealth; queries: WorkerHealth };

  constructor(
    private readonly ctx: AppContext,
    owner?: string,
    /** The clock of `/healthz`'s times: the machine's, not the test clock (an operator reads them). */
    healthClock: Clock = systemClock,
  ) {
    this.owner = owner ?? `worker-${process.pid}-${ctx.ids.next('event').slice(-8)}`;
    this.health = { submission: new WorkerHealth(healthClock), queries: new WorkerHealth(healthClock) };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loops = [this.#loop(() => this.submitRound(), this.health.submission), this.#loop(() => this.queryRound(), this.health.queries)];
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await Promise.all(this.#loops);
  }

  /** Cuts the idle wait short: new work has arrived. */
  wake(): void {
    this.#wake?.();
  }

  async #loop(round: () => Promise<number>, health: WorkerHealth): Promise<void> {
    while (this.#running) {
      let done = 0;
      try {
        done = await round();
        health.recordSuccess();
      } catch (error) {
        health.recordFailure();
        this.ctx.logger.error({ err: error }, 'worker round failed; retrying');
      }
      if (done === 0 && this.#running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.ctx.workers.idleMs);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /** Claims due pending debits, sends each once, and applies the answers. Returns how many it handled. */
  async submitRound(): Promise<number> {
    const claimed = await this.#claimPending();
    const sent = (await Promise.all([...groupBy(claimed, ({ attempt }) => attempt.channel_id).values()].map((group) => this.#sendGroup(group)))).flat();
    await this.#applyAll(
      sent.map(({ attempt, outcome }) => ({
        attempt,
        answer: submitAnswer(outcome),
        channelReference: outcome.kind === 'accepted' ? outcome.channelReference : null,
        failure: null,
        reason: outcome.kind === 'accepted' ? null : outcome.reason,
      })),
    );
    return claimed.length;
  }

  /**
   * Claims due pending debits (one conditional update moves each to `submitted`) and writes a
   * `sending` attempt for each in the same transaction, before anything is sent.
   */
  async #claimPending(): Promise<{ claim: ClaimedDebit; attempt: AttemptRow }[]> {
    const now = this.ctx.clock.now();
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.ctx.workers.leaseMs).toISOString();
    const router = await this.ctx.routing.router();
    const unavailable = this.ctx.routing.unavailableChannels();
    return this.ctx.store.transaction(async (tx) => {
      const debits = await tx.claimPendingDebits(CLAIMED.instruction, at, this.ctx.workers.batchSize);
      const retries = debits.filter((claim) => claim.debit.attempt_count > 1 || unavailable.has(claim.debit.channel_id!));
      const earlier = await tx.listAttemptsForDebits(retries.map((claim) => claim.debit.id));
      for (const claim of retries) await this.#reroute(tx, router, unavailable, claim, earlier, at);
      const attempts = debits.map((claim) => ({
        claim,
        attempt: {
          id: this.ctx.ids.next('attempt'),
          debit_id: claim.debit.id,
          attempt_number: claim.debit.attempt_count,
          channel_id: claim.debit.channel_id!,
          end_to_end_id: claim.debit.id,
          state: ATTEMPT_INITIAL_STATE,
          channel_reference: null,
          failure_code: null,
          failure_message: null,
          next_query_at: leaseUntil,
          query_count: 0,
          lease_owner: this.owner,
          lease_until: leaseUntil,
          created_at: at,
          updated_at: at,
        } satisfies AttemptRow,
      }));
      await tx.insertAttempts(attempts.map(({ attempt }) => attempt));
      await tx.insertDebitEvents(attempts.map(({ attempt }) => this.#eventRow(attempt.debit_id, CLAIMED.event, CLAIMED.status, at, { channel: attempt.channel_id, attempt: attempt.attempt_number })));
      return attempts;
    });
  }

  /**
   * A debit going out again, or whose channel's breaker is open, is routed anew on its business
   * date, away from channels that confirmed they did not receive it. Only debits that no channel
   * may hold come back here, so failing over never breaks the unknown-outcome rule.
   */
  async #reroute(tx: SubmissionStore & DebitStore & CatalogStore, router: Router, unavailable: ReadonlySet<string>, claim: ClaimedDebit, earlier: AttemptRow[], at: string): Promise<void> {
    const merchant = await this.ctx.routing.merchant(claim.debit.merchant_id, tx);
    invariant(merchant !== null, `debit ${claim.debit.id} has no merchant`);
    const avoid = new Set(earlier.filter((a) => a.debit_id === claim.debit.id && (ABSENT_ATTEMPT_STATES as readonly string[]).includes(a.state)).map((a) => a.channel_id));
    const decision = router.route(routingInput(merchant, claim.mandate, claim.debit.amount, claim.debit.business_date as BusinessDate), { unavailable, avoid });
    if (decision.channel === null || decision.channel === claim.debit.channel_id) return;
    const patch = { channel_id: decision.channel, channel_cost: decision.cost ?? 0, routing: JSON.stringify(decision) };
    invariant(await tx.updateDebit(claim.debit.id, REROUTED.instruction, patch, at), `claimed debit ${claim.debit.id} is not submitted`);
    await this.#event(tx, claim.debit.id, REROUTED.event, REROUTED.status, at, { from: claim.debit.channel_id, to: decision.channel });
    Object.assign(claim.debit, patch);
  }

  /**
   * Sends one channel's share of a round through the channel's `DebitSubmit` flow, in messages
   * of at most its `batchMax`. A channel with no such flow (unknown to this process, or not
   * serving it) was sent nothing: `not_sent`, so that the debit is routed anew.
   */
  async #sendGroup(group: { claim: ClaimedDebit; attempt: AttemptRow }[]): Promise<{ claim: ClaimedDebit; attempt: AttemptRow; outcome: SubmitOutcome }[]> {
    const channelId = group[0]!.attempt.channel_id;
    const lookup = this.ctx.connectors.debitSubmit(channelId);
    if (lookup.kind === 'not_supported') {
      this.ctx.logger.error({ channel: channelId, reason: lookup.reason }, 'no debit submit flow for the channel');
      return group.map((entry) => ({ ...entry, outcome: { kind: 'not_sent', reason: `debit submit ${lookup.reason}` } }));
    }
    const flow = lookup.flow;
    const sent = await Promise.all(
      chunks(group, flow.batchMax).map(async (chunk) => {
        if (chunk.length === 1) return [await this.#send(flow, chunk[0]!.claim, chunk[0]!.attempt)];
        try {
          const outcomes = await flow.submitDebits(chunk.map(({ claim, attempt }) => this.#instruction(claim, attempt)));
          invariant(outcomes.length === chunk.length, 'a batch submit answers once per instruction');
          return outcomes;
        } catch (error) {
          this.ctx.logger.error({ err: error, channel: channelId }, 'connector threw on a batch submit');
          return chunk.map((): SubmitOutcome => ({ kind: 'unknown', reason: 'connector error' }));
        }
      }),
    );
    const outcomes = sent.flat();
    return group.map((entry, index) => ({ ...entry, outcome: outcomes[index]! }));
  }

  #instruction(claim: ClaimedDebit, attempt: AttemptRow): DebitInstruction {
    const { debit, mandate } = claim;
    const vault = this.ctx.vault;
    return {
      channelId: attempt.channel_id,
      endToEndId: attempt.end_to_end_id,
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
  }

  async #send(flow: DebitSubmit, claim: ClaimedDebit, attempt: AttemptRow): Promise<SubmitOutcome> {
    try {
      return await flow.submitDebit(this.#instruction(claim, attempt));
    } catch (error) {
      // A connector bug must not leave doubt unrecorded: treat it as an unknown outcome.
      this.ctx.logger.error({ err: error, debit_id: claim.debit.id }, 'connector threw on submit');
      return { kind: 'unknown', reason: 'connector error' };
    }
  }

  /** Leases due open attempts, asks their channel what became of each, and applies the answers. */
  async queryRound(): Promise<number> {
    // Keeps the channels, and so their connectors, as fresh as for submission.
    await this.ctx.routing.router();
    const now = this.ctx.clock.now();
    const leaseUntil = new Date(now.getTime() + this.ctx.workers.leaseMs).toISOString();
    const attempts = await this.ctx.store.claimOpenAttempts(now.toISOString(), this.ctx.workers.batchSize, this.owner, leaseUntil);
    const asked = (await Promise.all([...groupBy(attempts, (attempt) => attempt.channel_id).values()].map((group) => this.#queryGroup(group)))).flat();
    await this.#applyAll(
      asked.map(({ attempt, outcome }) => ({
        attempt,
        answer: queryAnswer(outcome),
        channelReference: outcome.kind === 'succeeded' ? outcome.channelReference : null,
        failure: outcome.kind === 'failed' ? { code: outcome.code, message: outcome.message } : null,
        reason: outcome.kind === 'unreachable' ? outcome.reason : outcome.kind === 'not_found' ? 'channel has no such instruction' : null,
      })),
    );
    return attempts.length;
  }

  /**
   * Asks one channel about its share of a round through its `DebitQuery` flow, in messages of at
   * most its `batchMax`. A channel with no such flow gives no answer: `unreachable`, ask again.
   */
  async #queryGroup(group: AttemptRow[]): Promise<{ attempt: AttemptRow; outcome: QueryOutcome }[]> {
    const channelId = group[0]!.channel_id;
    const lookup = this.ctx.connectors.debitQuery(channelId);
    if (lookup.kind === 'not_supported') {
      this.ctx.logger.error({ channel: channelId, reason: lookup.reason }, 'no debit query flow for the channel');
      return group.map((attempt) => ({ attempt, outcome: { kind: 'unreachable', reason: `debit query ${lookup.reason}` } }));
    }
    const flow = lookup.flow;
    const asked = await Promise.all(
      chunks(group, flow.batchMax).map(async (chunk) => {
        if (chunk.length === 1) return [await this.#query(flow, chunk[0]!)];
        try {
          const outcomes = await flow.queryDebits(chunk.map((attempt) => attempt.end_to_end_id));
          invariant(outcomes.length === chunk.length, 'a batch query answers once per instruction');
          return outcomes;
        } catch (error) {
          this.ctx.logger.error({ err: error, channel: channelId }, 'connector threw on a batch query');
          return chunk.map((): QueryOutcome => ({ kind: 'unreachable', reason: 'connector error' }));
        }
      }),
    );
    const outcomes = asked.flat();
    return group.map((attempt, index) => ({ attempt, outcome: outcomes[index]! }));
  }

  async #query(flow: DebitQuery, attempt: AttemptRow): Promise<QueryOutcome> {
    try {
      return await flow.queryDebit(attempt.end_to_end_id);
    } catch (error) {
      this.ctx.logger.error({ err: error, debit_id: attempt.debit_id }, 'connector threw on query');
      return { kind: 'unreachable', reason: 'connector error' };
    }
  }

  /**
   * Applies a round's answers, submission's or query's alike, in one transaction (one commit, not
   * one per debit). Each answer is looked up in the transition table by its attempt's state;
   * answers that share a table row are applied together, each change in one statement for the
   * whole set, fenced by the row's states and by the lease, so that a worker that lost its lease
   * cannot apply an answer twice.
   */
  async #applyAll(answered: readonly Answered[]): Promise<void> {
    if (answered.length === 0) return;
    await this.ctx.store.transaction(async (tx) => {
      const now = this.ctx.clock.now();
      const steps = new Map<Step, Answered[]>();
      for (const entry of answered) {
        const { attempt, answer } = entry;
        if (CHANNEL_ANSWERED[answer]) this.ctx.routing.breaker.recordSuccess(attempt.channel_id);
        else this.ctx.routing.breaker.recordFailure(attempt.channel_id, now.getTime());
        if (attempt.state === 'sending' && (answer === 'unknown' || answer === 'not_sent')) {
          this.ctx.logger.warn({ debit_id: attempt.debit_id, channel: attempt.channel_id, reason: entry.reason }, answer === 'unknown' ? 'submission outcome unknown; will query' : 'channel did not receive the debit');
        }
        const step = answerStep('debit', attempt.state, answer);
        const group = steps.get(step);
        if (group === undefined) steps.set(step, [entry]);
        else group.push(entry);
      }
      for (const [step, group] of steps) await this.#apply(tx, now, step, group);
    });
  }

  async #apply(tx: ApplyStore, now: Date, step: Step, answered: readonly Answered[]): Promise<void> {
    const at = now.toISOString();
    const moved = await tx.updateAttempts(answered.map((entry) => ({ id: entry.attempt.id, patch: this.#attemptPatch(now, entry) })), step.attempt, this.owner, at);
    if (moved.length === 0 || step.instruction === null) return;
    const byId = new Map(answered.map((entry) => [entry.attempt.id, entry]));
    switch (step.status) {
      case 'succeeded':
        await this.#succeed(tx, now, step, moved);
        return;
      case 'failed':
        for (const attempt of moved) {
          const debit = await tx.getDebit(attempt.debit_id);
          invariant(debit !== null, `attempt ${attempt.id} has no debit`);
          await this.#fail(tx, debit, step, byId.get(attempt.id)!.failure!.code, at);
        }
        return;
      case 'pending':
        for (const attempt of moved) await this.#returnToPending(tx, step, attempt, byId.get(attempt.id)!.reason, at);
        return;
      default:
        invariant(false, `no effect for a debit answer that makes it ${step.status}`);
    }
  }

  /** What the answer writes on its attempt besides the state, which the table's change writes. */
  #attemptPatch(now: Date, { attempt, answer, channelReference, failure }: Answered): AttemptPatch {
    const release = { lease_owner: null, lease_until: null };
    switch (answer) {
      case 'accepted':
        return { ...release, channel_reference: channelReference, next_query_at: new Date(now.getTime() + this.ctx.workers.queryIntervalMs).toISOString() };
      case 'processing':
        return { ...release, next_query_at: new Date(now.getTime() + this.ctx.workers.queryIntervalMs).toISOString() };
      case 'unknown':
        // Each answer that told nothing doubles the wait before the next query (up to backoffMsMax).
        return { ...release, next_query_at: new Date(now.getTime() + this.#backoffMs(attempt.query_count)).toISOString(), query_count: attempt.query_count + 1 };
      case 'succeeded':
        return { ...release, channel_reference: channelReference, next_query_at: null };
      case 'failed':
        return { ...release, failure_code: failure!.code, failure_message: failure!.message, next_query_at: null };
      case 'not_received':
      case 'not_sent':
        return { ...release, next_query_at: null };
    }
  }

  /**
   * Debits the channel reports succeeded, set-based: the debits move with one statement, the
   * ledger posts every debit with each balance moved once, and the events go in together.
   */
  async #succeed(tx: SubmissionStore & DebitStore & LedgerStore, now: Date, step: Step, moved: readonly AttemptRow[]): Promise<void> {
    const at = now.toISOString();
    const debits = await tx.updateDebits(moved.map((attempt) => ({ id: attempt.debit_id, patch: { channel_id: attempt.channel_id } })), step.instruction!, at);
    invariant(debits.length === moved.length, `${moved.length - debits.length} debits of succeeded attempts are not submitted`);
    const date = businessDate(now);
    await tx.postLedgerTransactions(
      debits.map((debit) => ({
        id: this.ctx.ids.next('ledgerTransaction'),
        transaction: debitSucceededTransaction({
          debitId: debit.id,
          merchantId: debit.merchant_id,
          channelId: debit.channel_id!,
          amountFen: debit.amount,
          payerFeeFen: debit.payer_fee,
          merchantFeeFen: debit.merchant_fee,
          channelCostFen: debit.channel_cost,
        }),
        at,
        businessDate: date,
      })),
    );
    const references = new Map(moved.map((attempt) => [attempt.debit_id, attempt.channel_reference]));
    await tx.insertDebitEvents(debits.map((debit) => this.#eventRow(debit.id, step.event!, step.status, at, { channel: debit.channel_id, channel_reference: references.get(debit.id) })));
  }

  /** The channel confirmed it does not hold the debit: send again later, or give up. */
  async #returnToPending(tx: SubmissionStore & DebitStore & CounterStore, step: Step, attempt: AttemptRow, reason: string | null, at: string): Promise<void> {
    const debit = await tx.getDebit(attempt.debit_id);
    invariant(debit !== null, `attempt ${attempt.id} has no debit`);
    if (debit.attempt_count >= this.ctx.workers.notSentAttemptsMax) {
      await this.#fail(tx, debit, EXHAUSTED, 'channel_unavailable', at);
      return;
    }
    const retryAt = new Date(Date.parse(at) + this.#backoffMs(debit.attempt_count)).toISOString();
    if (await tx.updateDebit(debit.id, step.instruction!, { next_action_at: retryAt }, at)) {
      await this.#event(tx, debit.id, step.event!, step.status, at, { channel: attempt.channel_id, reason, retry_at: retryAt });
    }
  }

  /** Fails a debit by a table row that makes it `failed`; the row says whether its counters are given back. */
  async #fail(tx: SubmissionStore & DebitStore & CounterStore, debit: DebitRow, change: Step | Move, code: FailureCode, at: string): Promise<void> {
    const moved = await tx.updateDebit(debit.id, change.instruction!, {
      failure_code: code,
      failure_message: FAILURE_MESSAGES[code],
      failure_retryable: FAILURE_RETRYABLE[code] ? 1 : 0,
      next_action_at: null,
    }, at);
    invariant(moved, `debit ${debit.id} was not ${change.instruction!.from.join(' or ')} when it failed`);
    if (change.releaseCounters) await this.#releaseCounters(tx, debit);
    await this.#event(tx, debit.id, change.event!, change.status, at, { code });
  }

  /** A debit that failed gives back its room under the mandate's monthly limit and in fee allowances (DESIGN-NOTES §4). */
  async #releaseCounters(tx: CounterStore, debit: DebitRow): Promise<void> {
    await releaseFees(tx, debit);
    if (debit.mandate_id !== null) {
      const mandate = await tx.getMandate(debit.mandate_id);
      if (mandate?.monthly_max !== null && mandate !== null) await tx.addMandateUsage(mandate.id, debit.business_date.slice(0, 7), -debit.amount);
    }
  }

  async #event(tx: Pick<DebitStore, 'insertDebitEvent'>, debitId: string, type: EventType, status: InstructionStatus, at: string, data: Record<string, unknown>): Promise<void> {
    await tx.insertDebitEvent(this.#eventRow(debitId, type, status, at, data));
  }

  #eventRow(debitId: string, type: EventType, status: InstructionStatus, at: string, data: Record<string, unknown>): DebitEventRow {
    return { id: this.ctx.ids.next('event'), debit_id: debitId, type, status, at, data: JSON.stringify(data) };
  }

  #backoffMs(tries: number): number {
    return Math.min(this.ctx.workers.backoffMsMax, this.ctx.workers.queryIntervalMs * 2 ** Math.min(tries, 20));
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}
