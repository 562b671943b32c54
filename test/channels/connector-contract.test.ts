import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SandboxConnector } from '../../src/channels/sandbox-connector/index.js';
import { FAULT_MODES, type FaultMode, type SandboxFaultRequest } from '../../src/channels/sandbox/index.js';
import type { AttemptQuery, DebitInstruction, QueryOutcome, SubmitOutcome } from '../../src/core/index.js';
import { ACCOUNT, startTestSandbox, type TestSandbox } from '../sandbox/harness.js';

/**
 * The connector contract against the real sandbox, over HTTP, under every fault mode of the
 * sandbox's fault table (docs/sandbox-protocol.md, "Fault semantics"): for each mode, what the
 * connector answers for a submission and a query, single and batch, while the fault holds, and
 * what the channel turns out to hold once it is cleared. The rows are the contract the
 * submission worker relies on: `not_sent` only when nothing was recorded; a held or late answer
 * is `unknown`, never `not_sent`; a query that gets no answer is `unreachable`, never `not_found`.
 */

const CHANNEL = 'sz-center';
/**
 * The connector's wait: long where the sandbox answers (a loaded machine must not turn an answer
 * into a timeout), short where it never will (a held connection or a ten-minute delay), so that
 * the suite waits little; no row's result depends on a race between the two.
 */
const ANSWERED_MS = 10_000;
const NEVER_ANSWERED_MS = 300;

/** A query about the first attempt at an instruction. */
function ask(endToEndId: string): AttemptQuery {
  return { endToEndId, attemptNumber: 1 };
}

function asks(endToEndIds: readonly string[]): AttemptQuery[] {
  return endToEndIds.map(ask);
}

function instruction(endToEndId: string): DebitInstruction {
  return {
    channelId: CHANNEL,
    endToEndId,
    attemptNumber: 1,
    amountFen: 1234,
    accountNumber: ACCOUNT,
    accountKind: 'personal',
    medium: 'bank_card',
    bankCode: 'ICBC',
    holderName: '张三',
    idNumber: null,
    phone: null,
    mandateReference: 'AGR-1',
  };
}

const accepted: SubmitOutcome = { kind: 'accepted', channelReference: expect.any(String) as unknown as string };
const notSent = (reason: string): SubmitOutcome => ({ kind: 'not_sent', reason });
const unknown = (reason: string): SubmitOutcome => ({ kind: 'unknown', reason });
const succeeded: QueryOutcome = { kind: 'succeeded', channelReference: expect.any(String) as unknown as string };
const notFound: QueryOutcome = { kind: 'not_found' };
const unreachable = (reason: string): QueryOutcome => ({ kind: 'unreachable', reason });

interface Row {
  name: string;
  fault: SandboxFaultRequest & { mode: FaultMode };
  /** How long the connector waits for an answer to a submission, and to a query, while the fault holds. */
  waitMs: { submit: number; query: number };
  /** What one submission, and each of a batch of two, come back as while the fault holds. */
  submit: SubmitOutcome;
  /** What a query of those debits, single and batch, comes back as while the fault holds. */
  query: QueryOutcome;
  /** What the channel answers about them once the fault is cleared: did it record them? */
  held: QueryOutcome;
}

