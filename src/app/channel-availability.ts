import { CircuitBreaker, type Clock } from '../core/index.js';

/** A channel's health in this process: its breaker, its consecutive transport failures and until when it is open. */
export interface ChannelHealth {
  breaker: 'open' | 'closed';
  consecutiveFailures: number;
  openUntil: Date | null;
}

/**
 * Each channel's circuit breaker, in this process's memory: the worker records every answer in
 * it, routing avoids the channels whose breaker is open.
 */
export class ChannelAvailability {
  constructor(
    private readonly clock: Clock,
    readonly breaker: CircuitBreaker = new CircuitBreaker(3, 30_000),
  ) {}

  /** One channel's breaker, as the console shows it (GET /v1/channels). */
  health(channel: string): ChannelHealth {
    const { failures, openUntilMs } = this.breaker.health(channel, this.clock.now().getTime());
    return { breaker: openUntilMs === null ? 'closed' : 'open', consecutiveFailures: failures, openUntil: openUntilMs === null ? null : new Date(openUntilMs) };
  }

  unavailableChannels(): Set<string> {
    return this.breaker.openChannels(this.clock.now().getTime());
  }
}
