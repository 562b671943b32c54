import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChannelConnectors } from '../../src/app/connector-registry.js';
import {
  chunks,
  FlowTable,
  type ChannelFlows,
  type ConnectorRegistry,
  type AttemptQuery,
  type DebitInstruction,
  type DebitQuery,
  type DebitSubmit,
  type QueryOutcome,
  type SubmitOutcome,
} from '../../src/core/index.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, startTestHub, type TestHub } from '../support/hub.js';

/** A channel that accepts everything, remembers how it was called, and never saw any debit when asked. */
class RecordingChannel implements DebitSubmit, DebitQuery {
  readonly submitted: number[] = [];
  readonly queried: number[] = [];
  constructor(readonly batchMax: number) {}
  async submitDebit(instruction: DebitInstruction): Promise<SubmitOutcome> {
    this.submitted.push(1);
    return { kind: 'accepted', channelReference: `ref-${instruction.endToEndId}` };
  }
  async submitDebits(instructions: readonly DebitInstruction[]): Promise<SubmitOutcome[]> {
    this.submitted.push(instructions.length);
    return instructions.map((instruction) => ({ kind: 'accepted', channelReference: `ref-${instruction.endToEndId}` }));
  }
  async queryDebit(): Promise<QueryOutcome> {
    this.queried.push(1);
    return { kind: 'processing' };
  }
  async queryDebits(queries: readonly AttemptQuery[]): Promise<QueryOutcome[]> {
    this.queried.push(queries.length);
    return queries.map(() => ({ kind: 'processing' }));
  }
}

const flows = (channel: DebitSubmit & DebitQuery, serves: Partial<ChannelFlows> = {}): ChannelFlows => ({
  debitSubmit: channel,
  debitQuery: channel,
  payoutSubmit: null,
  statementSource: null,
  ...serves,
});

describe('FlowTable: a flow looked up by channel', () => {
  const channel = new RecordingChannel(10);
  const table = new FlowTable(
    new Map([
      ['both', flows(channel)],
      ['query-only', flows(channel, { debitSubmit: null })],
    ]),
  );
  it.each([
    // channel,      flow,              expected
    ['both', 'debitSubmit', { kind: 'served', flow: channel }],
    ['both', 'debitQuery', { kind: 'served', flow: channel }],
    ['both', 'payoutSubmit', { kind: 'not_supported', channelId: 'both', flowName: 'payoutSubmit', reason: 'flow_not_served' }],
    ['both', 'statementSource', { kind: 'not_supported', channelId: 'both', flowName: 'statementSource', reason: 'flow_not_served' }],
    ['query-only', 'debitSubmit', { kind: 'not_supported', channelId: 'query-only', flowName: 'debitSubmit', reason: 'flow_not_served' }],
    ['query-only', 'debitQuery', { kind: 'served', flow: channel }],
    ['nowhere', 'debitSubmit', { kind: 'not_supported', channelId: 'nowhere', flowName: 'debitSubmit', reason: 'unknown_channel' }],
  ] as const)('%s / %s', (channelId, flowName, expected) => {
    expect(table[flowName](channelId)).toEqual(expected);
  });
});

describe('ChannelConnectors: built from channel rows', () => {
  it('builds each channel once, again only when its endpoint changes, and forgets removed channels', () => {
    const built: string[] = [];
    const registry = new ChannelConnectors((channel) => {
      built.push(`${channel.id}@${channel.endpoint}`);
      return flows(new RecordingChannel(1));
    });
    registry.load([{ id: 'a', endpoint: 'sandbox' }, { id: 'b', endpoint: 'http://b' }]);
    const a = registry.debitSubmit('a');
    registry.load([{ id: 'a', endpoint: 'sandbox' }, { id: 'b', endpoint: 'http://b2' }]);
    expect(registry.debitSubmit('a')).toEqual(a);
    registry.load([{ id: 'b', endpoint: 'http://b2' }]);
    expect(registry.debitSubmit('a')).toMatchObject({ kind: 'not_supported', reason: 'unknown_channel' });
    expect(built).toEqual(['a@sandbox', 'b@http://b', 'b@http://b2']);
  });
});

describe('chunks', () => {
  it.each([
    [[], 2, []],
    [[1, 2, 3, 4, 5], 2, [[1, 2], [3, 4], [5]]],
    [[1, 2], 5, [[1, 2]]],
    [[1, 2], 1, [[1], [2]]],
  ])('%j by %i', (items, size, expected) => {
    expect(chunks(items, size)).toEqual(expected);
  });
  it('refuses a size below 1', () => {
    expect(() => chunks([1], 0)).toThrow();
  });
});

for (const engine of ENGINES) {
  describe(`the submission worker looks up its flows per channel (${engine})`, () => {
    let t: TestHub;
    let channel: RecordingChannel;
    beforeEach(async () => {
      t = await startTestHub(engine, { runWorkers: false, workers: { batchSize: 5 } });
      const merchant = await createMerchant(t);
      for (let serial = 0; serial < 5; serial += 1) {
        const mandate = await createMandate(t, merchant.key, cardNumber('622202', serial));
        const created = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandate, amount: 1_000 + serial, currency: 'CNY', reference: `REG-${serial}` } });
        expect(created.status).toBe(201);
      }
    });
    afterEach(async () => t.close());

    const useRegistry = (registry: ConnectorRegistry) => {
      t.hub.ctx.connectors = registry;
    };
    const statuses = async () => ((await t.call('GET', '/v1/debits?limit=100')).body.data as { status: string }[]).map((debit) => debit.status).sort();

    it("splits a channel's share of a round by the flows' batchMax", async () => {
      channel = new RecordingChannel(2);
      useRegistry(new FlowTable(new Map([['sandbox-clearing', flows(channel)]])));
      expect(await t.hub.worker.submitRound()).toBe(5);
      expect(channel.submitted.sort()).toEqual([1, 2, 2]);
      // The round that sent them asks at once, split the same way; the channel answers `processing`.
      expect(channel.queried.sort()).toEqual([1, 2, 2]);
      channel.queried.length = 0;
      t.clock.advance(60_000);
      expect(await t.hub.worker.queryRound()).toBe(5);
      expect(channel.queried.sort()).toEqual([1, 2, 2]);
      expect(await statuses()).toEqual(['submitted', 'submitted', 'submitted', 'submitted', 'submitted']);
    });

    it('sends nothing to a channel that does not serve debit submission: the debits are not_sent, back to pending', async () => {
      channel = new RecordingChannel(10);
      useRegistry(new FlowTable(new Map([['sandbox-clearing', flows(channel, { debitSubmit: null })]])));
      expect(await t.hub.worker.submitRound()).toBe(5);
      expect(channel.submitted).toEqual([]);
      expect(await statuses()).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    });
  });
}
