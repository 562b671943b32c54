import {
  answerStep,
  ATTEMPT_INITIAL_STATE,
  type AttemptQuery,
  CHANNEL_ANSWERED,
  chunks,
  instructionMove,
  invariant,
  FAILURE_MESSAGES,
  FAILURE_RETRYABLE,
  queryAnswer,
  submitAnswer,
  type ChannelAnswer,
  type DebitQuery,
  type Clock,
  type EventType,
  type InstructionStatus,
  type Move,
  type FailureCode,
  type QueryOutcome,
  type Step,
  type SubmitOutcome,
  systemClock,
} from '../core/index.js';
import type { AppContext } from './context.js';
import { WorkerHealth } from './worker-health.js';
import { instructionKinds, type ClaimedInstruction, type EventInput, type InstructionAttempt, type InstructionKindAdapter, type KindStore } from './instruction-kinds.js';
import type { AttemptPatch } from './ports.js';

/** A channel's answer about one attempt, with what it carried, ready to apply. */
interface Answered {
  attempt: InstructionAttempt;
  answer: ChannelAnswer;
  channelReference: string | null;
  failure: { code: FailureCode; message: string } | null;
  reason: string | null;
}

/**
 * The background work that carries instructions — debits and payouts alike — to their channel and
 * learns their outcome (SPEC §5, §14, DESIGN-NOTES §1). Each kind has an adapter
 * (src/app/instruction-kinds.ts) for its tables, its flow and its effects; the rounds below are
 * the same code for every kind. Both loops are claim → send → apply:
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
  /** Each idle loop's way to end its wait early (both loops wait at once). */
  readonly #wakes = new Set<() => void>();
  #loops: Promise<void>[] = [];
  readonly #kinds: readonly InstructionKindAdapter[];
  /**
   * A full round's answers, by kind, not yet applied: while the loop runs, they are applied in the
   * transaction that claims the kind's next round (one commit where there were two). Until then
   * their attempts are `sending` under this worker's lease, as between a send and its answer.
   */
  readonly #unapplied = new Map<InstructionKindAdapter, Answered[]>();

  /** Each loop's rounds, for `/healthz`. */
  readonly health: { submission: WorkerHealth; queries: WorkerHealth };

  constructor(
    private readonly ctx: AppContext,
    owner?: string,
    /** The clock of `/healthz`'s times: the machine's, not the test clock (an operator reads them). */
    healthClock: Clock = systemClock,
  ) {
    this.owner = owner ?? `worker-${process.pid}-${ctx.ids.next('event').slice(-8)}`;
    this.#kinds = instructionKinds(ctx);
    this.health = { submission: new WorkerHealth(healthClock), queries: new WorkerHealth(healthClock) };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loops = [this.#loop(() => this.submitRound(), this.health.submission), this.#loop(() => this.queryRound(), this.health.queries)];
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const wake of this.#wakes) wake();
    await Promise.all(this.#loops);
    for (const [kind, answered] of this.#unapplied) {
      this.#unapplied.delete(kind);
      try {
        await this.#applyAll(kind, answered);
      } catch (error) {
        // Left `sending`: the query loop of this or another process asks once the lease lapses.
        this.ctx.logger.error({ err: error, kind: kind.kind }, 'could not apply the last round\'s answers on stop');
      }
    }
  }

  /** Cuts the idle wait short: new work has arrived. */
  wake(): void {
    for (const wake of this.#wakes) wake();
  }

  /**
   * Runs `round` until stopped. A round that found nothing is followed by a wait, twice as long
   * after each such round in a row (idleMs up to idleMsMax), so that an idle process polls the
   * database rarely; a round that found work, or a wake (work arrived in this process), starts
   * again from idleMs. Work another process created is found within idleMsMax.
   */
  async #loop(round: () => Promise<number>, health: WorkerHealth): Promise<void> {
    let waitMs = this.ctx.workers.idleMs;
    while (this.#running) {
      let done = 0;
      try {
        done = await round();
        health.recordSuccess();
      } catch (error) {
        health.recordFailure();
        this.ctx.logger.error({ err: error }, 'worker round failed; retrying');
      }
      if (done > 0) waitMs = this.ctx.workers.idleMs;
      else if (this.#running) {
        const woken = await new Promise<boolean>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            this.#wakes.delete(wake);
            resolve(true);
          };
          const timer = setTimeout(() => {
            this.#wakes.delete(wake);
            resolve(false);
          }, waitMs);
          this.#wakes.add(wake);
        });
        waitMs = woken ? this.ctx.workers.idleMs : Math.min(waitMs * 2, Math.max(this.ctx.workers.idleMs, this.ctx.workers.idleMsMax));
      }
    }
  }

    /** Claims due pending instructions of every kind, sends each once, and applies the answers. Returns how many it handled. */
  async submitRound(): Promise<number> {
    let handled = 0;
    for (const kind of this.#kinds) handled += await this.#submitKind(kind);
    return handled;
  }

  async #submitKind(kind: InstructionKindAdapter): Promise<number> {
    // The last round's answers go in this claim's transaction. Should it fail they are not kept:
    // their attempts stay `sending`, and are asked about once the lease lapses, as after a crash.
    const carried = this.#unapplied.get(kind) ?? [];
    this.#unapplied.delete(kind);
    const claimed = await this.#claimPending(kind, carried);
    const sent = (await Promise.all([...groupBy(claimed, ({ attempt }) => attempt.channel_id).values()].map((group) => this.#sendGroup(kind, group)))).flat();
    const answered = await this.#askAtOnce(sent);
    // A full round means more is likely due: its answers wait for the next claim. A round run by
    // hand (the loop not running), or one that took all there was, applies its own.
    if (this.#running && claimed.length >= this.ctx.workers.batchSize) this.#unapplied.set(kind, answered);
    else await this.#applyAll(kind, answered);
    return claimed.length;
  }

  /**
   * The answers of a submission, each the channel's last word on its attempt: those the channel
   * accepted are asked about at once, in the same round, and one it already settled is applied
   * as settled — the attempt written once, `sending` → `succeeded` or `failed`, with its
   * instruction in the same transaction, where an `accepted` write, a query round's lease and its
   * own write would follow. The rest (still processing, or the channel gave no answer, or none
   * that can follow an acceptance) are applied as accepted, and the query loop asks again later.
   * Nothing is sent by asking, so never-send-twice holds as before: until this round's answers
   * commit, the attempt is `sending` under this worker's lease.
   */
  async #askAtOnce(sent: readonly { attempt: InstructionAttempt; outcome: SubmitOutcome }[]): Promise<Answered[]> {
    const accepted = sent.filter(({ outcome }) => outcome.kind === 'accepted').map(({ attempt }) => attempt);
    const settled = new Map<InstructionAttempt, QueryOutcome>();
    const asked = (await Promise.all([...groupBy(accepted, (attempt) => attempt.channel_id).values()].map((group) => this.#queryGroup(group)))).flat();
    for (const { attempt, outcome } of asked) if (outcome.kind === 'succeeded' || outcome.kind === 'failed') settled.set(attempt, outcome);
    return sent.map(({ attempt, outcome }): Answered => {
      const known = settled.get(attempt);
      if (outcome.kind === 'accepted' && known !== undefined) {
        return {
          attempt,
          answer: queryAnswer(known),
          channelReference: known.kind === 'succeeded' ? known.channelReference : outcome.channelReference,
          failure: known.kind === 'failed' ? { code: known.code, message: known.message } : null,
          reason: null,
        };
      }
      return {
        attempt,
        answer: submitAnswer(outcome),
        channelReference: outcome.kind === 'accepted' ? outcome.channelReference : null,
        failure: null,
        reason: outcome.kind === 'accepted' ? null : outcome.reason,
      };
    });
  }

  /**
   * Claims due pending instructions (one conditional update moves each to `submitted`) and writes
   * a `sending` attempt for each in the same transaction, before anything is sent. One going out
   * again, or whose channel's breaker is open, is routed anew by its kind's adapter first, away
   * from channels that confirmed they did not receive it: only instructions no channel may hold
   * come back here, so failing over never breaks the unknown-outcome rule.
   */
  async #claimPending(kind: InstructionKindAdapter, carried: readonly Answered[]): Promise<{ claimed: ClaimedInstruction; attempt: InstructionAttempt }[]> {
    const now = this.ctx.clock.now();
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.ctx.workers.leaseMs).toISOString();
    const router = await this.ctx.routing.router();
    const unavailable = this.ctx.routing.unavailableChannels();
    const CLAIMED = instructionMove(kind.kind, 'claimed');
    return this.ctx.store.transaction(async (tx) => {
      await this.#applyIn(kind, tx, carried);
      const claimed = await kind.claim(tx, at, this.ctx.workers.batchSize, router, unavailable);
      const attempts = claimed.map((entry) => ({
        claimed: entry,
        attempt: {
          id: this.ctx.ids.next('attempt'),
          instruction_id: entry.id,
          attempt_number: entry.attemptNumber,
          channel_id: entry.channelId,
          end_to_end_id: entry.id,
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
        } satisfies InstructionAttempt,
      }));
      await kind.insertAttempts(tx, attempts);
      await kind.insertEvents(tx, attempts.map(({ claimed, attempt }) => ({ instructionId: attempt.instruction_id, type: CLAIMED.event, status: CLAIMED.status, at, data: { channel: attempt.channel_id, attempt: attempt.attempt_number }, held: claimed })));
      return attempts;
    });
  }

  /**
   * Sends one channel's share of a round through the kind's submit flow, in messages of at most
   * its `batchMax`. A channel with no such flow (unknown to this process, or not serving it) was
   * sent nothing: `not_sent`, so that the instruction is routed anew.
   */
  async #sendGroup(kind: InstructionKindAdapter, group: { claimed: ClaimedInstruction; attempt: InstructionAttempt }[]): Promise<{ attempt: InstructionAttempt; outcome: SubmitOutcome }[]> {
    const channelId = group[0]!.attempt.channel_id;
    const lookup = kind.sender(channelId);
    if (lookup.kind === 'not_supported') {
      this.ctx.logger.error({ channel: channelId, reason: lookup.reason }, `no ${kind.kind} submit flow for the channel`);
      return group.map(({ attempt }) => ({ attempt, outcome: { kind: 'not_sent', reason: `${kind.kind} submit ${lookup.reason}` } }));
    }
    const sender = lookup.flow;
    const sent = await Promise.all(
      chunks(group, sender.batchMax).map(async (chunk): Promise<SubmitOutcome[]> => {
        try {
          if (chunk.length === 1) return [await sender.sendOne(chunk[0]!.claimed, chunk[0]!.attempt)];
          const outcomes = await sender.sendMany(chunk);
          invariant(outcomes.length === chunk.length, 'a batch submit answers once per instruction');
          return outcomes;
        } catch (error) {
          // A connector bug must not leave doubt unrecorded: treat it as an unknown outcome.
          this.ctx.logger.error({ err: error, channel: channelId, kind: kind.kind }, 'connector threw on submit');
          return chunk.map((): SubmitOutcome => ({ kind: 'unknown', reason: 'connector error' }));
        }
      }),
    );
    const outcomes = sent.flat();
    return group.map(({ attempt }, index) => ({ attempt, outcome: outcomes[index]! }));
  }

  /** Leases due open attempts of every kind, asks their channel what became of each, and applies the answers. */
  async queryRound(): Promise<number> {
    // Keeps the channels, and so their connectors, as fresh as for submission.
    await this.ctx.routing.router();
    let handled = 0;
    for (const kind of this.#kinds) handled += await this.#queryKind(kind);
    return handled;
  }

  async #queryKind(kind: InstructionKindAdapter): Promise<number> {
    const now = this.ctx.clock.now();
    const leaseUntil = new Date(now.getTime() + this.ctx.workers.leaseMs).toISOString();
    const attempts = await kind.claimOpenAttempts(this.ctx.store, now.toISOString(), this.ctx.workers.batchSize, this.owner, leaseUntil);
    const asked = (await Promise.all([...groupBy(attempts, (attempt) => attempt.channel_id).values()].map((group) => this.#queryGroup(group)))).flat();
    await this.#applyAll(
      kind,
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
   * Asks one channel about its share of a round through its query flow (by end-to-end id, for
   * every kind), in messages of at most its `batchMax`. A channel with no such flow gives no
   * answer: `unreachable`, ask again.
   */
  async #queryGroup(group: InstructionAttempt[]): Promise<{ attempt: InstructionAttempt; outcome: QueryOutcome }[]> {
    const channelId = group[0]!.channel_id;
    const lookup = this.ctx.connectors.debitQuery(channelId);
    if (lookup.kind === 'not_supported') {
      this.ctx.logger.error({ channel: channelId, reason: lookup.reason }, 'no query flow for the channel');
      return group.map((attempt) => ({ attempt, outcome: { kind: 'unreachable', reason: `debit query ${lookup.reason}` } }));
    }
    const flow = lookup.flow;
    const asked = await Promise.all(
      chunks(group, flow.batchMax).map(async (chunk) => {
        if (chunk.length === 1) return [await this.#query(flow, chunk[0]!)];
        try {
          const outcomes = await flow.queryDebits(chunk.map(attemptQuery));
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

  async #query(flow: DebitQuery, attempt: InstructionAttempt): Promise<QueryOutcome> {
    try {
      return await flow.queryDebit(attemptQuery(attempt));
    } catch (error) {
      this.ctx.logger.error({ err: error, instruction_id: attempt.instruction_id }, 'connector threw on query');
      return { kind: 'unreachable', reason: 'connector error' };
    }
  }

  /**
   * Applies a round's answers, submission's or query's alike, in one transaction (one commit, not
   * one per instruction). Each answer is looked up in the transition table by its attempt's state;
   * answers that share a table row are applied together, each change in one statement for the
   * whole set, fenced by the row's states and by the lease, so that a worker that lost its lease
   * cannot apply an answer twice.
   */
  async #applyAll(kind: InstructionKindAdapter, answered: readonly Answered[]): Promise<void> {
    if (answered.length === 0) return;
    await this.ctx.store.transaction((tx) => this.#applyIn(kind, tx, answered));
  }

  /** Applies answers as #applyAll does, in the caller's transaction. */
  async #applyIn(kind: InstructionKindAdapter, tx: KindStore, answered: readonly Answered[]): Promise<void> {
    if (answered.length === 0) return;
    const now = this.ctx.clock.now();
    const steps = new Map<Step, Answered[]>();
    for (const entry of answered) {
      const { attempt, answer } = entry;
      if (CHANNEL_ANSWERED[answer]) this.ctx.routing.breaker.recordSuccess(attempt.channel_id);
      else this.ctx.routing.breaker.recordFailure(attempt.channel_id, now.getTime());
      if (attempt.state === 'sending' && (answer === 'unknown' || answer === 'not_sent')) {
        this.ctx.logger.warn({ [`${kind.kind}_id`]: attempt.instruction_id, channel: attempt.channel_id, reason: entry.reason }, answer === 'unknown' ? 'submission outcome unknown; will query' : `channel did not receive the ${kind.kind}`);
      }
      const step = answerStep(kind.kind, attempt.state, answer);
      const group = steps.get(step);
      if (group === undefined) steps.set(step, [entry]);
      else group.push(entry);
    }
    for (const [step, group] of steps) await this.#apply(kind, tx, now, step, group);
  }

  async #apply(kind: InstructionKindAdapter, tx: KindStore, now: Date, step: Step, answered: readonly Answered[]): Promise<void> {
    const at = now.toISOString();
    // The attempts are held as they were leased (or written, for a round's own sends), and only
    // their lease holder writes them: the fence's survivors are those rows with the patch, the
    // state and the time, not read back (a whole row each cost more than the update).
    const patched = answered.map((entry) => ({ entry, patch: this.#attemptPatch(now, entry) }));
    const movedIds = await kind.moveAttempts(tx, patched.map(({ entry, patch }) => ({ id: entry.attempt.id, patch })), step.attempt, this.owner, at);
    const state = step.attempt.to;
    const moved = patched.filter(({ entry }) => movedIds.has(entry.attempt.id)).map(({ entry, patch }): InstructionAttempt => ({ ...entry.attempt, ...patch, ...(state === null ? {} : { state }), updated_at: at }));
    if (moved.length === 0 || step.instruction === null) return;
    const byId = new Map(answered.map((entry) => [entry.attempt.id, entry]));
    switch (step.status) {
      case 'succeeded': {
        // Set-based: the instructions move with one statement, the ledger posts each with every balance moved once.
        const done = await kind.succeed(tx, now, step, moved.map((attempt) => ({ attempt, sent: byId.get(attempt.id)!.attempt })));
        const references = new Map(moved.map((attempt) => [attempt.instruction_id, attempt.channel_reference]));
        await kind.insertEvents(tx, done.map(({ id, channelId, held }) => ({ instructionId: id, type: step.event!, status: step.status, at, data: { channel: channelId, channel_reference: references.get(id) }, held })));
        return;
      }
      case 'failed':
        // Set-based as success is: the instructions move with one statement, then what they held is given back and their events written.
        await this.#fail(kind, tx, moved.map((attempt) => ({ id: attempt.instruction_id, code: byId.get(attempt.id)!.failure!.code })), step, at);
        return;
      case 'pending':
        for (const attempt of moved) await this.#returnToPending(kind, tx, step, attempt, byId.get(attempt.id)!.reason, at);
        return;
      default:
        invariant(false, `no effect for a ${kind.kind} answer that makes it ${step.status}`);
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
        // A failure learnt in the round that sent the attempt also records the reference its acceptance carried.
        return { ...release, ...(channelReference === null ? {} : { channel_reference: channelReference }), failure_code: failure!.code, failure_message: failure!.message, next_query_at: null };
      case 'not_received':
      case 'not_sent':
        return { ...release, next_query_at: null };
    }
  }

  /** The channel confirmed it does not hold the instruction: send again later, or give up. */
  async #returnToPending(kind: InstructionKindAdapter, tx: KindStore, step: Step, attempt: InstructionAttempt, reason: string | null, at: string): Promise<void> {
    const attemptCount = await kind.attemptCount(tx, attempt.instruction_id);
    if (attemptCount >= this.ctx.workers.notSentAttemptsMax) {
      await this.#fail(kind, tx, [{ id: attempt.instruction_id, code: 'channel_unavailable' }], instructionMove(kind.kind, 'exhausted'), at);
      return;
    }
    const retryAt = new Date(Date.parse(at) + this.#backoffMs(attemptCount)).toISOString();
    if (await kind.update(tx, attempt.instruction_id, step.instruction!, { next_action_at: retryAt }, at)) {
      await this.#event(kind, tx, attempt.instruction_id, step.event!, step.status, at, { channel: attempt.channel_id, reason, retry_at: retryAt });
    }
  }

  /** Fails instructions by a table row that makes them `failed`; the row says whether what they hold is given back. */
  async #fail(kind: InstructionKindAdapter, tx: KindStore, failures: readonly { id: string; code: FailureCode }[], change: Step | Move, at: string): Promise<void> {
    const codes = new Map(failures.map(({ id, code }) => [id, code]));
    const failed = await kind.fail(
      tx,
      failures.map(({ id, code }) => ({ id, patch: { failure_code: code, failure_message: FAILURE_MESSAGES[code], failure_retryable: FAILURE_RETRYABLE[code] ? 1 : 0, next_action_at: null } })),
      change.instruction!,
      change.releaseCounters,
      at,
    );
    invariant(failed.length === failures.length, `${failures.length - failed.length} ${kind.kind}s were not ${change.instruction!.from.join(' or ')} when they failed`);
    await kind.insertEvents(tx, failed.map(({ id, held }) => ({ instructionId: id, type: change.event!, status: change.status, at, data: { code: codes.get(id) }, held })));
  }

  async #event(kind: InstructionKindAdapter, tx: KindStore, instructionId: string, type: EventType, status: InstructionStatus, at: string, data: EventInput['data']): Promise<void> {
    await kind.insertEvents(tx, [{ instructionId, type, status, at, data }]);
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

/** What a query asks the channel about an attempt: its instruction's end-to-end id, and which attempt. */
function attemptQuery(attempt: InstructionAttempt): AttemptQuery {
  return { endToEndId: attempt.end_to_end_id, attemptNumber: attempt.attempt_number };
}
