import type { BusinessDate } from '../kernel/clock.js';

export const CHANNEL_TYPES = ['collection_center', 'clearing_org', 'card_scheme', 'direct_bank'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const CAPABILITIES = ['debit', 'payout'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * What a rule may test (SPEC §6). Every listed condition must hold (AND); within one, any listed
 * value will do (OR). Regions match by prefix (`4403` is Shenzhen). `payer.bank: "channel.bank"`
 * is the pseudo-condition "the payer's bank is the channel's own bank".
 */
export interface RuleConditions {
  'merchant.category'?: string[] | undefined;
  'merchant.settlement_region'?: string[] | undefined;
  'payer.account_kind'?: string[] | undefined;
  'payer.medium'?: string[] | undefined;
  'payer.bank'?: string[] | 'channel.bank' | undefined;
  'payer.region'?: string[] | undefined;
  'instruction.kind'?: string[] | undefined;
  amount?: { min?: number | undefined; max?: number | undefined } | undefined;
}

/** One version of a rule. Editing a rule makes a new version; debits keep the versions that routed them. */
export interface RoutingRule {
  id: string;
  version: number;
  title: string;
  /** The regulation or notice the rule comes from. */
  source: string;
  /** First and last business dates on which the rule is in force; null is open-ended. */
  effectiveFrom: BusinessDate | null;
  effectiveUntil: BusinessDate | null;
  appliesTo: { channels?: string[] | undefined; types?: ChannelType[] | undefined };
  /** `allow_only`: the instruction must match; `deny`: it must not. */
  effect: 'allow_only' | 'deny';
  conditions: RuleConditions;
}

/** The facts about one instruction that routing may look at. */
export interface RoutingInput {
  kind: Capability;
  amountFen: number;
  businessDate: BusinessDate;
  merchant: { category: string; settlementRegion: string };
  payer: { accountKind: string; medium: string; bank: string | null; region: string | null };
}

export function ruleAppliesTo(rule: RoutingRule, channel: { id: string; type: ChannelType }): boolean {
  return (rule.appliesTo.channels?.includes(channel.id) ?? false) || (rule.appliesTo.types?.includes(channel.type) ?? false);
}

export function ruleInForce(rule: RoutingRule, date: BusinessDate): boolean {
  return (rule.effectiveFrom === null || rule.effectiveFrom <= date) && (rule.effectiveUntil === null || date <= rule.effectiveUntil);
}

const startsWithAny = (value: string | null, prefixes: string[]) => value !== null && prefixes.some((prefix) => value.startsWith(prefix));

/** Whether the instruction matches every condition; an unknown payer bank or region matches nothing. */
export function conditionsMatch(conditions: RuleConditions, input: RoutingInput, channelBank: string | null): boolean {
  const c = conditions;
  if (c['merchant.category'] && !c['merchant.category'].includes(input.merchant.category)) return false;
  if (c['merchant.settlement_region'] && !startsWithAny(input.merchant.settlementRegion, c['merchant.settlement_region'])) return false;
  if (c['payer.account_kind'] && !c['payer.account_kind'].includes(input.payer.accountKind)) return false;
  if (c['payer.medium'] && !c['payer.medium'].includes(input.payer.medium)) return false;
  const bank = c['payer.bank'];
  if (bank === 'channel.bank') {
    if (input.payer.bank === null || channelBank === null || input.payer.bank !== channelBank) return false;
  } else if (bank && (input.payer.bank === null || !bank.includes(input.payer.bank))) return false;
  if (c['payer.region'] && !startsWithAny(input.payer.region, c['payer.region'])) return false;
  if (c['instruction.kind'] && !c['instruction.kind'].includes(input.kind)) return false;
  if (c.amount?.min !== undefined && input.amountFen < c.amount.min) return false;
  if (c.amount?.max !== undefined && input.amountFen > c.amount.max) return false;
  return true;
}

/** Whether a rule in force lets the channel carry the instruction. */
export function ruleAllows(rule: RoutingRule, input: RoutingInput, channelBank: string | null): boolean {
  const matched = conditionsMatch(rule.conditions, input, channelBank);
  return rule.effect === 'allow_only' ? matched : !matched;
}
