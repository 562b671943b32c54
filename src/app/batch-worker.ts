import type { AppContext, BatchSettings } from './context.js';
import { batchError, maskFileText } from './batch-errors.js';
import { BatchLeaseLost, endBatch, processBatch, type ProcessOptions } from './batches.js';
import type { BatchRow } from './ports.js';
import { WorkerHealth } from './worker-health.js';
import { systemClock } from '../core/index.js';

/** Batches claimed per round, one after another; then the worker reports its health and goes on. */
const DUE_BATCHES_MAX = 20;
/** An upload file this old at start was cut off by a crash. */
const ABANDONED_UPLOAD_MS = 60 * 60 * 1000;
/** Idle wait between rounds when nothing was due. */
const IDLE_MS = 500;

/** The wait before the next attempt after `attempts` unexpected errors: doubling, capped. */
export function batchRetryDelayMs(attempts: number, settings: Pick<BatchSettings, 'retryDelayMs' | 'retryDelayMsMax'>): number {
  return Math.min(settings.retryDelayMsMax, settings.retryDelayMs * 2 ** Math.max(0, attempts - 1));
}

export interface BatchWorkerOptions extends ProcessOptions {
  /** The worker's name in the leases it holds; unique per process unless a test names it. */
  owner?: string;
}

/**
 * Processes uploaded batches in the background, oldest first, one at a time per worker. Several
 * workers — on one node or many, over one database — share the batches: each claims a batch with
 * a lease (as attempts are claimed), renews it with every chunk it commits, and every write that
 * advances or ends the batch is fenced on still holding it. A batch whose worker crashed or
 * stalled past its lease is taken up by another from its cursor; the stalled one, should it wake,
 * can write nothing more.
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

  readonly owner: string;
  readonly #process: ProcessOptions;

  constructor(
    private readonly ctx: AppContext,
    options: BatchWorkerOptions = {},
  ) {
    this.owner = options.owner ?? `batch-worker-${process.pid}-${ctx.ids.next('event').slice(-8)}`;
    const { owner: _owner, ...processOptions } = options;
    this.#process = processOptions;
  }

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
      const { worked, failed } = await this.#round(() => this.#running, []);
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
   * One round by hand (tests, the simulation; the running worker does the same in its loop):
   * claims and processes due batches until none is left or DUE_BATCHES_MAX were taken. Returns
   * the ids of the batches it claimed, in order.
   */
  async runOnce(): Promise<string[]> {
    const taken: string[] = [];
    await this.#round(() => true, taken);
    return taken;
  }

  async #round(going: () => boolean, taken: string[]): Promise<{ worked: boolean; failed: boolean }> {
    let worked = false;
    let failed = false;
    for (let claims = 0; claims < DUE_BATCHES_MAX && going(); claims += 1) {
      let batch: BatchRow | null;
      try {
        const now = this.ctx.clock.now();
        batch = await this.ctx.store.claimDueBatch(now.toISOString(), this.owner, new Date(now.getTime() + this.ctx.workers.leaseMs).toISOString());
      } catch (error) {
        failed = true;
        this.#logUnexpected(error, {}, 'could not claim a batch to process; trying again');
        break;
      }
      if (batch === null) break;
      taken.push(batch.id);
      const outcome = await this.#take(batch);
      if (outcome !== 'unrecorded') worked = true;
      if (outcome !== 'processed' && outcome !== 'lost') failed = true;
    }
    return { worked, failed };
  }

  /**
   * Processes one batch it holds: `processed` (completed, or failed for its file), `lost` (another
   * worker took the lease over; that one goes on), `retrying` (an unexpected error, recorded with
   * its backoff or as the batch's failure), or `unrecorded` (not even that).
   */
  async #take(batch: BatchRow): Promise<'processed' | 'lost' | 'retrying' | 'unrecorded'> {
    try {
      await processBatch(this.ctx, batch, this.owner, this.#process);
      return 'processed';
    } catch (error) {
      if (error instanceof BatchLeaseLost) return this.#lost(batch);
      const settings = this.ctx.batches;
      const attempts = batch.attempts + 1;
      try {
        if (attempts >= settings.attemptsMax) {
          this.#logUnexpected(error, { batch_id: batch.id, attempt: attempts, attempts_max: settings.attemptsMax }, 'batch processing failed; the batch fails internal_error');
          await endBatch(this.ctx, batch, this.owner, batchError('internal_error', `Processing met an unexpected error ${attempts} times; the rows read so far stand. Send the remaining rows again in a new file.`, { row: batch.cursor + 1 }));
        } else {
          const retryInMs = batchRetryDelayMs(attempts, settings);
          this.#logUnexpected(error, { batch_id: batch.id, attempt: attempts, attempts_max: settings.attemptsMax, retry_in_ms: retryInMs }, 'batch processing failed; retrying later');
          if (!(await this.ctx.store.scheduleBatchRetry(batch.id, this.owner, attempts, new Date(this.ctx.clock.now().getTime() + retryInMs).toISOString()))) return this.#lost(batch);
        }
        return 'retrying';
      } catch (inner) {
        if (inner instanceof BatchLeaseLost) return this.#lost(batch);
        this.#logUnexpected(inner, { batch_id: batch.id }, 'could not record a batch failure; trying again');
        return 'unrecorded';
      }
    }
  }

  #lost(batch: BatchRow): 'lost' {
    this.ctx.logger.warn({ batch_id: batch.id, owner: this.owner }, 'another worker took over the batch (this one held it past its lease); leaving it to that one');
    return 'lost';
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
      // An upload still streaming is young; one a crash cut off stays old.
      const deleted = await this.ctx.batchFiles.deleteAbandoned(new Date(this.ctx.clock.now().getTime() - ABANDONED_UPLOAD_MS).toISOString());
      if (deleted > 0) this.ctx.logger.info({ batch_files_deleted: deleted }, 'batch files left by a crash deleted');
    } catch (error) {
      this.#logUnexpected(error, {}, 'could not sweep the stored batch files');
    }
  }
}
