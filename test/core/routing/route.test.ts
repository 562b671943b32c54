import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANNEL_TYPES, route, type Capability, type Instruction, type RoutableChannel } from '../../../src/core/index.js';

function channel(id: string, overrides: Partial<RoutableChannel> = {}): RoutableChannel {
  return { id, type: 'collection_center', priority: 10, capabilities: ['debit'], healthy: true, ...overrides };
}

const DEBIT: Instruction = { kind: 'debit', amountFen: 10_000 };
const PAYOUT: Instruction = { kind: 'payout', amountFen: 10_000 };

describe('route', () => {
  it.each([
    // name, channels, instruction, chosen channel
    ['the only channel', [channel('chn_a')], DEBIT, 'chn_a'],
    ['the lowest priority number', [channel('chn_a', { priority: 20 }), channel('chn_b', { priority: 10 })], DEBIT, 'chn_b'],
    ['the lowest id on equal priority', [channel('chn_b'), channel('chn_c'), channel('chn_a')], DEBIT, 'chn_a'],
    ['priority before id', [channel('chn_a', { priority: 2 }), channel('chn_z', { priority: 1 })], DEBIT, 'chn_z'],
    ['negative priorities too', [channel('chn_a', { priority: 0 }), channel('chn_b', { priority: -1 })], DEBIT, 'chn_b'],
    ['skipping a better channel without the capability', [channel('chn_a', { priority: 1, capabilities: ['payout'] }), channel('chn_b', { priority: 5 })], DEBIT, 'chn_b'],
    ['skipping a better unhealthy channel', [channel('chn_a', { priority: 1, healthy: false }), channel('chn_b', { priority: 5 })], DEBIT, 'chn_b'],
    ['a payout channel for a payout', [channel('chn_a', { priority: 1 }), channel('chn_b', { priority: 5, capabilities: ['debit', 'payout'] })], PAYOUT, 'chn_b'],
    ['no channels at all', [], DEBIT, null],
    ['none with the capability', [channel('chn_a'), channel('chn_b')], PAYOUT, null],
    ['none healthy', [channel('chn_a', { healthy: false })], DEBIT, null],
  ] as const)('picks %s', (_name, channels, instruction, expected) => {
    expect(route(channels, instruction).channel).toBe(expected);
  });

  it('keeps every channel considered, in order, with the reasons it was excluded', () => {
    const decision = route(
      [
        channel('chn_a', { capabilities: ['payout'] }),
        channel('chn_b', { healthy: false }),
        channel('chn_c', { capabilities: [], healthy: false }),
        channel('chn_d'),
      ],
      DEBIT,
    );
    expect(decision).toEqual({
      channel: 'chn_d',
      considered: [
        { channel: 'chn_a', eligible: false, reasons: ['capability_missing'], cost: 0 },
        { channel: 'chn_b', eligible: false, reasons: ['channel_unhealthy'], cost: 0 },
        { channel: 'chn_c', eligible: false, reasons: ['capability_missing', 'channel_unhealthy'], cost: 0 },
        { channel: 'chn_d', eligible: true, reasons: [], cost: 0 },
      ],
    });
  });

  it('says why each was excluded when none is eligible', () => {
    const decision = route([channel('chn_a', { healthy: false }), channel('chn_b', { capabilities: ['debit'] })], PAYOUT);
    expect(decision.channel).toBeNull();
    expect(decision.considered.map((entry) => [entry.channel, entry.eligible, entry.reasons])).toEqual([
      ['chn_a', false, ['capability_missing', 'channel_unhealthy']],
      ['chn_b', false, ['capability_missing']],
    ]);
  });

  it('picks the eligible channel that sorts first by cost, priority and id, whatever the input order', () => {
    const capability = fc.constantFrom<Capability>('debit', 'payout');
    const channels = fc.uniqueArray(
      fc.record({
        id: fc.stringMatching(/^chn_[a-z]{1,3}$/),
        type: fc.constantFrom(...CHANNEL_TYPES),
        priority: fc.integer({ min: -3, max: 3 }),
        capabilities: fc.subarray<Capability>(['debit', 'payout']),
        healthy: fc.boolean(),
      }),
      { selector: (entry) => entry.id, maxLength: 8 },
    );
    fc.assert(
      fc.property(channels, capability, (list, kind) => {
        const decision = route(list, { kind, amountFen: 1 });
        const eligible = decision.considered.filter((entry) => entry.eligible);
        expect(decision.considered.map((entry) => entry.channel)).toEqual(list.map((entry) => entry.id));
        for (const entry of decision.considered) {
          const source = list.find((item) => item.id === entry.channel)!;
          expect(entry.eligible).toBe(source.healthy && source.capabilities.includes(kind));
          expect(entry.eligible).toBe(entry.reasons.length === 0);
        }
        if (eligible.length === 0) {
          expect(decision.channel).toBeNull();
          return;
        }
        const key = (id: string) => {
          const entry = decision.considered.find((item) => item.channel === id)!;
          const source = list.find((item) => item.id === id)!;
          return [entry.cost, source.priority, id] as const;
        };
        const best = [...eligible]
          .map((entry) => key(entry.channel))
          .sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0))[0]!;
        expect(decision.channel).toBe(best[2]);
        expect(route([...list].reverse(), { kind, amountFen: 1 }).channel).toBe(best[2]);
      }),
    );
  });
});
