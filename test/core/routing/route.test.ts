import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  compileFeeSchedule,
  createRouter,
  type BusinessDate,
  type Capability,
  type ChannelConsidered,
  type ChannelType,
  type ExclusionReason,
  type FeeSchedule,
  type RoutableChannel,
  type RoutingDecision,
  type RoutingInput,
  type RoutingRule,
  type RuleConditions,
} from '../../../src/core/index.js';

function channel(id: string, options: { cost?: FeeSchedule; priority?: number; type?: ChannelType; bankCode?: string | null; capabilities?: Capability[]; enabled?: boolean } = {}): RoutableChannel {
  return {
    id,
    type: options.type ?? 'clearing_org',
    priority: options.priority ?? 1,
    capabilities: options.capabilities ?? ['debit', 'payout'],
    bankCode: options.bankCode ?? null,
    enabled: options.enabled ?? true,
    cost: compileFeeSchedule(options.cost ?? { fixed: 10 }),
  };
}

function rule(id: string, options: { appliesTo: RoutingRule['appliesTo']; allowOnly?: RuleConditions; deny?: RuleConditions; from?: string | null; until?: string | null; version?: number }): RoutingRule {
  return {
    id,
    version: options.version ?? 1,
    title: id,
    source: 'test',
    effectiveFrom: (options.from ?? null) as BusinessDate | null,
    effectiveUntil: (options.until ?? null) as BusinessDate | null,
    appliesTo: options.appliesTo,
    effect: options.deny !== undefined ? 'deny' : 'allow_only',
    conditions: options.deny ?? options.allowOnly ?? {},
  };
}

interface InputOverrides {
  kind?: Capability;
  amountFen?: number;
  date?: string;
  category?: string;
  settlementRegion?: string;
  accountKind?: string;
  medium?: string;
  bank?: string | null;
  payerRegion?: string | null;
}

function input(overrides: InputOverrides = {}): RoutingInput {
  return {
    kind: overrides.kind ?? 'debit',
    amountFen: overrides.amountFen ?? 10_000,
    businessDate: (overrides.date ?? '2018-01-01') as BusinessDate,
    merchant: { category: overrides.category ?? 'telecom', settlementRegion: overrides.settlementRegion ?? '440300' },
    payer: {
      accountKind: overrides.accountKind ?? 'personal',
      medium: overrides.medium ?? 'bank_card',
      bank: overrides.bank === undefined ? 'ICBC' : overrides.bank,
      region: overrides.payerRegion === undefined ? '110105' : overrides.payerRegion,
    },
  };
}

function entryOf(decision: RoutingDecision, id: string): ChannelConsidered {
  const entry = decision.considered.find((considered) => considered.channel === id);
  if (entry === undefined) throw new Error(`channel ${id} was not considered`);
  return entry;
}

describe('createRouter: choosing among eligible channels', () => {
  it.each([
    // what the row shows, channels, expected channel and cost
    ['the lowest cost wins over a better priority', [channel('a', { cost: { fixed: 40 }, priority: 1 }), channel('b', { cost: { fixed: 30 }, priority: 9 })], 'b', 30],
    ['equal costs: the lower priority number wins over the smaller id', [channel('a', { cost: { fixed: 30 }, priority: 2 }), channel('b', { cost: { fixed: 30 }, priority: 1 })], 'b', 30],
    ['equal costs and priorities: the smaller id wins', [channel('b', { cost: { fixed: 30 }, priority: 1 }), channel('a', { cost: { fixed: 30 }, priority: 1 })], 'a', 30],
    ['cost is computed on the amount: a rate beats a fixed cost on a small amount', [channel('fixed', { cost: { fixed: 50 }, priority: 1 }), channel('rated', { cost: { rate: '0.001' }, priority: 2 })], 'rated', 10],
  ] as const)('%s', (_name, channels, expected, cost) => {
    const router = createRouter(channels, []);
    const decision = router.route(input({ amountFen: 10_000 }));
    expect({ channel: decision.channel, cost: decision.cost }).toEqual({ channel: expected, cost });
    expect(router.choose(input({ amountFen: 10_000 }))).toEqual({ channel: expected, cost });
  });

  it('chooses by (cost, priority, id) whatever order the channels come in', () => {
    const spec = fc.record({ cost: fc.integer({ min: 0, max: 4 }), priority: fc.integer({ min: 0, max: 3 }) });
    const channelsArb = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-e]{1,2}$/), spec), { minLength: 1, maxLength: 8, selector: ([id]) => id });
    fc.assert(
      fc.property(
        channelsArb.chain((specs) => fc.tuple(fc.constant(specs), fc.shuffledSubarray(specs, { minLength: specs.length, maxLength: specs.length }))),
        ([specs, shuffled]) => {
          // The expected winner, computed without the router: sort by the SPEC's keys.
          const [winner] = [...specs].sort(([idA, a], [idB, b]) => a.cost - b.cost || a.priority - b.priority || (idA < idB ? -1 : idA > idB ? 1 : 0));
          const build = (list: typeof specs) => createRouter(list.map(([id, { cost, priority }]) => channel(id, { cost: { fixed: cost }, priority })), []);
          const expected = { channel: winner![0], cost: winner![1].cost };
          for (const router of [build(specs), build(shuffled)]) {
            const decision = router.route(input());
            expect({ channel: decision.channel, cost: decision.cost }).toEqual(expected);
            expect(router.choose(input())).toEqual(expected);
          }
        },
      ),
    );
  });

  it('answers null and explains every channel when none is eligible', () => {
    const router = createRouter([channel('a', { enabled: false }), channel('b', { capabilities: ['payout'] })], []);
    const decision = router.route(input({ date: '2017-12-06' }));
    expect(decision).toEqual({
      at: '2017-12-06',
      channel: null,
      cost: null,
      considered: [
        { channel: 'a', eligible: false, reasons: ['channel_disabled'], excluded_by: [], cost: 10 },
        { channel: 'b', eligible: false, reasons: ['capability_missing'], excluded_by: [], cost: 10 },
      ],
      rules: [],
    });
    expect(router.choose(input({ date: '2017-12-06' }))).toBeNull();
  });
});

