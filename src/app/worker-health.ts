import { formatInstant, type Clock } from '../core/index.js';

/** A worker is reported failing once this many of its rounds in a row have failed. */
export const WORKER_FAILED_ROUNDS_MAX = 5;

export interface WorkerHealthView {
  status: 'ok' | 'failing';
  consecutive_failures: number;
  /** When a round last failed (RFC 3339 at +08:00), or null if none has. */
  last_error_at: string | null;
}

/**
 * How one background loop's rounds are going, for `/healthz`: a loop whose every round fails
 * (the database refuses, a bug throws) otherwise goes on retrying in silence behind an "ok".
 * Times come from the machine's clock, not the test clock: an operator reads them.
 */
export class WorkerHealth {
  #consecutiveFailures = 0;
  #lastErrorAt: Date | null = null;

  constructor(private readonly clock: Clock) {}

  recordSuccess(): void {
    this.#consecutiveFailures = 0;
  }

  recordFailure(): void {
    this.#consecutiveFailures += 1;
    this.#lastErrorAt = this.clock.now();
  }

  get failing(): boolean {
    return this.#consecutiveFailures >= WORKER_FAILED_ROUNDS_MAX;
  }

  view(): WorkerHealthView {
    return {
      status: this.failing ? 'failing' : 'ok',
      consecutive_failures: this.#consecutiveFailures,
      last_error_at: this.#lastErrorAt === null ? null : formatInstant(this.#lastErrorAt),
    };
  }
}

/** What `/healthz` says of the workers: each one's view, and whether any is failing. */
export function workersHealth(workers: Readonly<Record<string, WorkerHealth>>): { failing: boolean; views: Record<string, WorkerHealthView> } {
  const entries = Object.entries(workers);
  return {
    failing: entries.some(([, health]) => health.failing),
    views: Object.fromEntries(entries.map(([name, health]) => [name, health.view()])),
  };
}
