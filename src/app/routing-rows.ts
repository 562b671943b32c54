import {
  compileFeeSchedule,
  type BusinessDate,
  type Capability,
  type FeeSchedule,
  type RoutableChannel,
  type RoutingInput,
  type RoutingRule,
  type RuleConditions,
} from '../core/index.js';
import type { ChannelRow, MandateRow, MerchantRow, RuleRow } from './ports.js';

// The routing domain's inputs read from stored rows: what the router cache compiles, and what a
// debit is routed by. Pure functions, shared by the cache, the use cases and the what-if simulation.

export function channelFromRow(row: ChannelRow): RoutableChannel {
  return {
    id: row.id,
    type: row.type,
    priority: row.priority,
    capabilities: JSON.parse(row.capabilities) as Capability[],
    bankCode: row.bank_code,
    enabled: row.enabled === 1,
    cost: compileFeeSchedule(JSON.parse(row.cost_schedule) as FeeSchedule),
  };
}

export function ruleFromRow(row: RuleRow): RoutingRule {
  return {
    id: row.id,
    version: row.version,
    title: row.title,
    source: row.source,
    effectiveFrom: row.effective_from as BusinessDate | null,
    effectiveUntil: row.effective_until as BusinessDate | null,
    appliesTo: JSON.parse(row.applies_to) as RoutingRule['appliesTo'],
    effect: row.effect,
    conditions: JSON.parse(row.conditions) as RuleConditions,
  };
}

/** The routing inputs of a debit under a mandate of a merchant. */
export function routingInput(merchant: Pick<MerchantRow, 'category' | 'settlement_region_code'>, mandate: Pick<MandateRow, 'account_kind' | 'medium' | 'bank_code' | 'region_code'>, amountFen: number, businessDate: BusinessDate): RoutingInput {
  return {
    kind: 'debit',
    amountFen,
    businessDate,
    merchant: { category: merchant.category, settlementRegion: merchant.settlement_region_code },
    payer: { accountKind: mandate.account_kind, medium: mandate.medium, bank: mandate.bank_code, region: mandate.region_code },
  };
}

/** The routing inputs of a payout: the payee stands where a debit's payer does (rules on `payer.*` read the payee). */
export function payoutRoutingInput(merchant: Pick<MerchantRow, 'category' | 'settlement_region_code'>, payee: { accountKind: string; medium: string; bankCode: string | null }, amountFen: number, businessDate: BusinessDate): RoutingInput {
  return {
    kind: 'payout',
    amountFen,
    businessDate,
    merchant: { category: merchant.category, settlementRegion: merchant.settlement_region_code },
    payer: { accountKind: payee.accountKind, medium: payee.medium, bank: payee.bankCode, region: null },
  };
}
