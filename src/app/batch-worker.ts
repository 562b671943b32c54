import fs from 'node:fs';
import path from 'node:path';
import type { AppContext, BatchSettings } from './context.js';
import { batchError, maskFileText } from './batch-errors.js';
import { endBatch, processBatch } from './batches.js';
import type { BatchRow } from './ports.js';
import { WorkerHealth } from './worker-health.js';
import { systemClock } from '../core/index.js';

/** Due batches read per round; each is taken in turn, and the list is read again after. */
const DUE_BATCHES_MAX = 20;
/** An upload file this old at start was cut off by a crash. */
const ABANDONED_UPLOAD_MS = 60 * 60 * 1000;
/** Idle wait between rounds when nothing was due. */
const IDLE_MS = 500;

/** The wait before the next attempt after `attempts` unexpected errors: doubling, capped. */
export function batchRetryDelayMs(attempts: number, settings: Pick<BatchSettings, 'retryDelayMs' | 'retryDelayMsMax'>): number {
  return Math.min(settings.retryDelayMsMax, settings.retryDelayMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Processes uploaded batches in the background, oldest first, one at a time per process. A batch
 * interrupted by a crash is simply taken up again from its cursor.
 *
 * One batch never holds up the others: a file that cannot be read fails its own batch (processBatch),
 * and an unexpected error is logged, then the batch waits with backoff while the others are taken;
 * after `attemptsMax` such errors it fails `internal_error`.
 */
export class BatchWorker {
  #running = false;
  #wake: (() => void) | null = null;
  /** A wake-up that came while the worker was busy: the next wait is skipped. */
  #woken = false;
  #loop: Promise<void> = Promise.resolve();
  /** Its rounds, for `/healthz`: a round fails when it cannot list its batches or a batch met an unexpected error. */
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
    await this.#sweep();
    while (this.#running) {
      this.#woken = false;
      let worked = false;
      let failed = false;
      let due: BatchRow[] = [];
      try {
        due = await this.ctx.store.listDueBatches(this.ctx.clock.now().toISOString(), DUE_BATCHES_MAX);
      } catch (error) {
        failed = true;
        this.#logUnexpected(error, {}, 'could not list the batches to process; trying again');
      }
      for (const batch of due) {
        if (!this.#running) break;
        const outcome = await this.#take(batch);
        if (outcome !== 'unrecorded') worked = true;
        if (outcome !== 'processed') failed = true;
      }
      if (failed) this.health.recordFailure();
      else this.health.recordSuccess();
      if (!worked && this.#running && !this.#woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_MS);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /**
   * Processes one batch: `processed` (completed, or failed for its file), `retrying` (an unexpected
   * error, recorded with its backoff or as the batch's failure), or `unrecorded` (not even that).
   */
  async #take(batch: BatchRow): Promise<'processed' | 'retrying' | 'unrecorded'> {
    try {
      await processBatch(this.ctx, batch);
      return 'processed';
    } catch (error) {
      const settings = this.ctx.batches;
      const attempts = batch.attempts + 1;
      try {
        if (attempts >= settings.attemptsMax) {
          this.#logUnexpected(error, { batch_id: batch.id, attempt: attempts, attempts_max: settings.attemptsMax }, 'batch processing failed; the batch fails internal_error');
          await endBatch(this.ctx, batch, batchError('internal_error', `Processing met an unexpected error ${attempts} times; the rows read so far stand. Send the remaining rows again in a new file.`, { row: batch.cursor + 1 }));
        } else {
          const retryInMs = batchRetryDelayMs(attempts, settings);
          this.#logUnexpected(error, { batch_id: batch.id, attempt: attempts, attempts_max: settings.attemptsMax, retry_in_ms: retryInMs }, 'batch processing failed; retrying later');
          await this.ctx.store.scheduleBatchRetry(batch.id, attempts, new Date(this.ctx.clock.now().getTime() + retryInMs).toISOString());
        }
        return 'retrying';
      } catch (inner) {
        this.#logUnexpected(inner, { batch_id: batch.id }, 'could not record a batch failure; trying again');
        return 'unrecorded';
      }
    }
  }

  /**
   * Logs an unexpected error without its fields: a driver or parser error may carry row values
   * (account numbers) in properties such as `raw`, `record` or `parameters`. Only its name, code,
   * masked message and stack frames go out.
   */
  #logUnexpected(error: unknown, fields: Record<string, unknown>, message: string): void {
    const e = error instanceof Error ? error : new Error(String(error));
    this.ctx.logger.error(
      {
        ...fields,
        error_name: e.name,
        error_code: typeof (e as { code?: unknown }).code === 'string' ? String((e as { code?: unknown }).code) : undefined,
        error_message: maskFileText(e.message).slice(0, 300),
        error_stack: e.stack?.split('\n').slice(1, 8).join('\n'),
      },
      message,
    );
  }

  /**
   * Files left by a crash: uploads that never became a batch, and files of batches that ended
   * between their last commit and the file's deletion. Nothing uploaded outlives its batch.
   */
  async #sweep(): Promise<void> {
    try {
      if (!fs.existsSync(this.ctx.batchDir)) return;
      for (const name of fs.readdirSync(this.ctx.batchDir)) {
        const file = path.join(this.ctx.batchDir, name);
        // An upload still streaming is young; one a crash cut off stays old.
        if (name.startsWith('upload-')) {
          // The machine's clock, like the file's mtime: the test clock may stand years away.
          if (fs.statSync(file).mtimeMs < systemClock.now().getTime() - ABANDONED_UPLOAD_MS) fs.rmSync(file, { force: true });
          continue;
        }
        const match = /^(bat_[0-9A-Za-z]+)\./.exec(name);
        if (match === null) continue;
        const batch = await this.ctx.store.getBatch(match[1]!);
        if (batch === null || batch.status !== 'processing') fs.rmSync(file, { force: true });
      }
    } catch (error) {
      this.#logUnexpected(error, {}, 'could not sweep the batch directory');
    }
  }
}