describe('createRouter: exclusion reasons', () => {
  it.each<[{ capabilities?: Capability[]; enabled?: boolean }, Capability, ExclusionReason[]]>([
    // channel options, instruction kind, reasons
    [{}, 'debit', []],
    [{ enabled: false }, 'debit', ['channel_disabled']],
    [{ capabilities: ['payout'] }, 'debit', ['capability_missing']],
    [{ capabilities: ['debit'] }, 'payout', ['capability_missing']],
    [{ capabilities: [], enabled: false }, 'debit', ['capability_missing', 'channel_disabled']],
  ])('%j carrying a %s → %j', (options, kind, reasons) => {
    const router = createRouter([channel('only', options), channel('other', { cost: { fixed: 99 } })], []);
    const decision = router.route(input({ kind }));
    const entry = entryOf(decision, 'only');
    expect(entry.reasons).toEqual(reasons);
    expect(entry.eligible).toBe(reasons.length === 0);
    expect(decision.channel).toBe(reasons.length === 0 ? 'only' : 'other');
    expect(router.choose(input({ kind }))?.channel).toBe(decision.channel);
  });

  it('leaves out a channel whose breaker is open, with channel_unavailable', () => {
    const router = createRouter([channel('cheap', { cost: { fixed: 10 } }), channel('dear', { cost: { fixed: 20 } })], []);
    const decision = router.route(input(), { unavailable: new Set(['cheap']) });
    expect(decision.channel).toBe('dear');
    expect(entryOf(decision, 'cheap')).toMatchObject({ eligible: false, reasons: ['channel_unavailable'], excluded_by: [] });
  });

  it('does not fall back to an unavailable channel, even the only one', () => {
    const router = createRouter([channel('only')], []);
    const decision = router.route(input(), { unavailable: new Set(['only']) });
    expect({ channel: decision.channel, cost: decision.cost }).toEqual({ channel: null, cost: null });
  });

  it('tries another channel first when one confirmed it did not receive the instruction', () => {
    const router = createRouter([channel('cheap', { cost: { fixed: 10 } }), channel('dear', { cost: { fixed: 20 } })], []);
    const decision = router.route(input(), { avoid: new Set(['cheap']) });
    expect({ channel: decision.channel, cost: decision.cost }).toEqual({ channel: 'dear', cost: 20 });
    expect(entryOf(decision, 'cheap')).toMatchObject({ eligible: false, reasons: ['not_received'] });
  });

  it.each([
    // what the row shows, channels, avoid, unavailable, expected channel
    ['an avoided channel is the last resort when it is the only legal, healthy one', [channel('a')], ['a'], [], 'a'],
    ['the last resort is the cheapest avoided channel', [channel('a', { cost: { fixed: 20 } }), channel('b', { cost: { fixed: 10 }, priority: 2 })], ['a', 'b'], [], 'b'],
    ['an eligible channel beats a cheaper avoided one', [channel('a', { cost: { fixed: 10 } }), channel('b', { cost: { fixed: 90 } })], ['a'], [], 'b'],
    ['an avoided channel whose breaker is open is no last resort', [channel('a')], ['a'], ['a'], null],
    ['an avoided channel that is disabled is no last resort', [channel('a', { enabled: false })], ['a'], [], null],
    ['an avoided channel without the capability is no last resort', [channel('a', { capabilities: ['payout'] })], ['a'], [], null],
  ] as const)('%s', (_name, channels, avoid, unavailable, expected) => {
    const router = createRouter(channels, []);
    const decision = router.route(input(), { avoid: new Set(avoid), unavailable: new Set(unavailable) });
    expect(decision.channel).toBe(expected);
    expect(decision.cost).toBe(expected === null ? null : entryOf(decision, expected).cost);
    for (const id of avoid) expect(entryOf(decision, id).reasons).toContain('not_received');
  });

  it('an avoided channel that a rule excludes is no last resort', () => {
    const router = createRouter([channel('a')], [rule('banks', { appliesTo: { channels: ['a'] }, allowOnly: { 'payer.bank': ['CCB'] } })]);
    const decision = router.route(input({ bank: 'ICBC' }), { avoid: new Set(['a']) });
    expect(decision.channel).toBeNull();
    expect(entryOf(decision, 'a').reasons).toEqual(['rule', 'not_received']);
  });
});