const ROWS: Row[] = [
  // name,                 fault,                                                   submit,                            query (fault holds),                 held (cleared)
  { name: 'unavailable', fault: { channel: CHANNEL, mode: 'unavailable' }, waitMs: { submit: ANSWERED_MS, query: ANSWERED_MS }, submit: notSent('channel_unavailable'), query: unreachable('HTTP 503'), held: notFound },
  { name: 'timeout', fault: { channel: CHANNEL, mode: 'timeout' }, waitMs: { submit: NEVER_ANSWERED_MS, query: ANSWERED_MS }, submit: unknown('TimeoutError'), query: succeeded, held: succeeded },
  { name: 'drop', fault: { channel: CHANNEL, mode: 'drop' }, waitMs: { submit: NEVER_ANSWERED_MS, query: ANSWERED_MS }, submit: unknown('TimeoutError'), query: notFound, held: notFound },
  { name: 'delay_ms shorter than the wait', fault: { channel: CHANNEL, mode: 'delay_ms', delay_ms: 20 }, waitMs: { submit: ANSWERED_MS, query: ANSWERED_MS }, submit: accepted, query: succeeded, held: succeeded },
  { name: 'delay_ms longer than the wait', fault: { channel: CHANNEL, mode: 'delay_ms', delay_ms: 600_000 }, waitMs: { submit: NEVER_ANSWERED_MS, query: NEVER_ANSWERED_MS }, submit: unknown('TimeoutError'), query: unreachable('TimeoutError'), held: succeeded },
];

describe('the connector contract against the sandbox, under every fault mode', () => {
  let t: TestSandbox;
  const connectorWaiting = (timeoutMs: number) => new SandboxConnector({ channelId: CHANNEL, baseUrl: t.url, timeoutMs });
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(async () => t.cleanup());

  it('has a row for every fault mode', () => {
    expect(new Set(ROWS.map((row) => row.fault.mode))).toEqual(new Set(FAULT_MODES));
  });

  it.each(ROWS)('$name', async ({ fault, waitMs, submit, query, held }) => {
    const submitter = connectorWaiting(waitMs.submit);
    const asker = connectorWaiting(waitMs.query);
    await t.control.setFault(fault);
    expect(await submitter.submitDebit(instruction('dbt_one'))).toEqual(submit);
    expect(await submitter.submitDebits([instruction('dbt_two'), instruction('dbt_three')])).toEqual([submit, submit]);
    expect(await asker.queryDebit(ask('dbt_one'))).toEqual(query);
    expect(await asker.queryDebits(asks(['dbt_one', 'dbt_two', 'dbt_three']))).toEqual([query, query, query]);

    await t.control.clearFaults(CHANNEL);
    const after = connectorWaiting(ANSWERED_MS);
    expect(await after.queryDebit(ask('dbt_one'))).toEqual(held);
    expect(await after.queryDebits(asks(['dbt_one', 'dbt_two', 'dbt_three']))).toEqual([held, held, held]);
    const recorded = held.kind === 'succeeded' ? 3 : 0;
    expect((await t.control.getAccount(ACCOUNT)).received).toHaveLength(recorded);
  });

  it('with no fault: accepted, then succeeded; a debit it never received is not_found', async () => {
    const connector = connectorWaiting(ANSWERED_MS);
    expect(await connector.submitDebit(instruction('dbt_one'))).toEqual(accepted);
    expect(await connector.submitDebits([instruction('dbt_two'), instruction('dbt_three')])).toEqual([accepted, accepted]);
    expect(await connector.queryDebits(asks(['dbt_one', 'dbt_two', 'dbt_never']))).toEqual([succeeded, succeeded, notFound]);
    expect(await connector.queryDebit(ask('dbt_never'))).toEqual(notFound);
  });

  it('a refused connection is not_sent for a submission and unreachable for a query', async () => {
    const connector = connectorWaiting(ANSWERED_MS);
    await t.sandbox.close();
    expect(await connector.submitDebit(instruction('dbt_one'))).toEqual(notSent('ECONNREFUSED'));
    expect(await connector.submitDebits([instruction('dbt_two'), instruction('dbt_three')])).toEqual([notSent('ECONNREFUSED'), notSent('ECONNREFUSED')]);
    expect(await connector.queryDebit(ask('dbt_one'))).toEqual(unreachable('ECONNREFUSED'));
    expect(await connector.queryDebits(asks(['dbt_one', 'dbt_two']))).toEqual([unreachable('ECONNREFUSED'), unreachable('ECONNREFUSED')]);
    await t.restart();
  });
});
