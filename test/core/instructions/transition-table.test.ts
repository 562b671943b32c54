import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_STATES,
  CHANNEL_ANSWERS,
  InvariantError,
  MOVE_NAMES,
  OPEN_ATTEMPT_STATES,
  answerStep,
  instructionMove,
  isIssued,
  queryAnswer,
  submitAnswer,
  type AttemptChange,
  type ChannelAnswer,
  type InstructionChange,
  type OpenAttemptState,
} from '../../../src/core/index.js';

type Expected = {
  /** The states the attempt update is fenced on (every open state the answer moves the same way). */
  fence: readonly OpenAttemptState[];
  attempt: string | null;
  instruction: string | null;
  event: string | null;
  release: boolean;
};

const ALL = ['sending', 'accepted', 'unknown'] as const;
const still: Expected = { fence: ['accepted', 'unknown'], attempt: null, instruction: null, event: null, release: false };
const succeeded: Expected = { fence: ALL, attempt: 'succeeded', instruction: 'succeeded', event: 'debit.succeeded', release: false };
const failed: Expected = { fence: ALL, attempt: 'failed', instruction: 'failed', event: 'debit.failed', release: true };
const notFound: Expected = { fence: ALL, attempt: 'not_found', instruction: 'pending', event: 'debit.not_received', release: false };

/** Every (attempt state, channel answer): what it does, or 'throws'. */
const ROWS: readonly (readonly [OpenAttemptState, ChannelAnswer, Expected | 'throws'])[] = [
  ['sending', 'accepted', { fence: ['sending'], attempt: 'accepted', instruction: null, event: null, release: false }],
  ['sending', 'processing', { ...still, fence: ALL }],
  ['sending', 'succeeded', succeeded],
  ['sending', 'failed', failed],
  ['sending', 'unknown', { fence: ['sending'], attempt: 'unknown', instruction: null, event: null, release: false }],
  ['sending', 'not_received', notFound],
  ['sending', 'not_sent', { fence: ['sending'], attempt: 'not_sent', instruction: 'pending', event: 'debit.not_received', release: false }],
  ['accepted', 'accepted', 'throws'],
  ['accepted', 'processing', { ...still, fence: ALL }],
  ['accepted', 'succeeded', succeeded],
  ['accepted', 'failed', failed],
  ['accepted', 'unknown', still],
  ['accepted', 'not_received', notFound],
  ['accepted', 'not_sent', 'throws'],
  ['unknown', 'accepted', 'throws'],
  ['unknown', 'processing', { ...still, fence: ALL }],
  ['unknown', 'succeeded', succeeded],
  ['unknown', 'failed', failed],
  ['unknown', 'unknown', still],
  ['unknown', 'not_received', notFound],
  ['unknown', 'not_sent', 'throws'],
];

describe('transition table: channel answers', () => {
  it('has a row for every open attempt state and every answer', () => {
    expect(ROWS.map(([state, answer]) => `${state}/${answer}`).sort()).toEqual(
      OPEN_ATTEMPT_STATES.flatMap((state) => CHANNEL_ANSWERS.map((answer) => `${state}/${answer}`)).sort(),
    );
  });

  it.each(ROWS)('%s attempt, answer %s → %j', (state, answer, expected) => {
    if (expected === 'throws') {
      expect(() => answerStep('debit', state, answer)).toThrow(InvariantError);
      return;
    }
    const step = answerStep('debit', state, answer);
    expect({
      fence: step.attempt.from,
      attempt: step.attempt.to,
      instruction: step.instruction?.to ?? null,
      event: step.event,
      release: step.releaseCounters,
    }).toEqual(expected);
    // An answer only meets an instruction that is out with the channel.
    if (step.instruction !== null) expect(step.instruction.from).toEqual(['submitted']);
    expect(step.status).toBe(step.instruction?.to ?? 'submitted');
    expect([isIssued(step.attempt), step.instruction === null || isIssued(step.instruction)]).toEqual([true, true]);
  });

  it('gives one shared step (one fenced statement) to the states an answer moves alike', () => {
    expect(answerStep('debit', 'accepted', 'succeeded')).toBe(answerStep('debit', 'sending', 'succeeded'));
    expect(answerStep('debit', 'accepted', 'unknown')).toBe(answerStep('debit', 'unknown', 'unknown'));
    expect(answerStep('debit', 'accepted', 'unknown')).not.toBe(answerStep('debit', 'sending', 'unknown'));
  });

  it.each(ATTEMPT_STATES.filter((state) => !(OPEN_ATTEMPT_STATES as readonly string[]).includes(state)))('a %s attempt takes no answer at all', (state) => {
    for (const answer of CHANNEL_ANSWERS) expect(() => answerStep('debit', state, answer)).toThrow(`that is ${state}, not open`);
  });

  it.each([
    // connector outcome, answer
    [submitAnswer({ kind: 'accepted', channelReference: 'R' }), 'accepted'],
    [submitAnswer({ kind: 'not_sent', reason: 'refused' }), 'not_sent'],
    [submitAnswer({ kind: 'unknown', reason: 'timeout' }), 'unknown'],
    [queryAnswer({ kind: 'processing' }), 'processing'],
    [queryAnswer({ kind: 'succeeded', channelReference: 'R' }), 'succeeded'],
    [queryAnswer({ kind: 'failed', code: 'insufficient_funds', message: 'no' }), 'failed'],
    [queryAnswer({ kind: 'not_found' }), 'not_received'],
    [queryAnswer({ kind: 'unreachable', reason: 'reset' }), 'unknown'],
  ] as const)('the connector outcome maps to %s (expected %s)', (answer, expected) => {
    expect(answer).toBe(expected);
  });
});

describe('transition table: moves no answer causes', () => {
  it.each([
    // move, from, to (null: kept), event, release
    ['created', [], 'pending', 'debit.created', false],
    ['rejected', [], 'rejected', 'debit.rejected', false],
    ['claimed', ['pending'], 'submitted', 'debit.submitted', false],
    ['rerouted', ['submitted'], null, 'debit.rerouted', false],
    ['exhausted', ['submitted'], 'failed', 'debit.failed', true],
  ] as const)('%s: from %j to %s, event %s, releases counters: %s', (name, from, to, event, release) => {
    const move = instructionMove('debit', name);
    expect([move.instruction.from, move.instruction.to, move.event, move.releaseCounters]).toEqual([from, to, event, release]);
    expect(move.status).toBe(to ?? from[0]);
    expect(isIssued(move.instruction)).toBe(true);
  });

  it('lists every move above', () => {
    expect(MOVE_NAMES).toHaveLength(5);
  });
});

describe('status changes come only from the table', () => {
  it('does not count a hand-made change as issued', () => {
    const forged = Object.freeze({ kind: 'debit', from: ['succeeded'], to: 'failed' }) as unknown as InstructionChange;
    expect(isIssued(forged)).toBe(false);
  });

  it('does not let a hand-made change type-check (tsc -p tsconfig.check.json fails without the errors expected here)', () => {
    // @ts-expect-error: the table's brand is missing, so storage's update methods cannot take it.
    const instruction: InstructionChange = { kind: 'debit', from: ['submitted'], to: 'failed' };
    // @ts-expect-error: the same for an attempt's state.
    const attempt: AttemptChange = { from: ['sending'], to: 'succeeded' };
    expect([isIssued(instruction), isIssued(attempt)]).toEqual([false, false]);
  });
});
