import {
  businessDate,
  debitSucceededTransaction,
  invariant,
  FAILURE_MESSAGES,
  FAILURE_RETRYABLE,
  OPEN_ATTEMPT_STATES,
  type AccountKind,
  type BusinessDate,
  type DebitInstruction,
  type Router,
  type FailureCode,
  type Medium,
  type QueryOutcome,
  type SubmitOutcome,
  systemClock,
} from '../core/index.js';
import type { AppContext } from './context.js';
import { WorkerHealth } from './worker-health.js';
import { routingInput } from './routing-table.js';
import { releaseFees } from './fee-plans.js';
import type { AttemptPatch, AttemptRow, ClaimedDebit, DebitEventRow, DebitRow, StoreTx } from './ports.js';

/**
 * The background work that carries debits to their channel and learns their outcome
 * (SPEC §5, DESIGN-NOTES §1). Two loops:
 * - submit: claims pending debits (one conditional update moves each to `submitted`), writes a
 *   `sending` attempt in the same transaction, and only then sends.
 * - query: leases open attempts (answered `accepted`, outcome `unknown`, or `sending` ones whose
 *   sender died) and asks the channel; only "not found" lets a debit be sent again.
 * Every change is conditional on the state it expects and on holding the lease, so that a worker
 * that lost its lease, or a second process, cannot apply an answer twice.
 */
export class SubmissionWorker {
  readonly owner: string;
  #running = false;
  #wake: (() => void) | null = null;
  #loops: Promise<void>[] = [];

  constructor(
    private readonly ctx: AppContext,
    owner?: string,
  ) {
    this.owner = owner ?? `worker-${process.pid}-${ctx.ids.next('event').slice(-8)}`;
  }

  /** Each loop's rounds, for `/healthz`. */
  readonly health = { submission: new WorkerHealth(systemClock), queries: new WorkerHealth(systemClock) };

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

