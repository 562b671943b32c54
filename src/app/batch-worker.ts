import type { AppContext } from './context.js';
import { processBatch } from './batches.js';
import { WorkerHealth } from './worker-health.js';
import { systemClock } from '../core/index.js';

/**
 * Processes uploaded batches in the background, oldest first, one at a time per process. A batch
 * interrupted by a crash is simply taken up again from its cursor.
 */
export class BatchWorker {
  #running = false;
  #wake: (() => void) | null = null;
  /** A wake-up that came while the worker was busy: the next wait is skipped. */
  #woken = false;
  #loop: Promise<void> = Promise.resolve();
  /** Its rounds, for `/healthz`. */
  readonly health = new WorkerHealth(systemClock);

  constructor(private readonly ctx: AppContext) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      this.#woken = false;
      let worked = false;
      try {
        for (const batch of await this.ctx.store.listProcessingBatches()) {
          if (!this.#running) break;
          await processBatch(this.ctx, batch);
          worked = true;
        }
        this.health.recordSuccess();
      } catch (error) {
        this.health.recordFailure();
        this.ctx.logger.error({ err: error }, 'batch processing failed; retrying');
      }
      if (!worked && this.#running && !this.#woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 500);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}
