import { invariant } from '../kernel/invariant.js';
import { CHANNEL_ANSWERS, type ChannelAnswer } from './channel-answer.js';
import { eventType, type EventName, type EventType } from './event-type.js';
import {
  assertTransition,
  INSTRUCTION_KINDS,
  isOpenAttemptState,
  OPEN_ATTEMPT_STATES,
  type AttemptState,
  type InstructionKind,
  type InstructionStatus,
  type OpenAttemptState,
} from './status.js';

/**
 * Only this module makes the values below; storage takes nothing else to change a status. The
 * brand makes a hand-built value a type error, and `isIssued` catches one forged with a cast.
 */
declare const issued: unique symbol;

/**
 * A change of instruction status the table allows: the statuses the row may be in (the fence of
 * the conditional update) and the status it is written in, or null when the write keeps it.
 */
export interface InstructionChange {
  readonly kind: InstructionKind;
  readonly from: readonly InstructionStatus[];
  readonly to: InstructionStatus | null;
  readonly [issued]: true;
}

/** The same for an attempt's state. */
export interface AttemptChange {
  readonly from: readonly OpenAttemptState[];
  readonly to: AttemptState | null;
  readonly [issued]: true;
}

const ISSUED = new WeakSet<object>();

/** True only for a change this table made: storage asserts it before writing. */
export function isIssued(change: InstructionChange | AttemptChange): boolean {
  return ISSUED.has(change);
}

function instructionChange(kind: InstructionKind, from: readonly InstructionStatus[], to: InstructionStatus | null): InstructionChange {
  // A change that keeps the status (`to` null) only fences on it: nothing to check.
  if (to !== null) for (const status of from) assertTransition(kind, status, to);
  const change = Object.freeze({ kind, from: Object.freeze([...from]), to }) as unknown as InstructionChange;
  ISSUED.add(change);
  return change;
}

function attemptChange(from: readonly OpenAttemptState[], to: AttemptState | null): AttemptChange {
  const change = Object.freeze({ from: Object.freeze([...from]), to }) as unknown as AttemptChange;
  ISSUED.add(change);
  return change;
}

type Keep = 'unchanged';
interface AnswerRow {
  attempt: AttemptState | Keep;
  instruction: InstructionStatus | Keep;
  event: EventName | null;
  /** The instruction gives back its room under mandate limits and fee allowances (DESIGN-NOTES §4). */
  releaseCounters: boolean;
}
const ILLEGAL = 'illegal';

const ACCEPTED = { attempt: 'accepted', instruction: 'unchanged', event: null, releaseCounters: false } as const;
const STILL_OPEN = { attempt: 'unchanged', instruction: 'unchanged', event: null, releaseCounters: false } as const;
const SUCCEEDED = { attempt: 'succeeded', instruction: 'succeeded', event: 'succeeded', releaseCounters: false } as const;
const FAILED = { attempt: 'failed', instruction: 'failed', event: 'failed', releaseCounters: true } as const;
const NOT_FOUND = { attempt: 'not_found', instruction: 'pending', event: 'not_received', releaseCounters: false } as const;

/**
 * What a channel's answer does, by the state of the attempt it answers (DESIGN-NOTES §1). The
 * instruction of an open attempt is `submitted`. An answer to a submission (`accepted`,
 * `not_sent`) can only meet a `sending` attempt; a query's answer meets any open attempt,
 * `sending` included when its sender died. A `pending` instruction becomes `exhausted` (below)
 * once it has used its attempts.
 */
const ANSWERS = {
  sending: {
    accepted: ACCEPTED,
    processing: STILL_OPEN,
    succeeded: SUCCEEDED,
    failed: FAILED,
    unknown: { attempt: 'unknown', instruction: 'unchanged', event: null, releaseCounters: false },
    not_received: NOT_FOUND,
    not_sent: { attempt: 'not_sent', instruction: 'pending', event: 'not_received', releaseCounters: false },
  },
  accepted: {
    accepted: ILLEGAL,
    processing: STILL_OPEN,
    succeeded: SUCCEEDED,
    failed: FAILED,
    unknown: STILL_OPEN,
    not_received: NOT_FOUND,
    not_sent: ILLEGAL,
  },
  unknown: {
    accepted: ILLEGAL,
    processing: STILL_OPEN,
    succeeded: SUCCEEDED,
    failed: FAILED,
    unknown: STILL_OPEN,
    not_received: NOT_FOUND,
    not_sent: ILLEGAL,
  },
} as const satisfies Record<OpenAttemptState, Record<ChannelAnswer, AnswerRow | typeof ILLEGAL>>;

