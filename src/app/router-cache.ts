import { createRouter, type Clock, type Router } from '../core/index.js';
import type { CatalogStore, ChannelRow, FeePlanRow } from './ports.js';
import { channelFromRow, ruleFromRow } from './routing-rows.js';

/** Told what each reload read, so that what is built from the same rows stays in step with the router. */
export interface RouterCacheListener {
  channels(rows: readonly ChannelRow[]): void;
  feePlans(rows: readonly FeePlanRow[]): void;
}

/**
 * Channels and rules held in memory, compiled into a Router. Reloaded when this process changes
 * them (`invalidate`), and at least every `refreshMs`, so that several processes on one database
 * converge; concurrent callers share one load.
 */
export class RouterCache {
  #router: Router | null = null;
  #loadedAtMs = 0;
  #loading: Promise<Router> | null = null;

  constructor(
    private readonly store: Pick<CatalogStore, 'listChannels' | 'listCurrentRules' | 'listFeePlans'>,
    private readonly clock: Clock,
    private readonly listener: RouterCacheListener,
    private readonly refreshMs = 5_000,
  ) {}

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

  async #load(): Promise<Router> {
    const [channels, rules, plans] = await Promise.all([this.store.listChannels(), this.store.listCurrentRules(), this.store.listFeePlans()]);
    this.listener.feePlans(plans);
    this.listener.channels(channels);
    this.#router = createRouter(
      channels.map(channelFromRow),
      rules.filter((row) => row.retired === 0).map(ruleFromRow),
    );
    this.#loadedAtMs = this.clock.now().getTime();
    return this.#router;
  }
}
