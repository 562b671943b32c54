/**
 * Routing (SPEC §6): keep the channels that may carry the instruction, pick the cheapest, break
 * ties by priority and then id. Every channel considered is kept in the decision with the
 * reasons it was excluded, so that `GET /v1/debits/{id}` can say why.
 */
export const CHANNEL_TYPES = ['collection_center', 'clearing_org', 'card_scheme', 'direct_bank'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export type Capability = 'debit' | 'payout';

export interface RoutableChannel {
  id: string;
  type: ChannelType;
  priority: number;
  capabilities: readonly Capability[];
  healthy: boolean;
}

export interface Instruction {
  kind: Capability;
  amountFen: number;
}

export type ExclusionReason = 'capability_missing' | 'channel_unhealthy';

export interface ChannelConsidered {
  channel: string;
  eligible: boolean;
  reasons: ExclusionReason[];
  cost: number;
}

export interface RoutingDecision {
  channel: string | null;
  considered: ChannelConsidered[];
}

export function route(channels: readonly RoutableChannel[], instruction: Instruction): RoutingDecision {
  const considered = channels.map((channel): ChannelConsidered & { priority: number } => {
    const reasons: ExclusionReason[] = [];
    if (!channel.capabilities.includes(instruction.kind)) reasons.push('capability_missing');
    if (!channel.healthy) reasons.push('channel_unhealthy');
    // Costs come with channel cost schedules; until then every channel costs nothing.
    return { channel: channel.id, eligible: reasons.length === 0, reasons, cost: 0, priority: channel.priority };
  });
  const best = considered
    .filter((entry) => entry.eligible)
    .sort((a, b) => a.cost - b.cost || a.priority - b.priority || (a.channel < b.channel ? -1 : 1))[0];
  return {
    channel: best?.channel ?? null,
    considered: considered.map(({ priority: _priority, ...entry }) => entry),
  };
}
