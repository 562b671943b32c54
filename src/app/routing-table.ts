import {
  CircuitBreaker,
  compileFeeSchedule,
  createRouter,
  type BusinessDate,
  type Capability,
  type Clock,
  type FeeSchedule,
  type RoutableChannel,
  type Router,
  type RoutingInput,
  type RoutingRule,
  type RuleConditions,
} from '../core/index.js';
import { SANDBOX_ENDPOINT } from './sandbox-endpoint.js';
import { activePlan, planInForce, type ActivePlan } from './plan-versions.js';
import type { CatalogStore, ChannelRow, MandateRow, MerchantRow, RuleRow, Store } from './ports.js';

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

/**
 * Channels, rules and fee plans held in memory, compiled into a Router, with each channel's circuit
 * breaker. Reloaded when this process changes them, and at least every `refreshMs`, so that
 * several processes on one database converge.
 */
export class RoutingTable {
  readonly breaker: CircuitBreaker;
  #router: Router | null = null;
  #endpoints = new Map<string, string>();
  #plans: ActivePlan[] = [];
  #loadedAtMs = 0;
  #loading: Promise<Router> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Where channels whose endpoint is `sandbox` are reached. */
    private readonly sandboxUrl: string,
    private readonly refreshMs = 5_000,
    breaker = new CircuitBreaker(3, 30_000),
  ) {
    this.breaker = breaker;
  }

  async router(): Promise<Router> {
    const nowMs = this.clock.now().getTime();
    if (this.#router !== null && nowMs - this.#loadedAtMs < this.refreshMs && nowMs >= this.#loadedAtMs) return this.#router;
    this.#loading ??= this.#load().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  invalidate(): void {
    this.#router = null;
  }

  /** The endpoint of a channel; throws for a channel the table does not know (a bug). */
  endpoint(channelId: string): string {
    const endpoint = this.#endpoints.get(channelId);
    if (endpoint === undefined) throw new Error(`no endpoint for channel ${channelId}`);
    return endpoint;
  }

  /**
   * A merchant, read fresh: its plans may have been changed by another process. Inside a
   * transaction pass it as `reader`: on SQLite the store has one connection, which the
   * transaction holds.
   */
  async merchant(id: string, reader: CatalogStore = this.store): Promise<MerchantRow | null> {
    return reader.getMerchant(id);
  }

  /** The version of a fee plan in force on a date; null when none is (yet). Call router() first. */
  plan(id: string, date: BusinessDate): ActivePlan | null {
    return planInForce(this.#plans, id, date);
  }

  unavailableChannels(): Set<string> {
    return this.breaker.openChannels(this.clock.now().getTime());
  }

  async #load(): Promise<Router> {
    const [channels, rules, plans] = await Promise.all([this.store.listChannels(), this.store.listCurrentRules(), this.store.listFeePlans()]);
    this.#plans = plans.map(activePlan);
    this.#endpoints = new Map(channels.map((row) => [row.id, row.endpoint === SANDBOX_ENDPOINT ? this.sandboxUrl : row.endpoint]));
    this.#router = createRouter(
      channels.map(channelFromRow),
      rules.filter((row) => row.retired === 0).map(ruleFromRow),
    );
    this.#loadedAtMs = this.clock.now().getTime();
    return this.#router;
  }
}
