import type { CompiledFeeSchedule } from '../fees/schedule.js';
import { ruleAllows, ruleAppliesTo, ruleInForce, type Capability, type ChannelType, type RoutingInput, type RoutingRule } from './rules.js';

export * from './rules.js';
export * from './circuit-breaker.js';

/**
 * Routing (SPEC §6): keep the channels that have the capability, are enabled and healthy, and
 * that every rule in force on the instruction's business date allows; pick the lowest cost, then
 * the lowest priority, then the id. Every channel considered stays in the decision with what
 * excluded it, so that a debit can say why it went where it went.
 */
export interface RoutableChannel {
  id: string;
  type: ChannelType;
  priority: number;
  capabilities: readonly Capability[];
  bankCode: string | null;
  enabled: boolean;
  cost: CompiledFeeSchedule;
}

export type ExclusionReason = 'capability_missing' | 'channel_disabled' | 'channel_unavailable' | 'not_received' | 'rule';

export interface RuleRef {
  id: string;
  version: number;
}

export interface ChannelConsidered {
  channel: string;
  eligible: boolean;
  reasons: ExclusionReason[];
  /** The rules in force that excluded the channel. */
  excluded_by: RuleRef[];
  cost: number;
}

export interface RoutingDecision {
  /** The business date the rules were read at. */
  at: string;
  channel: string | null;
  cost: number | null;
  considered: ChannelConsidered[];
  /** Every rule version in force that applied to a channel considered. */
  rules: RuleRef[];
}

export interface RouteOptions {
  /** Channels whose circuit breaker is open. */
  unavailable?: ReadonlySet<string>;
  /** Channels that confirmed they did not receive this instruction: try another first. */
  avoid?: ReadonlySet<string>;
}

export interface Router {
  route(input: RoutingInput, options?: RouteOptions): RoutingDecision;
  /** The same choice as `route`, without the explanation: for replaying many instructions. */
  choose(input: RoutingInput): { channel: string; cost: number } | null;
  readonly channels: readonly RoutableChannel[];
  readonly rules: readonly RoutingRule[];
}

/** Compiles channels and rules once; `route` then does no parsing and no I/O. */
export function createRouter(channels: readonly RoutableChannel[], rules: readonly RoutingRule[]): Router {
  const sorted = [...channels].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rulesFor = new Map(sorted.map((channel) => [channel.id, rules.filter((rule) => ruleAppliesTo(rule, channel))]));
  const compiled = sorted.map((channel) => ({ channel, rules: rulesFor.get(channel.id)! }));
  return {
    channels: sorted,
    rules,
    choose(input) {
      let best: { channel: string; cost: number } | null = null;
      for (const { channel, rules: channelRules } of compiled) {
        if (!channel.enabled || !channel.capabilities.includes(input.kind)) continue;
        let allowed = true;
        for (const rule of channelRules) {
          if (ruleInForce(rule, input.businessDate) && !ruleAllows(rule, input, channel.bankCode)) {
            allowed = false;
            break;
          }
        }
        if (!allowed) continue;
        const cost = channel.cost(input.amountFen);
        if (best === null || cost < best.cost) best = { channel: channel.id, cost };
      }
      return best;
    },
    route(input, options = {}) {
      const considered: ChannelConsidered[] = [];
      const applied = new Map<string, RuleRef>();
      let best: { entry: ChannelConsidered; priority: number } | null = null;
      let fallback: { entry: ChannelConsidered; priority: number } | null = null;
      for (const channel of sorted) {
        const reasons: ExclusionReason[] = [];
        const excludedBy: RuleRef[] = [];
        if (!channel.capabilities.includes(input.kind)) reasons.push('capability_missing');
        if (!channel.enabled) reasons.push('channel_disabled');
        for (const rule of rulesFor.get(channel.id)!) {
          if (!ruleInForce(rule, input.businessDate)) continue;
          const ref = { id: rule.id, version: rule.version };
          applied.set(`${rule.id}@${rule.version}`, ref);
          if (!ruleAllows(rule, input, channel.bankCode)) excludedBy.push(ref);
        }
        if (excludedBy.length > 0) reasons.push('rule');
        const legal = reasons.length === 0;
        if (options.unavailable?.has(channel.id)) reasons.push('channel_unavailable');
        const avoided = options.avoid?.has(channel.id) ?? false;
        if (avoided) reasons.push('not_received');
        const entry: ChannelConsidered = { channel: channel.id, eligible: reasons.length === 0, reasons, excluded_by: excludedBy, cost: channel.cost(input.amountFen) };
        considered.push(entry);
        if (entry.eligible && (best === null || entry.cost < best.entry.cost)) best = { entry, priority: channel.priority };
        // A channel that is legal and healthy but already refused this instruction is the last resort.
        const lastResort = legal && avoided && !options.unavailable?.has(channel.id);
        if (lastResort && (fallback === null || entry.cost < fallback.entry.cost)) fallback = { entry, priority: channel.priority };
      }
      const chosen = best ?? fallback;
      return {
        at: input.businessDate,
        channel: chosen?.entry.channel ?? null,
        cost: chosen?.entry.cost ?? null,
        considered,
        rules: [...applied.values()],
      };
    },
  };
}
