import {
  FAILURE_MESSAGES,
  type ChannelFlows,
  type Clock,
  type FailureCode,
  type QueryOutcome,
  type SubmitOutcome,
} from '../../src/core/index.js';
import type { Prng } from './prng.js';

/** What the channel does with one instruction it received: its truth, which queries report. */
interface Holding {
  channelId: string;
  receivedAtStep: number;
  /** Until this instant a query answers `processing` ("answers late"). */
  readyAtMs: number;
  outcome: { kind: 'succeeded'; reference: string } | { kind: 'failed'; code: FailureCode };
}

/**
 * A call the channel has not answered yet:
 * - `late`: received; the answer leaves when released (computed then), or the connector times
 *   out at `deadlineMs` (unknown to the worker);
 * - `transit`: the request is still on the wire; when released or at the deadline it arrives or
 *   is lost, and the worker hears the answer only if it was released in time;
 * - `pause`: answered at once, but the worker stalls before it reads the answer (a long GC pause,
 *   a suspended VM): no deadline, the stale answer is delivered whenever it is released.
 */
interface HeldCall {
  id: number;
  node: string;
  round: number;
  mode: 'late' | 'transit' | 'pause';
  /** Null for pauses: nothing on the wire is waiting. */
  deadlineMs: number | null;
  /** The worker's node died: nobody reads the answer any more. */
  abandoned: boolean;
  /** Decides what happens on release (`inTime`) or at the deadline, and gives the worker its answer. */
  settle(inTime: boolean): void;
}

export type ChannelFault = 'none' | 'faulty';

/** Fault weights of a submission, and of a query; `healthy` answers every call at once and truly. */
const SUBMIT_FAULTS = { accept: 46, not_sent: 8, timeout: 8, drop: 8, late: 9, transit: 9, pause: 6, throw: 3 } as const;
const QUERY_FAULTS = { answer: 68, unreachable: 12, late: 9, pause: 6, throw: 3 } as const;

const FAILURES: FailureCode[] = ['insufficient_funds', 'account_closed', 'payer_refused', 'limit_exceeded'];

/** What the channel reads of any instruction, debit or payout: who it is and where it was sent. */
interface Sent {
  endToEndId: string;
  channelId: string;
}

/**
 * A seeded fake clearing network behind the connector interface. Every choice comes from the
 * simulation's PRNG; every instruction it receives is recorded by end-to-end id with the
 * channel's answers "I have none" (not found, not sent), so that the checker can tell a
 * second reception that the hub was allowed to cause from one it was not.
 */
export class FakeChannel {
  healthy = false;
  /** The step being run, written by the simulator: receptions are stamped with it. */
  step = 0;
  /** The round being run: calls are grouped by it, so that a released round can be resumed. */
  round = 0;
  readonly held: HeldCall[] = [];
  /** Instructions held, by end-to-end id and channel. */
  readonly #holdings = new Map<string, Map<string, Holding>>();
  /** The last step at which an instruction was received, and at which a channel (key `channel id`) said it had none. */
  readonly #lastReceived = new Map<string, { step: number; seq: number; channelId: string }>();
  readonly #lastSaidNone = new Map<string, number>();
  readonly violations: string[] = [];
  /** Orders receptions and "none" answers, several of which may happen in one step. */
  #seq = 0;
  #nextCall = 0;
  #nextReference = 0;
  #onHold: (() => void) | null = null;
  readonly stats = { received: 0, submits: 0, queries: 0, batches: 0, held: 0, receivedAgainAfterNone: 0 };

  constructor(
    private readonly prng: Prng,
    private readonly clock: Clock,
    /** The connector's timeout: a request on the wire arrives or is lost by then. */
    private readonly timeoutMs: number,
  ) {}