/** A row of the table as storage and the worker use it. */
export interface Step {
  readonly answer: ChannelAnswer;
  /** Fenced on every open state that the same answer moves the same way, so one statement takes them all. */
  readonly attempt: AttemptChange;
  /** Null: the instruction's status stays, and it is not written. */
  readonly instruction: InstructionChange | null;
  /** The instruction's status after the step. */
  readonly status: InstructionStatus;
  readonly event: EventType | null;
  readonly releaseCounters: boolean;
}

/** Changes of an instruction that no channel answer causes. */
export const MOVE_NAMES = ['created', 'rejected', 'claimed', 'rerouted', 'exhausted'] as const;
export type MoveName = (typeof MOVE_NAMES)[number];

interface MoveRow {
  /** Empty: the instruction is being created (inserted in `to`). */
  from: readonly InstructionStatus[];
  to: InstructionStatus | Keep;
  event: EventName;
  releaseCounters: boolean;
}

const MOVES = {
  created: { from: [], to: 'pending', event: 'created', releaseCounters: false },
  rejected: { from: [], to: 'rejected', event: 'rejected', releaseCounters: false },
  /** Claimed by the worker: the attempt is written `sending` in the same transaction. */
  claimed: { from: ['pending'], to: 'submitted', event: 'submitted', releaseCounters: false },
  /** Sent again through another channel: only an instruction no channel may hold comes here. */
  rerouted: { from: ['submitted'], to: 'unchanged', event: 'rerouted', releaseCounters: false },
  /** The channel confirmed it has nothing, and the instruction has used its attempts. */
  exhausted: { from: ['submitted'], to: 'failed', event: 'failed', releaseCounters: true },
} as const satisfies Record<MoveName, MoveRow>;

export interface Move {
  readonly name: MoveName;
  readonly instruction: InstructionChange;
  readonly status: InstructionStatus;
  readonly event: EventType;
  readonly releaseCounters: boolean;
}

/** Built once per kind when the module loads: every row is checked against the status graph. */
function build(kind: InstructionKind) {
  const steps = {} as Record<OpenAttemptState, Partial<Record<ChannelAnswer, Step>>>;
  for (const answer of CHANNEL_ANSWERS) {
    // States on which the answer does the same thing share one Step, so one fence covers them.
    const shared = new Map<AnswerRow, OpenAttemptState[]>();
    for (const state of OPEN_ATTEMPT_STATES) {
      const row: AnswerRow | typeof ILLEGAL = ANSWERS[state][answer];
      if (row === ILLEGAL) continue;
      shared.set(row, [...(shared.get(row) ?? []), state]);
    }
    for (const [row, states] of shared) {
      const to = row.instruction === 'unchanged' ? null : row.instruction;
      const step: Step = Object.freeze({
        answer,
        attempt: attemptChange(states, row.attempt === 'unchanged' ? null : row.attempt),
        instruction: to === null ? null : instructionChange(kind, ['submitted'], to),
        status: to ?? 'submitted',
        event: row.event === null ? null : eventType(kind, row.event),
        releaseCounters: row.releaseCounters,
      });
      for (const state of states) (steps[state] ??= {})[answer] = step;
    }
  }
  const moves = {} as Record<MoveName, Move>;
  for (const name of MOVE_NAMES) {
    const row: MoveRow = MOVES[name];
    const to = row.to === 'unchanged' ? null : row.to;
    if (row.from.length === 0) assertTransition(kind, null, to!);
    moves[name] = Object.freeze({
      name,
      instruction: instructionChange(kind, row.from, to),
      status: to ?? row.from[0]!,
      event: eventType(kind, row.event),
      releaseCounters: row.releaseCounters,
    });
  }
  return { steps, moves };
}

const TABLES = Object.fromEntries(INSTRUCTION_KINDS.map((kind) => [kind, build(kind)])) as Record<InstructionKind, ReturnType<typeof build>>;

/** What `answer` does to an attempt in `state` and its instruction; throws on an answer the state cannot take. */
export function answerStep(kind: InstructionKind, state: string, answer: ChannelAnswer): Step {
  invariant(isOpenAttemptState(state), `an answer (${answer}) for a ${kind} attempt that is ${state}, not open`);
  const found = TABLES[kind].steps[state][answer];
  invariant(found !== undefined, `a ${kind} attempt that is ${state} cannot take the answer ${answer}`);
  return found;
}

export function instructionMove(kind: InstructionKind, name: MoveName): Move {
  return TABLES[kind].moves[name];
}
