import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { channelRow, ruleRow, SANDBOX_ENDPOINT, type ChannelInput, type RuleInput } from '../../../src/app/channels.js';
import type { ChannelRow } from '../../../src/app/ports.js';
import { channelFromRow, routingInput, ruleFromRow } from '../../../src/app/routing-table.js';
import { compileFeeSchedule, createRouter, type AccountKind, type BusinessDate, type ExclusionReason, type MerchantCategory, type Medium } from '../../../src/core/index.js';

/**
 * The shipped scenario `cn-2017` (SPEC §6), read from the same file `daikou start --scenario
 * cn-2017` loads and turned into domain objects the way `loadScenario` and `putRule` store them.
 */
interface ScenarioFile {
  channels: Omit<ChannelInput, 'endpoint' | 'enabled'>[];
  rules: RuleInput[];
}

const SCENARIO_URL = new URL('../../../data/scenarios/cn-2017.json', import.meta.url);
const scenario = JSON.parse(fs.readFileSync(SCENARIO_URL, 'utf8')) as ScenarioFile;
const LOADED_AT = '2017-11-01T00:00:00.000Z';

function channelRowOf(channel: ScenarioFile['channels'][number]): ChannelRow {
  return channelRow({ ...channel, enabled: true, endpoint: SANDBOX_ENDPOINT }, LOADED_AT, null);
}

const router = createRouter(
  scenario.channels.map((channel) => channelFromRow(channelRowOf(channel))),
  scenario.rules.map((rule) => ruleFromRow(ruleRow(rule, 1, LOADED_AT))),
);

/** Each channel's cost, compiled straight from the file rather than through the router. */
const costOf = new Map(scenario.channels.map((channel) => [channel.id, compileFeeSchedule(channel.cost_schedule)]));

const CHANNELS = ['sz-center', 'tj-center', 'sn-center', 'sx-center', 'direct-icbc', 'direct-ccb', 'netsunion', 'unionpay'] as const;
type ChannelId = (typeof CHANNELS)[number];

// Rule ids, short so that the table stays readable.
const UP = 'unionpay-personal-only';
const XB = 'no-cross-bank-direct';
const SZ = 'sz-center-20171207';
const PB = 'pboc-110';

/** The first business date of each rule (SPEC §6); null is "always". */
const EFFECTIVE_FROM: Record<string, string | null> = { [UP]: null, [XB]: null, [SZ]: '2017-12-07', [PB]: '2018-01-01' };
const rulesInForce = (date: string) =>
  Object.entries(EFFECTIVE_FROM)
    .filter(([, from]) => from === null || from <= date)
    .map(([id]) => id)
    .sort();

// Exclusions that recur: every collection center under pboc-110, and sz-center under both of its rules.
const CENTERS_CLOSED = { 'sz-center': [SZ, PB], 'tj-center': [PB], 'sn-center': [PB], 'sx-center': [PB] };
const NOT_ICBC = { 'direct-icbc': [XB] };
const NOT_CCB = { 'direct-ccb': [XB] };

interface Row {
  name: string;
  category: MerchantCategory;
  settlementRegion: string;
  accountKind: AccountKind;
  medium: Medium;
  bank: string | null;
  amountFen: number;
  date: string;
  /** Channels whose circuit breaker is open. */
  unavailable?: ChannelId[];
  channel: ChannelId | null;
  cost: number | null;
  /** Rule ids that exclude each channel; a channel not listed is allowed by every rule. */
  excludedBy: Partial<Record<ChannelId, string[]>>;
  /** Costs of channels considered but not chosen, where the row is about them. */
  costs?: Partial<Record<ChannelId, number>>;
}

const TELECOM_SZ = { category: 'telecom', settlementRegion: '440300' } as const;
const UTILITY_SZ = { category: 'utility', settlementRegion: '440300' } as const;
const UTILITY_BJ = { category: 'utility', settlementRegion: '110000' } as const;
const TELECOM_BJ = { category: 'telecom', settlementRegion: '110000' } as const;
const PERSONAL_CARD = { accountKind: 'personal', medium: 'bank_card' } as const;
const CORPORATE_ACCOUNT = { accountKind: 'corporate', medium: 'bank_account' } as const;