  /**
   * The flows one node of the hub uses for one channel; `node` names it so that its calls die
   * with it. Collection centers take batches of three, the others one instruction a message.
   */
  flows(node: string, channelId: string): ChannelFlows {
    const batchMax = channelId.endsWith('-center') ? 3 : 1;
    return {
      debitSubmit: {
        batchMax,
        submitDebit: (instruction) => this.#submit(node, instruction, true),
        // A batch fails whole (the connector throws: some of it may have arrived) or not at all; inside
        // it, each instruction meets its own fault. All are decided before any answer is awaited.
        submitDebits: async (instructions) => {
          this.stats.batches += 1;
          if (!this.healthy && this.prng.chance(0.03)) {
            for (const instruction of instructions) if (this.prng.chance(0.5)) this.#receive(instruction);
            throw new Error('connector bug on a batch (simulated)');
          }
          return Promise.all(instructions.map((instruction) => this.#submit(node, instruction, false)));
        },
      },
      debitQuery: {
        batchMax,
        queryDebit: (query) => this.#query(node, channelId, query.endToEndId, true),
        queryDebits: async (queries) => {
          this.stats.batches += 1;
          if (!this.healthy && this.prng.chance(0.03)) throw new Error('connector bug on a batch (simulated)');
          return Promise.all(queries.map((query) => this.#query(node, channelId, query.endToEndId, false)));
        },
      },
      // Payouts meet the same faults, one a message; their outcomes are asked through the query flow.
      payoutSubmit: {
        batchMax: 1,
        submitPayout: (instruction) => this.#submit(node, instruction, true),
        submitPayouts: (instructions) => Promise.all(instructions.map((instruction) => this.#submit(node, instruction, false))),
      },
      statementSource: null,
    };
  }

  /** Resolves once a call of the running round is held (the round then waits on it). */
  nextHold(): Promise<void> {
    return new Promise((resolve) => {
      this.#onHold = resolve;
    });
  }

  /** The instruction's outcome at each channel that holds it. */
  holdings(endToEndId: string): { channelId: string; outcome: Holding['outcome'] }[] {
    return [...(this.#holdings.get(endToEndId)?.values() ?? [])].map(({ channelId, outcome }) => ({ channelId, outcome }));
  }

  heldCallsOf(round: number): HeldCall[] {
    return this.held.filter((call) => call.round === round && !call.abandoned);
  }

  /** The node died: its held calls are never answered to it (the wire still decides their fate). */
  abandon(node: string): void {
    for (const call of this.held) if (call.node === node) call.abandoned = true;
    // A stalled worker that died reads nothing: nothing on the wire waits for it.
    this.#drop((call) => call.node === node && call.mode === 'pause');
  }

  /** Answers a held call now (in time). Returns the round it belonged to. */
  release(call: HeldCall): number {
    this.#drop((held) => held === call);
    call.settle(true);
    return call.round;
  }

  /**
   * The calls (of one round, if given) whose connector timeout passes by `untilMs`, earliest
   * first, each settled as timed out.
   */
  expire(untilMs: number, round?: number): { round: number; node: string; abandoned: boolean }[] {
    const due = this.held
      .filter((call) => call.deadlineMs !== null && call.deadlineMs <= untilMs && (round === undefined || call.round === round))
      .sort((a, b) => a.deadlineMs! - b.deadlineMs! || a.id - b.id);
    this.#drop((call) => due.includes(call));
    for (const call of due) call.settle(false);
    return due.map((call) => ({ round: call.round, node: call.node, abandoned: call.abandoned }));
  }

  #drop(which: (call: HeldCall) => boolean): void {
    for (let index = this.held.length - 1; index >= 0; index -= 1) if (which(this.held[index]!)) this.held.splice(index, 1);
  }

  /**
   * Holds a call: `answer` runs when it is released (in time) or times out, whatever becomes of
   * the worker; the worker hears the answer only if its node is still alive.
   */
  #hold<T>(node: string, mode: HeldCall['mode'], answer: (inTime: boolean) => T): Promise<T> {
    return new Promise((resolve) => {
      this.#nextCall += 1;
      this.stats.held += 1;
      const call: HeldCall = {
        id: this.#nextCall,
        node,
        round: this.round,
        mode,
        deadlineMs: mode === 'pause' ? null : this.clock.now().getTime() + this.timeoutMs,
        abandoned: false,
        settle: (inTime) => {
          const value = answer(inTime);
          if (!call.abandoned) resolve(value);
        },
      };
      this.held.push(call);
      this.#onHold?.();
      this.#onHold = null;
    });
  }

  #receive(instruction: Sent): void {
    const id = instruction.endToEndId;
    const before = this.#lastReceived.get(id);
    if (before !== undefined) {
      // Only the channel that received it may say it has none: another channel's "not found" says nothing.
      const none = this.#lastSaidNone.get(`${before.channelId} ${id}`);
      if (none === undefined || none < before.seq) {
        this.violations.push(`instruction ${id} received twice: on ${before.channelId} at step ${before.step} and on ${instruction.channelId} at step ${this.step}, and no channel said in between that it had none`);
      } else {
        this.stats.receivedAgainAfterNone += 1;
      }
    }
    this.#seq += 1;
    this.#lastReceived.set(id, { step: this.step, seq: this.#seq, channelId: instruction.channelId });
    this.stats.received += 1;
    const failed = this.prng.chance(0.25);
    this.#nextReference += 1;
    const byChannel = this.#holdings.get(id) ?? new Map<string, Holding>();
    this.#holdings.set(id, byChannel);
    byChannel.set(instruction.channelId, {
      channelId: instruction.channelId,
      receivedAtStep: this.step,
      readyAtMs: this.clock.now().getTime() + (this.prng.chance(0.5) ? 0 : this.prng.int(100, 6_000)),
      outcome: failed ? { kind: 'failed', code: this.prng.pick(FAILURES) } : { kind: 'succeeded', reference: `SIM-${String(this.#nextReference).padStart(8, '0')}` },
    });
  }

  #saidNone(channelId: string, endToEndId: string): void {
    this.#seq += 1;
    this.#lastSaidNone.set(`${channelId} ${endToEndId}`, this.#seq);
  }

  /** A submission's answer once the channel holds (or refused) it. */
  #accepted(instruction: Sent): SubmitOutcome {
    const holding = this.#holdings.get(instruction.endToEndId)?.get(instruction.channelId);
    if (holding === undefined) throw new Error('accepted an instruction the channel does not hold');
    return { kind: 'accepted', channelReference: holding.outcome.kind === 'succeeded' ? holding.outcome.reference : `SIM-REF-${instruction.endToEndId}` };
  }

  async #submit(node: string, instruction: Sent, mayThrow: boolean): Promise<SubmitOutcome> {
    this.stats.submits += 1;
    const fault = this.healthy ? 'accept' : this.prng.weighted(mayThrow ? SUBMIT_FAULTS : { ...SUBMIT_FAULTS, throw: 0 });
    switch (fault) {
      case 'accept':
        this.#receive(instruction);
        return this.#accepted(instruction);
      case 'not_sent':
        this.#saidNone(instruction.channelId, instruction.endToEndId);
        return { kind: 'not_sent', reason: 'connection refused (simulated)' };
      case 'timeout':
        this.#receive(instruction);
        return { kind: 'unknown', reason: 'timed out after the channel received it (simulated)' };
      case 'drop':
        return { kind: 'unknown', reason: 'lost on the wire (simulated)' };
      case 'throw':
        if (this.prng.chance(0.5)) this.#receive(instruction);
        throw new Error('connector bug (simulated)');
      case 'late':
        this.#receive(instruction);
        return this.#hold(node, 'late', (inTime): SubmitOutcome => (inTime ? this.#accepted(instruction) : { kind: 'unknown', reason: 'timed out (simulated)' }));
      case 'transit': {
        const arrives = this.prng.chance(0.5);
        return this.#hold(node, 'transit', (inTime): SubmitOutcome => {
          if (arrives) this.#receive(instruction);
          return inTime && arrives ? this.#accepted(instruction) : { kind: 'unknown', reason: arrives ? 'timed out (simulated)' : 'lost on the wire (simulated)' };
        });
      }
      case 'pause': {
        this.#receive(instruction);
        const answer = this.#accepted(instruction);
        return this.#hold(node, 'pause', () => answer);
      }
    }
  }