  /** Claims due pending debits and sends each once. Returns how many it handled. */
  async submitRound(): Promise<number> {
    const now = this.ctx.clock.now();
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.ctx.workers.leaseMs).toISOString();
    const router = await this.ctx.routing.router();
    const unavailable = this.ctx.routing.unavailableChannels();
    const claimed = await this.ctx.store.transaction(async (tx) => {
      const debits = await tx.claimPendingDebits(at, this.ctx.workers.batchSize);
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
          state: 'sending',
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
      await tx.insertDebitEvents(attempts.map(({ attempt }) => this.#eventRow(attempt.debit_id, 'debit.submitted', 'submitted', at, { channel: attempt.channel_id, attempt: attempt.attempt_number })));
      return attempts;
    });
    const outcomes = (await Promise.all([...groupBy(claimed, ({ attempt }) => attempt.channel_id).values()].map((group) => this.#sendGroup(group)))).flat();
    if (outcomes.length > 0) {
      // One transaction for the whole round's answers: one commit, not one per debit.
      await this.ctx.store.transaction(async (tx) => {
        const now = this.ctx.clock.now();
        // The usual answer, accepted, is recorded for the whole round in one statement.
        const queryAt = new Date(now.getTime() + this.ctx.workers.queryIntervalMs).toISOString();
        const accepted: { id: string; patch: AttemptPatch }[] = [];
        for (const { claim, attempt, outcome } of outcomes) {
          if (outcome.kind === 'accepted') {
            this.ctx.routing.breaker.recordSuccess(attempt.channel_id);
            accepted.push({ id: attempt.id, patch: { lease_owner: null, lease_until: null, state: 'accepted', channel_reference: outcome.channelReference, next_query_at: queryAt } });
          } else {
            await this.#recordSubmission(tx, now, claim.debit, attempt, outcome);
          }
        }
        await tx.updateAttempts(accepted, ['sending'], this.owner, now.toISOString());
      });
    }
    return claimed.length;
  }

  /**
   * A debit going out again, or whose channel's breaker is open, is routed anew on its business
   * date, away from channels that confirmed they did not receive it. Only debits that no channel
   * may hold come back here, so failing over never breaks the unknown-outcome rule.
   */
  async #reroute(tx: StoreTx, router: Router, unavailable: ReadonlySet<string>, claim: ClaimedDebit, earlier: AttemptRow[], at: string): Promise<void> {
    const merchant = await this.ctx.routing.merchant(claim.debit.merchant_id, tx);
    invariant(merchant !== null, `debit ${claim.debit.id} has no merchant`);
    const avoid = new Set(earlier.filter((a) => a.debit_id === claim.debit.id && (a.state === 'not_sent' || a.state === 'not_found')).map((a) => a.channel_id));
    const decision = router.route(routingInput(merchant, claim.mandate, claim.debit.amount, claim.debit.business_date as BusinessDate), { unavailable, avoid });
    if (decision.channel === null || decision.channel === claim.debit.channel_id) return;
    const patch = { channel_id: decision.channel, channel_cost: decision.cost ?? 0, routing: JSON.stringify(decision) };
    invariant(await tx.updateDebit(claim.debit.id, 'submitted', patch, at), `claimed debit ${claim.debit.id} is not submitted`);
    await this.#event(tx, claim.debit.id, 'debit.rerouted', 'submitted', at, { from: claim.debit.channel_id, to: decision.channel });
    Object.assign(claim.debit, patch);
  }

  /** Sends one channel's share of a round: in one message where the channel takes batches. */
  async #sendGroup(group: { claim: ClaimedDebit; attempt: AttemptRow }[]): Promise<{ claim: ClaimedDebit; attempt: AttemptRow; outcome: SubmitOutcome }[]> {
    const connector = this.ctx.connector;
    if (group.length > 1 && connector.submitDebits !== undefined) {
      const channelId = group[0]!.attempt.channel_id;
      let outcomes: SubmitOutcome[];
      try {
        outcomes = await connector.submitDebits(channelId, group.map(({ claim, attempt }) => this.#instruction(claim, attempt)));
      } catch (error) {
        this.ctx.logger.error({ err: error, channel: channelId }, 'connector threw on a batch submit');
        outcomes = group.map(() => ({ kind: 'unknown', reason: 'connector error' }));
      }
      invariant(outcomes.length === group.length, 'a batch submit answers once per instruction');
      return group.map((entry, index) => ({ ...entry, outcome: outcomes[index]! }));
    }
    return Promise.all(group.map(async (entry) => ({ ...entry, outcome: await this.#send(entry.claim, entry.attempt) })));
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
      accountKind: mandate.account_kind as AccountKind,
      medium: mandate.medium as Medium,
      bankCode: mandate.bank_code,
      holderName: mandate.holder_name,
      idNumber: mandate.id_number_ciphertext === null ? null : vault.open(mandate.id_number_ciphertext),
      phone: mandate.phone_ciphertext === null ? null : vault.open(mandate.phone_ciphertext),
      mandateReference: mandate.agreement_number,
    };
  }

  async #send(claim: ClaimedDebit, attempt: AttemptRow): Promise<SubmitOutcome> {
    try {
      return await this.ctx.connector.submitDebit(this.#instruction(claim, attempt));
    } catch (error) {
      // A connector bug must not leave doubt unrecorded: treat it as an unknown outcome.
      this.ctx.logger.error({ err: error, debit_id: claim.debit.id }, 'connector threw on submit');
      return { kind: 'unknown', reason: 'connector error' };
    }
  }

  /** Records an answer other than `accepted` (the round records those together). */
  async #recordSubmission(tx: StoreTx, now: Date, debit: DebitRow, attempt: AttemptRow, outcome: Exclude<SubmitOutcome, { kind: 'accepted' }>): Promise<void> {
    const at = now.toISOString();
    const queryAt = new Date(now.getTime() + this.ctx.workers.queryIntervalMs).toISOString();
    const release = { lease_owner: null, lease_until: null };
    this.ctx.routing.breaker.recordFailure(attempt.channel_id, now.getTime());
    switch (outcome.kind) {
      case 'unknown':
        this.ctx.logger.warn({ debit_id: debit.id, channel: attempt.channel_id, reason: outcome.reason }, 'submission outcome unknown; will query');
        await tx.updateAttempt(attempt.id, ['sending'], this.owner, { ...release, state: 'unknown', next_query_at: queryAt }, at);
        return;
      case 'not_sent':
        this.ctx.logger.warn({ debit_id: debit.id, channel: attempt.channel_id, reason: outcome.reason }, 'channel did not receive the debit');
        if (!(await tx.updateAttempt(attempt.id, ['sending'], this.owner, { ...release, state: 'not_sent', next_query_at: null }, at))) return;
        await this.#returnToPending(tx, debit, 'debit.not_received', at, { channel: attempt.channel_id, reason: outcome.reason });
        return;
    }
  }

  /** Leases due open attempts and asks their channel what became of each. */
  async queryRound(): Promise<number> {
    const now = this.ctx.clock.now();
    const leaseUntil = new Date(now.getTime() + this.ctx.workers.leaseMs).toISOString();
    const attempts = await this.ctx.store.claimOpenAttempts(now.toISOString(), this.ctx.workers.batchSize, this.owner, leaseUntil);
    const outcomes = (await Promise.all([...groupBy(attempts, (attempt) => attempt.channel_id).values()].map((group) => this.#queryGroup(group)))).flat();
    if (outcomes.length > 0) {
      await this.ctx.store.transaction(async (tx) => {
        const answeredAt = this.ctx.clock.now();
        // The usual answers, still processing and succeeded, are recorded set-based.
        const nextQueryAt = new Date(answeredAt.getTime() + this.ctx.workers.queryIntervalMs).toISOString();
        const processing: { id: string; patch: AttemptPatch }[] = [];
        const succeeded: { attempt: AttemptRow; channelReference: string }[] = [];
        for (const { attempt, outcome } of outcomes) {
          if (outcome.kind === 'processing' || outcome.kind === 'succeeded') this.ctx.routing.breaker.recordSuccess(attempt.channel_id);
          if (outcome.kind === 'processing') processing.push({ id: attempt.id, patch: { lease_owner: null, lease_until: null, next_query_at: nextQueryAt } });
          else if (outcome.kind === 'succeeded') succeeded.push({ attempt, channelReference: outcome.channelReference });
          else await this.#recordQuery(tx, answeredAt, attempt, outcome);
        }
        await tx.updateAttempts(processing, OPEN_ATTEMPT_STATES, this.owner, answeredAt.toISOString());
        await this.#recordSucceeded(tx, answeredAt, succeeded);
      });
    }
    return attempts.length;
  }

  async #queryGroup(group: AttemptRow[]): Promise<{ attempt: AttemptRow; outcome: QueryOutcome }[]> {
    const connector = this.ctx.connector;
    if (group.length > 1 && connector.queryDebits !== undefined) {
      let outcomes: QueryOutcome[];
      try {
        outcomes = await connector.queryDebits(group[0]!.channel_id, group.map((attempt) => attempt.end_to_end_id));
      } catch (error) {
        this.ctx.logger.error({ err: error, channel: group[0]!.channel_id }, 'connector threw on a batch query');
        outcomes = group.map(() => ({ kind: 'unreachable', reason: 'connector error' }));
      }
      invariant(outcomes.length === group.length, 'a batch query answers once per instruction');
      return group.map((attempt, index) => ({ attempt, outcome: outcomes[index]! }));
    }
    return Promise.all(group.map(async (attempt) => ({ attempt, outcome: await this.#query(attempt) })));
  }

  async #query(attempt: AttemptRow): Promise<QueryOutcome> {
    try {
      return await this.ctx.connector.queryDebit(attempt.channel_id, attempt.end_to_end_id);
    } catch (error) {
      this.ctx.logger.error({ err: error, debit_id: attempt.debit_id }, 'connector threw on query');
      return { kind: 'unreachable', reason: 'connector error' };
    }
  }

  /**
   * Debits the channel reports succeeded, set-based: attempts and debits move with one statement
   * each (fenced by state and lease as one by one), the ledger posts every debit with each
   * balance moved once, and the events go in together.
   */
  async #recordSucceeded(tx: StoreTx, now: Date, succeeded: readonly { attempt: AttemptRow; channelReference: string }[]): Promise<void> {
    if (succeeded.length === 0) return;
    const at = now.toISOString();
    const moved = await tx.updateAttempts(
      succeeded.map(({ attempt, channelReference }) => ({ id: attempt.id, patch: { lease_owner: null, lease_until: null, state: 'succeeded', channel_reference: channelReference, next_query_at: null } })),
      OPEN_ATTEMPT_STATES,
      this.owner,
      at,
    );
    if (moved.length === 0) return;
    const debits = await tx.updateDebits(moved.map((attempt) => ({ id: attempt.debit_id, patch: { status: 'succeeded', channel_id: attempt.channel_id } })), 'submitted', at);
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
    await tx.insertDebitEvents(debits.map((debit) => this.#eventRow(debit.id, 'debit.succeeded', 'succeeded', at, { channel: debit.channel_id, channel_reference: references.get(debit.id) })));
  }

  /** Records a query's answer other than `processing` or `succeeded` (the round records those together). */
  async #recordQuery(tx: StoreTx, now: Date, attempt: AttemptRow, outcome: Exclude<QueryOutcome, { kind: 'succeeded' | 'processing' }>): Promise<void> {
    const at = now.toISOString();
    const release = { lease_owner: null, lease_until: null };
    if (outcome.kind === 'unreachable') this.ctx.routing.breaker.recordFailure(attempt.channel_id, now.getTime());
    else this.ctx.routing.breaker.recordSuccess(attempt.channel_id);
    switch (outcome.kind) {
      case 'unreachable':
        await tx.updateAttempt(attempt.id, OPEN_ATTEMPT_STATES, this.owner, {
          ...release,
          next_query_at: new Date(now.getTime() + this.#backoffMs(attempt.query_count)).toISOString(),
        }, at);
        return;
      case 'failed': {
        if (!(await tx.updateAttempt(attempt.id, OPEN_ATTEMPT_STATES, this.owner, { ...release, state: 'failed', failure_code: outcome.code, failure_message: outcome.message, next_query_at: null }, at))) return;
        const debit = await tx.getDebit(attempt.debit_id);
        invariant(debit !== null, `attempt ${attempt.id} has no debit`);
        await this.#fail(tx, debit, 'submitted', outcome.code, at);
        return;
      }
      case 'not_found': {
        if (!(await tx.updateAttempt(attempt.id, OPEN_ATTEMPT_STATES, this.owner, { ...release, state: 'not_found', next_query_at: null }, at))) return;
        const debit = await tx.getDebit(attempt.debit_id);
        invariant(debit !== null, `attempt ${attempt.id} has no debit`);
        await this.#returnToPending(tx, debit, 'debit.not_received', at, { channel: attempt.channel_id, reason: 'channel has no such instruction' });
        return;
      }
    }
  }

  /** The channel confirmed it does not hold the debit: send again later, or give up. */
  async #returnToPending(tx: StoreTx, debit: DebitRow, type: string, at: string, data: Record<string, unknown>): Promise<void> {
    const current = (await tx.getDebit(debit.id)) ?? debit;
    if (current.attempt_count >= this.ctx.workers.notSentAttemptsMax) {
      await this.#fail(tx, current, 'submitted', 'channel_unavailable', at);
      return;
    }
    const retryAt = new Date(Date.parse(at) + this.#backoffMs(current.attempt_count)).toISOString();
    if (await tx.updateDebit(current.id, 'submitted', { status: 'pending', next_action_at: retryAt }, at)) {
      await this.#event(tx, current.id, type, 'pending', at, { ...data, retry_at: retryAt });
    }
  }

  async #fail(tx: StoreTx, debit: DebitRow, from: string, code: FailureCode, at: string): Promise<void> {
    const moved = await tx.updateDebit(debit.id, from, {
      status: 'failed',
      failure_code: code,
      failure_message: FAILURE_MESSAGES[code],
      failure_retryable: FAILURE_RETRYABLE[code] ? 1 : 0,
      next_action_at: null,
    }, at);
    invariant(moved, `debit ${debit.id} was not ${from} when it failed`);
    // A failed debit gives back its room under the mandate's monthly limit and in fee allowances (DESIGN-NOTES §4).
    await releaseFees(tx, debit);
    if (debit.mandate_id !== null) {
      const mandate = await tx.getMandate(debit.mandate_id);
      if (mandate?.monthly_max !== null && mandate !== null) await tx.addMandateUsage(mandate.id, debit.business_date.slice(0, 7), -debit.amount);
    }
    await this.#event(tx, debit.id, 'debit.failed', 'failed', at, { code });
  }

  async #event(tx: StoreTx, debitId: string, type: string, status: string, at: string, data: Record<string, unknown>): Promise<void> {
    await tx.insertDebitEvent(this.#eventRow(debitId, type, status, at, data));
  }

  #eventRow(debitId: string, type: string, status: string, at: string, data: Record<string, unknown>): DebitEventRow {
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
