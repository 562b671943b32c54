import type { BusinessDate, CircuitBreaker, Clock, Router } from '../core/index.js';
import { ChannelAvailability, type ChannelHealth } from './channel-availability.js';
import { FeePlansInForce } from './fee-plans-in-force.js';
import type { ActivePlan } from './plan-versions.js';
import type { CatalogStore, ChannelRow, MerchantRow } from './ports.js';
import { RouterCache } from './router-cache.js';

export { channelFromRow, routingInput, ruleFromRow } from './routing-rows.js';

/**
 * What the use cases read to route and price a debit, in one place on the context: the router
 * cache (channels and rules compiled), the fee plans loaded with it, merchant reads and each
 * channel's breaker. Each job is a module of its own; this only composes them.
 */
export class RoutingTable {
  readonly #cache: RouterCache;
  readonly #plans = new FeePlansInForce();
  readonly #availability: ChannelAvailability;

  constructor(
    /** Where channels, rules, fee plans and merchants are read: the catalog, never a transaction's writes. */
    private readonly store: CatalogStore,
    clock: Clock,
    /** Told the channel rows at every reload: the connector registry builds its connectors from them. */
    onChannels: (channels: readonly ChannelRow[]) => void,
    refreshMs = 5_000,
    breaker?: CircuitBreaker,
  ) {
    this.#availability = new ChannelAvailability(clock, breaker);
    this.#cache = new RouterCache(store, clock, { channels: onChannels, feePlans: (rows) => this.#plans.replace(rows) }, refreshMs);
  }

  get breaker(): CircuitBreaker {
    return this.#availability.breaker;
  }

  router(): Promise<Router> {
    return this.#cache.router();
  }

  invalidate(): void {
    this.#cache.invalidate();
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
    return this.#plans.plan(id, date);
  }

  /** One channel's breaker in this process (each hub process keeps its own). */
  channelHealth(channel: string): ChannelHealth {
    return this.#availability.health(channel);
  }

  unavailableChannels(): Set<string> {
    return this.#availability.unavailableChannels();
  }
}