const ROWS: Row[] = [
  // The SPEC headline: a Shenzhen telecom merchant debiting a personal ICBC card.
  { name: 'SZ telecom, ICBC card, before the Shenzhen notice → sz-center', ...TELECOM_SZ, ...PERSONAL_CARD, bank: 'ICBC', amountFen: 10_000, date: '2017-12-06', channel: 'sz-center', cost: 30, excludedBy: { ...NOT_CCB } },
  { name: 'SZ telecom, ICBC card, the notice in force → tj-center', ...TELECOM_SZ, ...PERSONAL_CARD, bank: 'ICBC', amountFen: 10_000, date: '2017-12-07', channel: 'tj-center', cost: 30, excludedBy: { 'sz-center': [SZ], ...NOT_CCB } },
  { name: 'SZ telecom, ICBC card, last day before pboc-110 → tj-center', ...TELECOM_SZ, ...PERSONAL_CARD, bank: 'ICBC', amountFen: 10_000, date: '2017-12-31', channel: 'tj-center', cost: 30, excludedBy: { 'sz-center': [SZ], ...NOT_CCB } },
  { name: 'SZ telecom, ICBC card, pboc-110 in force → direct-icbc', ...TELECOM_SZ, ...PERSONAL_CARD, bank: 'ICBC', amountFen: 10_000, date: '2018-01-01', channel: 'direct-icbc', cost: 50, excludedBy: { ...CENTERS_CLOSED, ...NOT_CCB } },

  // Shenzhen utilities and charities keep their center through both dates.
  { name: 'SZ utility, CCB card, day the notice takes effect → sz-center', ...UTILITY_SZ, ...PERSONAL_CARD, bank: 'CCB', amountFen: 10_000, date: '2017-12-07', channel: 'sz-center', cost: 30, excludedBy: { ...NOT_ICBC } },
  { name: 'SZ utility, CCB card, pboc-110 in force → sz-center', ...UTILITY_SZ, ...PERSONAL_CARD, bank: 'CCB', amountFen: 10_000, date: '2018-01-01', channel: 'sz-center', cost: 30, excludedBy: { ...NOT_ICBC } },
  { name: 'Futian (440304) charity, corporate CCB account, 2018 → sz-center', category: 'public_welfare', settlementRegion: '440304', ...CORPORATE_ACCOUNT, bank: 'CCB', amountFen: 10_000, date: '2018-01-01', channel: 'sz-center', cost: 30, excludedBy: { ...NOT_ICBC, unionpay: [UP] } },

  // A Beijing utility loses the Shenzhen center on 2017-12-07 but keeps the others.
  { name: 'BJ utility, ICBC card, before the notice → sz-center', ...UTILITY_BJ, ...PERSONAL_CARD, bank: 'ICBC', amountFen: 10_000, date: '2017-12-06', channel: 'sz-center', cost: 30, excludedBy: { ...NOT_CCB } },
  { name: 'BJ utility, ICBC card, the notice in force → tj-center', ...UTILITY_BJ, ...PERSONAL_CARD, bank: 'ICBC', amountFen: 10_000, date: '2017-12-07', channel: 'tj-center', cost: 30, excludedBy: { 'sz-center': [SZ], ...NOT_CCB } },
  { name: 'BJ utility, ICBC card, pboc-110 in force → tj-center', ...UTILITY_BJ, ...PERSONAL_CARD, bank: 'ICBC', amountFen: 10_000, date: '2018-01-01', channel: 'tj-center', cost: 30, excludedBy: { 'sz-center': [SZ], ...NOT_CCB } },
  { name: 'Guangzhou (440100) utility is not Shenzhen (4403) → tj-center', category: 'utility', settlementRegion: '440100', ...PERSONAL_CARD, bank: 'CCB', amountFen: 10_000, date: '2017-12-07', channel: 'tj-center', cost: 30, excludedBy: { 'sz-center': [SZ], ...NOT_ICBC } },

  // pboc-110 for a merchant outside Shenzhen, the day before and the day it takes effect.
  { name: 'BJ telecom, CCB card, last day before pboc-110 → tj-center', ...TELECOM_BJ, ...PERSONAL_CARD, bank: 'CCB', amountFen: 10_000, date: '2017-12-31', channel: 'tj-center', cost: 30, excludedBy: { 'sz-center': [SZ], ...NOT_ICBC } },
  { name: 'BJ telecom, CCB card, pboc-110 in force → direct-ccb', ...TELECOM_BJ, ...PERSONAL_CARD, bank: 'CCB', amountFen: 10_000, date: '2018-01-01', channel: 'direct-ccb', cost: 50, excludedBy: { ...CENTERS_CLOSED, ...NOT_ICBC } },

  // No collection center and no direct link: NetsUnion (min 60) beats UnionPay (min 80).
  { name: 'SZ telecom, CMB card, 2018 → netsunion at its minimum', ...TELECOM_SZ, ...PERSONAL_CARD, bank: 'CMB', amountFen: 10_000, date: '2018-01-01', channel: 'netsunion', cost: 60, excludedBy: { ...CENTERS_CLOSED, ...NOT_ICBC, ...NOT_CCB }, costs: { unionpay: 80 } },
  { name: 'SZ telecom, CMB card, 2018, netsunion breaker open → unionpay', ...TELECOM_SZ, ...PERSONAL_CARD, bank: 'CMB', amountFen: 10_000, date: '2018-01-01', unavailable: ['netsunion'], channel: 'unionpay', cost: 80, excludedBy: { ...CENTERS_CLOSED, ...NOT_ICBC, ...NOT_CCB } },

  // Corporate accounts never reach UnionPay, whatever the date.
  { name: 'SZ telecom, corporate CMB account, 2017 → sz-center, unionpay refused', ...TELECOM_SZ, ...CORPORATE_ACCOUNT, bank: 'CMB', amountFen: 10_000, date: '2017-12-06', channel: 'sz-center', cost: 30, excludedBy: { ...NOT_ICBC, ...NOT_CCB, unionpay: [UP] } },
  { name: 'SZ telecom, corporate CMB account, 2018 → netsunion, unionpay refused', ...TELECOM_SZ, ...CORPORATE_ACCOUNT, bank: 'CMB', amountFen: 10_000, date: '2018-01-01', channel: 'netsunion', cost: 60, excludedBy: { ...CENTERS_CLOSED, ...NOT_ICBC, ...NOT_CCB, unionpay: [UP] } },
  { name: 'SZ telecom, corporate CMB account, 2018, netsunion breaker open → none', ...TELECOM_SZ, ...CORPORATE_ACCOUNT, bank: 'CMB', amountFen: 10_000, date: '2018-01-01', unavailable: ['netsunion'], channel: null, cost: null, excludedBy: { ...CENTERS_CLOSED, ...NOT_ICBC, ...NOT_CCB, unionpay: [UP] } },

  // Costs that depend on the amount: NetsUnion's 0.06 % passes the direct link's 50 fen.
  { name: 'SZ telecom, ICBC card, 10,000 yuan → direct-icbc, netsunion at its rate', ...TELECOM_SZ, ...PERSONAL_CARD, bank: 'ICBC', amountFen: 1_000_000, date: '2018-01-01', channel: 'direct-icbc', cost: 50, excludedBy: { ...CENTERS_CLOSED, ...NOT_CCB }, costs: { netsunion: 600, unionpay: 800 } },
  { name: 'BJ telecom, CCB card, 50,000 yuan → direct-ccb, both schemes at their maximum', ...TELECOM_BJ, ...PERSONAL_CARD, bank: 'CCB', amountFen: 5_000_000, date: '2018-01-01', channel: 'direct-ccb', cost: 50, excludedBy: { ...CENTERS_CLOSED, ...NOT_ICBC }, costs: { netsunion: 2_000, unionpay: 3_000 } },

  // A payer whose bank is unknown matches no direct link.
  { name: 'SZ telecom, unknown bank, 2017 → sz-center, no direct link', ...TELECOM_SZ, ...PERSONAL_CARD, bank: null, amountFen: 10_000, date: '2017-12-06', channel: 'sz-center', cost: 30, excludedBy: { ...NOT_ICBC, ...NOT_CCB } },
  { name: 'SZ telecom, unknown bank, 2018, 1,675 yuan → netsunion, 100.5 fen rounded up', ...TELECOM_SZ, accountKind: 'personal', medium: 'virtual_account', bank: null, amountFen: 167_500, date: '2018-01-01', channel: 'netsunion', cost: 101, excludedBy: { ...CENTERS_CLOSED, ...NOT_ICBC, ...NOT_CCB }, costs: { unionpay: 134 } },
];