describe('createRouter: rules', () => {
  const only = channel('only', { type: 'direct_bank', bankCode: 'ICBC' });

  /** Routes one instruction over one channel under one rule: the ids that excluded it. */
  function excludedBy(r: RoutingRule, overrides: InputOverrides): string[] {
    const decision = createRouter([only], [r]).route(input(overrides));
    const entry = entryOf(decision, 'only');
    expect(entry.eligible).toBe(entry.excluded_by.length === 0);
    expect(decision.channel).toBe(entry.eligible ? 'only' : null);
    return entry.excluded_by.map((ref) => ref.id);
  }

  it.each([
    // conditions of a deny rule, instruction, excluded
    [{ 'payer.bank': ['CMB'] }, { bank: 'CMB' }, true],
    [{ 'payer.bank': ['CMB'] }, { bank: 'ICBC' }, false],
    [{ 'payer.bank': ['CMB'] }, { bank: null }, false],
    [{ 'merchant.category': ['loan_repayment'], 'payer.account_kind': ['personal'] }, { category: 'loan_repayment', accountKind: 'personal' }, true],
    [{ 'merchant.category': ['loan_repayment'], 'payer.account_kind': ['personal'] }, { category: 'loan_repayment', accountKind: 'corporate' }, false],
    [{ 'payer.medium': ['virtual_account', 'bank_account'] }, { medium: 'bank_account' }, true],
    [{ 'payer.medium': ['virtual_account', 'bank_account'] }, { medium: 'bank_card' }, false],
    [{ 'instruction.kind': ['payout'] }, { kind: 'payout' }, true],
    [{ 'instruction.kind': ['payout'] }, { kind: 'debit' }, false],
    [{ amount: { min: 5_000_001 } }, { amountFen: 5_000_001 }, true],
    [{ amount: { min: 5_000_001 } }, { amountFen: 5_000_000 }, false],
  ] as const)('deny %j, instruction %j → excluded %s', (conditions, overrides, excluded) => {
    const r = rule('deny-rule', { appliesTo: { channels: ['only'] }, deny: conditions as RuleConditions });
    expect(excludedBy(r, overrides)).toEqual(excluded ? ['deny-rule'] : []);
  });

  it.each([
    // amount range of an allow_only rule, amount, allowed
    [{ min: 100, max: 1_000 }, 99, false],
    [{ min: 100, max: 1_000 }, 100, true],
    [{ min: 100, max: 1_000 }, 1_000, true],
    [{ min: 100, max: 1_000 }, 1_001, false],
    [{ min: 100 }, Number.MAX_SAFE_INTEGER, true],
    [{ max: 0 }, 0, true],
    [{ max: 0 }, 1, false],
  ] as const)('allow_only amount %j, %i fen → allowed %s', (amount, amountFen, allowed) => {
    const r = rule('amount-range', { appliesTo: { channels: ['only'] }, allowOnly: { amount } });
    expect(excludedBy(r, { amountFen })).toEqual(allowed ? [] : ['amount-range']);
  });

  it.each([
    // merchant settlement region prefixes, merchant region, allowed
    [['4403'], '440300', true],
    [['4403'], '440304', true],
    [['4403'], '4403', true],
    [['4403'], '440100', false],
    [['4403'], '44', false],
    [['4403'], '140300', false],
    [['12', '14'], '140100', true],
    [['12', '14'], '610100', false],
  ] as const)('allow_only merchant.settlement_region %j, merchant in %s → allowed %s', (prefixes, settlementRegion, allowed) => {
    const r = rule('region', { appliesTo: { channels: ['only'] }, allowOnly: { 'merchant.settlement_region': [...prefixes] } });
    expect(excludedBy(r, { settlementRegion })).toEqual(allowed ? [] : ['region']);
  });

  it.each([
    // payer region prefixes, payer region, allowed
    [['11'], '110105', true],
    [['11'], '120101', false],
    [['11'], null, false],
  ] as const)('allow_only payer.region %j, payer in %s → allowed %s', (prefixes, payerRegion, allowed) => {
    const r = rule('payer-region', { appliesTo: { channels: ['only'] }, allowOnly: { 'payer.region': [...prefixes] } });
    expect(excludedBy(r, { payerRegion })).toEqual(allowed ? [] : ['payer-region']);
  });

  it.each([
    // payer bank, allowed by "payer.bank = channel.bank" on an ICBC link
    ['ICBC', true],
    ['CCB', false],
    [null, false],
  ] as const)('allow_only payer.bank = channel.bank, payer bank %s → allowed %s', (bank, allowed) => {
    const r = rule('same-bank', { appliesTo: { types: ['direct_bank'] }, allowOnly: { 'payer.bank': 'channel.bank' } });
    expect(excludedBy(r, { bank })).toEqual(allowed ? [] : ['same-bank']);
  });

  it.each(['ICBC', null])('payer.bank = channel.bank excludes a channel without a bank of its own, payer bank %s', (bank) => {
    // Unknown is not equal to unknown: two nulls must not make a match.
    const r = rule('same-bank', { appliesTo: { channels: ['nobank'] }, allowOnly: { 'payer.bank': 'channel.bank' } });
    const decision = createRouter([channel('nobank', { bankCode: null })], [r]).route(input({ bank }));
    expect(decision.channel).toBeNull();
    expect(entryOf(decision, 'nobank').excluded_by).toEqual([{ id: 'same-bank', version: 1 }]);
  });

  it('applies a rule only to the channels and types it names', () => {
    const rules = [
      rule('by-id', { appliesTo: { channels: ['a'] }, deny: {} }),
      rule('by-type', { appliesTo: { types: ['card_scheme'] }, deny: {} }),
    ];
    const router = createRouter([channel('a'), channel('b', { type: 'card_scheme' }), channel('c', { type: 'clearing_org', cost: { fixed: 99 } })], rules);
    const decision = router.route(input());
    expect(decision.considered.map((entry) => [entry.channel, entry.excluded_by.map((ref) => ref.id)])).toEqual([
      ['a', ['by-id']],
      ['b', ['by-type']],
      ['c', []],
    ]);
    expect(decision.channel).toBe('c');
  });

  it.each([
    // from, until, business date, in force
    [null, null, '2017-12-06', true],
    ['2017-12-07', null, '2017-12-06', false],
    ['2017-12-07', null, '2017-12-07', true],
    [null, '2017-12-31', '2017-12-31', true],
    [null, '2017-12-31', '2018-01-01', false],
    ['2017-12-07', '2017-12-31', '2017-12-06', false],
    ['2017-12-07', '2017-12-31', '2017-12-20', true],
    ['2017-12-07', '2017-12-31', '2018-01-01', false],
  ] as const)('a rule effective %s … %s, on %s → in force %s', (from, until, date, inForce) => {
    const r = rule('window', { appliesTo: { channels: ['a'] }, deny: {}, from, until });
    const router = createRouter([channel('a', { cost: { fixed: 10 } }), channel('b', { cost: { fixed: 20 } })], [r]);
    const decision = router.route(input({ date }));
    expect(entryOf(decision, 'a').excluded_by).toEqual(inForce ? [{ id: 'window', version: 1 }] : []);
    expect(decision.rules).toEqual(inForce ? [{ id: 'window', version: 1 }] : []);
    expect(decision.channel).toBe(inForce ? 'b' : 'a');
    expect(router.choose(input({ date }))?.channel).toBe(decision.channel);
  });

  it('lists the version of a rule in force that day, once, even if it allowed and applied to several channels', () => {
    const rules = [
      rule('centers', { version: 1, appliesTo: { types: ['collection_center'] }, allowOnly: { 'merchant.category': ['utility', 'public_welfare', 'telecom'] }, until: '2017-12-31' }),
      rule('centers', { version: 2, appliesTo: { types: ['collection_center'] }, allowOnly: { 'merchant.category': ['utility', 'public_welfare'] }, from: '2018-01-01' }),
    ];
    const router = createRouter([channel('x', { type: 'collection_center' }), channel('y', { type: 'collection_center' }), channel('z', { cost: { fixed: 60 } })], rules);

    const before = router.route(input({ date: '2017-12-31', category: 'telecom' }));
    expect(before.rules).toEqual([{ id: 'centers', version: 1 }]);
    expect(before.channel).toBe('x');

    const after = router.route(input({ date: '2018-01-01', category: 'telecom' }));
    expect(after.rules).toEqual([{ id: 'centers', version: 2 }]);
    expect(after.channel).toBe('z');
    expect(entryOf(after, 'y').excluded_by).toEqual([{ id: 'centers', version: 2 }]);
  });

  it('does not list a rule that applies to no channel considered', () => {
    const router = createRouter([channel('a')], [rule('elsewhere', { appliesTo: { channels: ['gone'] }, deny: {} })]);
    expect(router.route(input()).rules).toEqual([]);
  });
});

