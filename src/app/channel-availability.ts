import { CircuitBreaker, type Clock } from '../core/index.js';

/**
 * Each channel's circuit breaker, in this process's memory: the worker records every answer in
 * it, routing avoids the channels whose breaker is open.
 */
export class ChannelAvailability {
  constructor(
    private readonly clock: Clock,
    readonly breaker: CircuitBreaker = new CircuitBreaker(3, 30_000),
  ) {}

  unavailableChannels(): Set<string> {
    return this.breaker.openChannels(this.clock.now().getTime());
  }
}