describe('scenario cn-2017', () => {
  it('has the channels and rules of SPEC §6', () => {
    expect(router.channels.map((channel) => channel.id)).toEqual([...CHANNELS]);
    expect(router.rules.map((rule) => rule.id).sort()).toEqual(Object.keys(EFFECTIVE_FROM).sort());
  });

  it('the table exercises every rule of the scenario, each as an exclusion', () => {
    const used = new Set(ROWS.flatMap((row) => Object.values(row.excludedBy).flat()));
    expect([...used].sort()).toEqual(router.rules.map((rule) => rule.id).sort());
  });

  it.each(ROWS)('$name', (row) => {
    const input = routingInput(
      { category: row.category, settlement_region_code: row.settlementRegion },
      { account_kind: row.accountKind, medium: row.medium, bank_code: row.bank, region_code: null },
      row.amountFen,
      row.date as BusinessDate,
    );
    const unavailable = new Set<string>(row.unavailable ?? []);
    const decision = router.route(input, { unavailable });

    expect(decision.at).toBe(row.date);
    expect({ channel: decision.channel, cost: decision.cost }).toEqual({ channel: row.channel, cost: row.cost });
    if (decision.channel !== null) expect(decision.cost).toBe(costOf.get(decision.channel)!(row.amountFen));

    expect(decision.considered.map((entry) => entry.channel)).toEqual([...CHANNELS]);
    for (const entry of decision.considered) {
      const channel = entry.channel as ChannelId;
      const ruleIds = row.excludedBy[channel] ?? [];
      const reasons: ExclusionReason[] = [...(ruleIds.length > 0 ? (['rule'] as const) : []), ...(unavailable.has(channel) ? (['channel_unavailable'] as const) : [])];
      expect({ channel, excluded_by: entry.excluded_by.map((ref) => ref.id).sort(), reasons: entry.reasons, eligible: entry.eligible }).toEqual({
        channel,
        excluded_by: [...ruleIds].sort(),
        reasons,
        eligible: reasons.length === 0,
      });
      expect(entry.excluded_by.every((ref) => ref.version === 1)).toBe(true);
      expect(entry.cost).toBe(costOf.get(channel)!(row.amountFen));
      const expectedCost = row.costs?.[channel];
      if (expectedCost !== undefined) expect(entry.cost).toBe(expectedCost);
    }

    expect(decision.rules.map((ref) => ref.id).sort()).toEqual(rulesInForce(row.date));
    expect(decision.rules.every((ref) => ref.version === 1)).toBe(true);

    // `choose` has no breaker state: it must agree with `route` wherever every channel is healthy.
    if (unavailable.size === 0) {
      expect(router.choose(input)).toEqual(decision.channel === null ? null : { channel: decision.channel, cost: decision.cost });
    }
  });
});