describe('CircuitBreaker', () => {
  const FAILURES_MAX = 3;
  const COOLDOWN_MS = 30_000;

  it('opens after N consecutive failures, for the cooldown', () => {
    const breaker = new CircuitBreaker(FAILURES_MAX, COOLDOWN_MS);
    breaker.recordFailure('c', 1_000);
    breaker.recordFailure('c', 2_000);
    expect(breaker.isOpen('c', 2_000)).toBe(false);
    breaker.recordFailure('c', 3_000);
    expect(breaker.isOpen('c', 3_000)).toBe(true);
    expect(breaker.isOpen('c', 3_000 + COOLDOWN_MS - 1)).toBe(true);
    expect(breaker.isOpen('c', 3_000 + COOLDOWN_MS)).toBe(false);
  });

  it('counts consecutive failures only: a success in between starts the count again', () => {
    const breaker = new CircuitBreaker(FAILURES_MAX, COOLDOWN_MS);
    breaker.recordFailure('c', 1);
    breaker.recordFailure('c', 2);
    breaker.recordSuccess('c');
    breaker.recordFailure('c', 3);
    breaker.recordFailure('c', 4);
    expect(breaker.isOpen('c', 4)).toBe(false);
    breaker.recordFailure('c', 5);
    expect(breaker.isOpen('c', 5)).toBe(true);
  });

  it('closes on a success', () => {
    const breaker = new CircuitBreaker(FAILURES_MAX, COOLDOWN_MS);
    for (let i = 0; i < FAILURES_MAX; i += 1) breaker.recordFailure('c', 0);
    expect(breaker.isOpen('c', 1)).toBe(true);
    breaker.recordSuccess('c');
    expect(breaker.isOpen('c', 1)).toBe(false);
    expect(breaker.openChannels(1)).toEqual(new Set());
  });

  it('half-opens after the cooldown: one more failure opens it again at once', () => {
    const breaker = new CircuitBreaker(FAILURES_MAX, COOLDOWN_MS);
    for (let i = 0; i < FAILURES_MAX; i += 1) breaker.recordFailure('c', 0);
    expect(breaker.isOpen('c', COOLDOWN_MS)).toBe(false);
    breaker.recordFailure('c', COOLDOWN_MS + 5);
    expect(breaker.isOpen('c', COOLDOWN_MS + 5)).toBe(true);
    expect(breaker.isOpen('c', 2 * COOLDOWN_MS + 4)).toBe(true);
    expect(breaker.isOpen('c', 2 * COOLDOWN_MS + 5)).toBe(false);
  });

  it('a success while half-open closes it fully: N failures are needed again', () => {
    const breaker = new CircuitBreaker(FAILURES_MAX, COOLDOWN_MS);
    for (let i = 0; i < FAILURES_MAX; i += 1) breaker.recordFailure('c', 0);
    breaker.recordSuccess('c');
    breaker.recordFailure('c', COOLDOWN_MS + 1);
    expect(breaker.isOpen('c', COOLDOWN_MS + 1)).toBe(false);
  });

  it('keeps one state per channel, and lists the open ones', () => {
    const breaker = new CircuitBreaker(1, COOLDOWN_MS);
    breaker.recordFailure('a', 0);
    breaker.recordFailure('b', 10_000);
    expect(breaker.openChannels(5_000)).toEqual(new Set(['a', 'b']));
    expect(breaker.openChannels(COOLDOWN_MS)).toEqual(new Set(['b']));
    expect(breaker.openChannels(COOLDOWN_MS + 10_000)).toEqual(new Set());
    expect(breaker.isOpen('never-failed', 0)).toBe(false);
  });
});
