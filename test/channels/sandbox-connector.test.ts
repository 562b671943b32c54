import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SandboxConnector } from '../../src/channels/sandbox-connector/index.js';
import type { AttemptQuery, DebitInstruction, PayoutInstruction, QueryOutcome, SubmitOutcome } from '../../src/core/index.js';
import { ACCOUNT, startTestSandbox, type TestSandbox } from '../sandbox/harness.js';

const TOO_LARGE = 'payload_too_large: the channel refused the message unread (HTTP 413)';

/** A query about the first attempt at an instruction. */
function ask(endToEndId: string): AttemptQuery {
  return { endToEndId, attemptNumber: 1 };
}

function asks(endToEndIds: readonly string[]): AttemptQuery[] {
  return endToEndIds.map(ask);
}

function instruction(endToEndId: string, overrides: Partial<DebitInstruction> = {}): DebitInstruction {
  return {
    channelId: 'sz-center',
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
    ...overrides,
  };
}

type Call = (connector: SandboxConnector) => Promise<SubmitOutcome | QueryOutcome | (SubmitOutcome | QueryOutcome)[]>;
const submitOne: Call = (c) => c.submitDebit(instruction('dbt_1'));
const submitTwo: Call = (c) => c.submitDebits([instruction('dbt_1'), instruction('dbt_2')]);
const queryOne: Call = (c) => c.queryDebit(ask('dbt_1'));
const queryTwo: Call = (c) => c.queryDebits(asks(['dbt_1', 'dbt_2']));

/**
 * How the connector maps a channel's HTTP errors (docs/sandbox-protocol.md), against a stub
 * that answers every request with one status and body.
 */