  /** What the channel says now about an instruction it was asked for. */
  #truth(channelId: string, endToEndId: string): QueryOutcome {
    const holding = this.#holdings.get(endToEndId)?.get(channelId);
    if (holding === undefined) {
      this.#saidNone(channelId, endToEndId);
      return { kind: 'not_found' };
    }
    if (this.clock.now().getTime() < holding.readyAtMs) return { kind: 'processing' };
    return holding.outcome.kind === 'succeeded'
      ? { kind: 'succeeded', channelReference: holding.outcome.reference }
      : { kind: 'failed', code: holding.outcome.code, message: FAILURE_MESSAGES[holding.outcome.code] };
  }

  async #query(node: string, channelId: string, endToEndId: string, mayThrow: boolean): Promise<QueryOutcome> {
    this.stats.queries += 1;
    const fault = this.healthy ? 'answer' : this.prng.weighted(mayThrow ? QUERY_FAULTS : { ...QUERY_FAULTS, throw: 0 });
    switch (fault) {
      case 'answer':
        return this.#truth(channelId, endToEndId);
      case 'unreachable':
        return { kind: 'unreachable', reason: 'connection reset (simulated)' };
      case 'throw':
        throw new Error('connector bug (simulated)');
      case 'late':
        return this.#hold(node, 'late', (inTime): QueryOutcome => (inTime ? this.#truth(channelId, endToEndId) : { kind: 'unreachable', reason: 'timed out (simulated)' }));
      case 'pause': {
        const answer = this.#truth(channelId, endToEndId);
        return this.#hold(node, 'pause', () => answer);
      }
    }
  }
}
