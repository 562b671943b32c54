import { describe, expect, it } from 'vitest';
import { RouterCache } from '../../src/app/router-cache.js';
import type { ChannelRow, Store } from '../../src/app/ports.js';
import type { Clock } from '../../src/core/index.js';

/** A store that counts the reloads the cache makes and holds whatever channel rows the test puts in. */
function countingStore(): { store: Store; loads: () => number; channels: ChannelRow[] } {
  let loads = 0;
  const channels: ChannelRow[] = [];
  const store = {
    listChannels: async () => {
      loads += 1;
      return [...channels];
    },
    listCurrentRules: async () => [],
    listFeePlans: async () => [],
  } as unknown as Store;
  return { store, loads: () => loads, channels };
}

const channel = (id: string): ChannelRow =>
  ({ id, type: 'clearing_org', name: id, region_code: null, bank_code: null, capabilities: '["debit"]', cost_schedule: '{}', priority: 1, enabled: 1, endpoint: 'sandbox', created_at: '2026-01-01T00:00:00Z', updated_at: null }) as ChannelRow;

/** A clock that moves only when told to. */
class ManualClock implements Clock {
  #ms = Date.parse('2026-03-02T10:00:00+08:00');
  now(): Date {
    return new Date(this.#ms);
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}

describe('RouterCache', () => {
  it('loads once while fresh, again after invalidate or once refreshMs has passed, and tells the listener each time', async () => {
    const clock = new ManualClock();
    const { store, loads, channels } = countingStore();
    const told: string[][] = [];
    const cache = new RouterCache(store, clock, { channels: (rows) => told.push(rows.map((row) => row.id)), feePlans: () => {} }, 5_000);
    channels.push(channel('a'));
    await Promise.all([cache.router(), cache.router()]);
    await cache.router();
    expect(loads()).toBe(1);
    channels.push(channel('b'));
    cache.invalidate();
    await cache.router();
    expect(loads()).toBe(2);
    clock.advance(4_999);
    await cache.router();
    expect(loads()).toBe(2);
    clock.advance(1);
    await cache.router();
    expect(loads()).toBe(3);
    expect(told).toEqual([['a'], ['a', 'b'], ['a', 'b']]);
  });

  it('reloads when the clock is set back before the last load', async () => {
    const clock = new ManualClock();
    const { store, loads } = countingStore();
    const cache = new RouterCache(store, clock, { channels: () => {}, feePlans: () => {} });
    await cache.router();
    clock.advance(-1_000);
    await cache.router();
    expect(loads()).toBe(2);
  });
});
