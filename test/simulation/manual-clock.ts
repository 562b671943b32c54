import type { Clock } from '../../src/core/index.js';

/** The clock of the simulation: it moves only when a step moves it. */
export class ManualClock implements Clock {
  #nowMs: number;

  constructor(start: Date) {
    this.#nowMs = start.getTime();
  }

  now(): Date {
    return new Date(this.#nowMs);
  }

  set(ms: number): void {
    if (ms < this.#nowMs) throw new Error('the simulated clock never goes back');
    this.#nowMs = ms;
  }
}