describe('SandboxConnector: HTTP errors', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; body: unknown } = { status: 500, body: {} };
  beforeAll(async () => {
    server = createServer((request, response) => {
      // Answer at once, without reading the body, as a server refusing it would.
      response.writeHead(answer.status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(answer.body));
      request.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  const notSent = (reason: string): SubmitOutcome => ({ kind: 'not_sent', reason });
  const unknown = (reason: string): SubmitOutcome => ({ kind: 'unknown', reason });
  const unreachable = (reason: string): QueryOutcome => ({ kind: 'unreachable', reason });

  const rows: [string, Call, number, unknown, SubmitOutcome | QueryOutcome | (SubmitOutcome | QueryOutcome)[]][] = [
    // call,                  status, body,                                 outcome
    ['submit', submitOne, 413, { code: 'payload_too_large' }, notSent(TOO_LARGE)],
    ['submit (no body)', submitOne, 413, null, notSent(TOO_LARGE)],
    ['submit', submitOne, 503, { code: 'channel_unavailable' }, notSent('channel_unavailable')],
    ['submit', submitOne, 503, {}, unknown('HTTP 503')],
    ['submit', submitOne, 500, {}, unknown('HTTP 500')],
    ['submit', submitOne, 400, { code: 'bad_request' }, unknown('HTTP 400')],
    ['batch submit', submitTwo, 413, { code: 'payload_too_large' }, [notSent(TOO_LARGE), notSent(TOO_LARGE)]],
    ['batch submit', submitTwo, 503, { code: 'channel_unavailable' }, [notSent('channel_unavailable'), notSent('channel_unavailable')]],
    ['batch submit', submitTwo, 502, {}, [unknown('HTTP 502'), unknown('HTTP 502')]],
    // The channel reported the attempt not found and refuses it: it holds none of it.
    ['submit', submitOne, 409, { code: 'reported_not_found' }, notSent('reported_not_found')],
    ['submit', submitOne, 409, { code: 'conflict' }, unknown('HTTP 409')],
    ['batch submit', submitTwo, 202, { status: 'accepted', debits: [{ end_to_end_id: 'dbt_1', status: 'refused', code: 'reported_not_found' }, { end_to_end_id: 'dbt_2', channel_reference: 'r2' }] }, [notSent('reported_not_found'), { kind: 'accepted', channelReference: 'r2' }]],
    ['batch submit', submitTwo, 202, { status: 'accepted', debits: [{ end_to_end_id: 'dbt_1', status: 'refused', code: 'other' }, { end_to_end_id: 'dbt_2', status: 'accepted', channel_reference: 'r2' }] }, [unknown('refused: other'), { kind: 'accepted', channelReference: 'r2' }]],
    ['query', queryOne, 413, { code: 'payload_too_large' }, unreachable(TOO_LARGE)],
    ['query', queryOne, 503, { code: 'channel_unavailable' }, unreachable('HTTP 503')],
    ['query', queryOne, 404, { status: 'not_found' }, { kind: 'not_found' }],
    ['query', queryOne, 404, { code: 'no_such_endpoint' }, unreachable('HTTP 404')],
    ['batch query', queryTwo, 413, { code: 'payload_too_large' }, [unreachable(TOO_LARGE), unreachable(TOO_LARGE)]],
    ['batch query', queryTwo, 503, { code: 'channel_unavailable' }, [unreachable('HTTP 503'), unreachable('HTTP 503')]],
    // Answers that break the protocol's answer schemas (src/channels/sandbox-protocol) prove nothing.
    ['submit', submitOne, 202, { status: 'accepted', channel_reference: 42, end_to_end_id: 'dbt_1' }, unknown('malformed answer (HTTP 202)')],
    ['batch submit', submitTwo, 202, { status: 'accepted', debits: [{ end_to_end_id: 'dbt_1', channel_reference: 7 }, { end_to_end_id: 'dbt_2', channel_reference: 'r2' }] }, [unknown('malformed answer (HTTP 202)'), unknown('malformed answer (HTTP 202)')]],
    ['query', queryOne, 200, { status: 'succeeded', end_to_end_id: 'dbt_1', amount: 1 }, unreachable('malformed answer (HTTP 200)')],
    ['query', queryOne, 200, { status: 'settled', channel_reference: 'r1', end_to_end_id: 'dbt_1', amount: 1 }, unreachable('malformed answer (HTTP 200)')],
    ['batch query', queryTwo, 200, { results: [{ end_to_end_id: 'dbt_1', status: 'succeeded', amount: 1 }, { end_to_end_id: 'dbt_2', status: 'not_found' }] }, [unreachable('malformed answer (HTTP 200)'), unreachable('malformed answer (HTTP 200)')]],
  ];
  // The title's values first, in the order the format takes them (a function would print "NaN").
  it.each(rows.map(([label, call, status, body, expected]) => [label, status, body, call, expected] as const))('%s answered %i %j', async (_label, status, body, call, expected) => {
    answer = { status, body };
    const connector = new SandboxConnector({ channelId: 'sz-center', baseUrl: url, timeoutMs: 5_000 });
    expect(await call(connector)).toEqual(expected);
  });
});

/** The same against the sandbox itself: a message over its body limit is refused unread. */
describe('SandboxConnector against the sandbox: messages too large', () => {
  let t: TestSandbox;
  let connector: SandboxConnector;
  beforeEach(async () => {
    t = await startTestSandbox();
    connector = new SandboxConnector({ channelId: 'sz-center', baseUrl: t.url, timeoutMs: 10_000 });
  });
  afterEach(async () => t.cleanup());

  // Past every field limit, so the sandbox would refuse it anyway; what is checked here is that
  // its size alone gets the 413 before anything is read.
  const huge = (endToEndId: string) => instruction(endToEndId, { mandateReference: 'A'.repeat(5 * 1024 * 1024) });

  it('a single debit over the limit is not_sent, and the sandbox recorded nothing', async () => {
    expect(await connector.submitDebit(huge('dbt_huge'))).toEqual({ kind: 'not_sent', reason: TOO_LARGE });
    expect((await t.control.getAccount(ACCOUNT)).received).toEqual([]);
    expect(await connector.queryDebit(ask('dbt_huge'))).toEqual({ kind: 'not_found' });
  });

  it('a batch over the limit is not_sent for every debit in it, and the sandbox recorded none', async () => {
    expect(await connector.submitDebits([instruction('dbt_small'), huge('dbt_huge')])).toEqual([
      { kind: 'not_sent', reason: TOO_LARGE },
      { kind: 'not_sent', reason: TOO_LARGE },
    ]);
    expect((await t.control.getAccount(ACCOUNT)).received).toEqual([]);
    expect(await connector.queryDebits(asks(['dbt_small', 'dbt_huge']))).toEqual([{ kind: 'not_found' }, { kind: 'not_found' }]);
  });

  it('a query over the limit is unreachable', async () => {
    const ids = Array.from({ length: 20_000 }, (_, index) => `dbt_${String(index).padStart(100, '0')}`);
    const outcomes = await connector.queryDebits(asks(ids));
    expect(new Set(outcomes.map((outcome) => JSON.stringify(outcome)))).toEqual(new Set([JSON.stringify({ kind: 'unreachable', reason: TOO_LARGE })]));
  });
});

/**
 * Attempt numbers (docs/sandbox-protocol.md): a query answered `not_found` closes that attempt at
 * the channel; its message arriving later is refused, which the connector reads as `not_sent`
 * (the attempt is dead, no money moved), while the next attempt goes through.
 */
describe('SandboxConnector against the sandbox: attempt numbers', () => {
  let t: TestSandbox;
  let connector: SandboxConnector;
  beforeEach(async () => {
    t = await startTestSandbox();
    connector = new SandboxConnector({ channelId: 'sz-center', baseUrl: t.url, timeoutMs: 10_000 });
  });
  afterEach(async () => t.cleanup());

  const payout = (endToEndId: string, attemptNumber: number): PayoutInstruction => {
    const { idNumber: _i, phone: _p, mandateReference: _m, ...account } = instruction(endToEndId, { attemptNumber });
    return account;
  };
  const refused: SubmitOutcome = { kind: 'not_sent', reason: 'reported_not_found' };

  it('a debit of an attempt reported not found is refused; the next attempt is accepted and applied once', async () => {
    expect(await connector.queryDebit(ask('dbt_late'))).toEqual({ kind: 'not_found' });
    expect(await connector.submitDebit(instruction('dbt_late'))).toEqual(refused);
    const resent = await connector.submitDebit(instruction('dbt_late', { attemptNumber: 2 }));
    expect(resent.kind).toBe('accepted');
    expect(await connector.submitDebits([instruction('dbt_late'), instruction('dbt_other')])).toEqual([refused, expect.objectContaining({ kind: 'accepted' })]);
    const received = (await t.control.getAccount(ACCOUNT)).received;
    expect(received.map((r) => [r.end_to_end_id, r.outcome])).toEqual([['dbt_other', 'succeeded'], ['dbt_late', 'succeeded']]);
  });

  it('payouts go in batch messages, answered item by item, attempt numbers included', async () => {
    expect(connector.flows().payoutSubmit?.batchMax).toBe(1000);
    expect(await connector.queryDebits([{ endToEndId: 'pyt_late', attemptNumber: 2 }, ask('pyt_never')])).toEqual([{ kind: 'not_found' }, { kind: 'not_found' }]);
    const outcomes = await connector.submitPayouts([payout('pyt_late', 2), payout('pyt_one', 1), payout('pyt_one', 1)]);
    expect(outcomes).toEqual([refused, { kind: 'accepted', channelReference: expect.any(String) }, { kind: 'accepted', channelReference: expect.any(String) }]);
    const account = await t.control.getAccount(ACCOUNT);
    expect(account.received.map((r) => [r.end_to_end_id, r.outcome, r.direction])).toEqual([['pyt_one', 'duplicate', 'credit'], ['pyt_one', 'succeeded', 'credit']]);
    expect(account.balance).toBe(100_000_000 + 1234);
    expect(await connector.queryDebits(asks(['pyt_one', 'pyt_late']))).toEqual([{ kind: 'succeeded', channelReference: expect.any(String) }, { kind: 'not_found' }]);
  });
});
