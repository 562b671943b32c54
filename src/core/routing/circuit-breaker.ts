/**
 * Opens a channel after `failuresMax` consecutive transport failures and keeps it open for
 * `cooldownMs`. After the cooldown, traffic may try it again; until a success resets the count,
 * one more failure opens it at once (there is no single-trial half-open state: a round routed
 * right after the cooldown may all go to the channel). Time comes in as a number so that the
 * breaker is deterministic.
 */
export class CircuitBreaker {
  readonly #state = new Map<string, { failures: number; openUntilMs: number }>();

  constructor(
    private readonly failuresMax: number,
    private readonly cooldownMs: number,
  ) {}

  recordFailure(channel: string, nowMs: number): void {
    const state = this.#state.get(channel) ?? { failures: 0, openUntilMs: 0 };
    state.failures += 1;
    if (state.failures >= this.failuresMax) state.openUntilMs = nowMs + this.cooldownMs;
    this.#state.set(channel, state);
  }

  recordSuccess(channel: string): void {
    this.#state.delete(channel);
  }

  isOpen(channel: string, nowMs: number): boolean {
    const state = this.#state.get(channel);
    return state !== undefined && state.openUntilMs > nowMs;
  }

  /** What the breaker knows of one channel now: its consecutive failures, and until when it is open (null when it is not). */
  health(channel: string, nowMs: number): { failures: number; openUntilMs: number | null } {
    const state = this.#state.get(channel);
    if (state === undefined) return { failures: 0, openUntilMs: null };
    return { failures: state.failures, openUntilMs: state.openUntilMs > nowMs ? state.openUntilMs : null };
  }

  /** Channels open now, for routing to leave out. */
  openChannels(nowMs: number): Set<string> {
    const open = new Set<string>();
    for (const [channel, state] of this.#state) if (state.openUntilMs > nowMs) open.add(channel);
    return open;
  }
}
