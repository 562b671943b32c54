import type { AppContext } from './context.js';
import { IDEMPOTENCY_RETENTION_MS } from './debits.js';
import { EVENTS_RETENTION_MS } from './events.js';
import { runSettlement, type SettlementRun, type SettlementRunContext } from './settlements.js';
import type { AutoRepresentRound } from './representments.js';
import type { ScheduledReconciliation } from './reconciliations.js';

/** Wait between rounds; the first round runs at start. */
const INTERVAL_MS = 10 * 60 * 1000;
/** Keys deleted per statement: short statements, so that no sweep holds the table for long. */
const CHUNK_ROWS = 1_000;
/** Chunks per round; a backlog larger than this is taken over the next rounds. */
const CHUNKS_PER_ROUND_MAX = 100;
/** Settlement runs per round while each says more is due. */
const SETTLEMENT_RUNS_PER_ROUND_MAX = 10;

export interface MaintenanceOptions {
  intervalMs?: number;
  chunkRows?: number;
  chunksPerRoundMax?: number;
  /**
   * The automatic re-presentment round (`representDueFailures`, src/app/representments.ts), wired
   * by the composition root; without it the worker only sweeps keys.
   */
  autoRepresent?: () => Promise<AutoRepresentRound>;
  /**
   * The scheduled reconciliation (`reconcilePreviousDay`, src/app/reconciliations.ts): each
   * channel's previous date, once, after settlement; wired by the composition root.
   */
  reconcile?: () => Promise<ScheduledReconciliation[]>;
}

export interface MaintenanceRound {
  idempotencyKeysDeleted: number;
  /** Events past their retention deleted, with their webhook deliveries and attempts. */
  eventsDeleted: number;
  /** The settlement run of the round (SPEC §14). */
  settlement: SettlementRun;
  /** Presentments the automatic re-presentment created this round. */
  debitsRepresented: number;
  /** What the scheduled reconciliation did this round, per channel it tried. */
  reconciliations: ScheduledReconciliation[];
}

/**
 * Housekeeping that no request does: deleting idempotency keys past their retention (createDebit
 * already ignores them; without a sweep they would pile up forever); settlement T+1 (SPEC §14):
 * each round settles every merchant-day due on the clock's Shanghai date, so the first round
 * after midnight settles the day's T+1 and a hub that was down catches up at its first round; and
 * presenting due failures again for merchants with `auto_represent` (SPEC §14); and reconciling
 * each channel's previous date against its statement (SPEC §15); and deleting events past their
 * retention (30 days, `EVENTS_RETENTION_MS`) with their webhook deliveries, chunk by chunk.
 * Safe on every node at once: each chunk is one DELETE, and two nodes deleting the same old keys
 * only count fewer rows each; two settlement runs never take the same debit (src/app/settlements.ts);
 * two nodes presenting the same failure lock it in turn and the second finds it presented.
 */
export class MaintenanceWorker {
  #timer: NodeJS.Timeout | null = null;
  #round: Promise<unknown> = Promise.resolve();
  readonly #intervalMs: number;
  readonly #chunkRows: number;
  readonly #chunksPerRoundMax: number;
  readonly #autoRepresent: (() => Promise<AutoRepresentRound>) | undefined;
  readonly #reconcile: (() => Promise<ScheduledReconciliation[]>) | undefined;

  constructor(
    private readonly ctx: Pick<AppContext, 'store' | 'clock' | 'logger'> & SettlementRunContext,
    options: MaintenanceOptions = {},
  ) {
    this.#intervalMs = options.intervalMs ?? INTERVAL_MS;
    this.#chunkRows = options.chunkRows ?? CHUNK_ROWS;
    this.#chunksPerRoundMax = options.chunksPerRoundMax ?? CHUNKS_PER_ROUND_MAX;
    this.#autoRepresent = options.autoRepresent;
    this.#reconcile = options.reconcile;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#tick();
  }

  /** A round after the one running, if any (rounds never overlap), and the next one timed. */
  #tick(): void {
    this.#round = this.#round.then(() => this.runOnce()).catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'maintenance round failed; trying again at the next one'));
    this.#timer = setTimeout(() => this.#tick(), this.#intervalMs);
    // Housekeeping alone must not keep the process alive.
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#round;
  }

  /** Wakes the worker for a round now (the test clock moved): settlement need not wait for the interval. */
  wake(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer);
    this.#tick();
  }

  /**
   * One round: deletes keys created more than the retention ago, oldest first, chunk by chunk;
   * settles what is due; then presents the due failures again.
   */
  async runOnce(): Promise<MaintenanceRound> {
    const before = new Date(this.ctx.clock.now().getTime() - IDEMPOTENCY_RETENTION_MS).toISOString();
    let deleted = 0;
    for (let chunk = 0; chunk < this.#chunksPerRoundMax; chunk += 1) {
      const count = await this.ctx.store.deleteIdempotencyKeysBefore(before, this.#chunkRows);
      deleted += count;
      if (count < this.#chunkRows) break;
    }
    if (deleted > 0) this.ctx.logger.info({ idempotency_keys_deleted: deleted }, 'idempotency keys past their retention deleted');
    const eventsBefore = new Date(this.ctx.clock.now().getTime() - EVENTS_RETENTION_MS).toISOString();
    let eventsDeleted = 0;
    for (let chunk = 0; chunk < this.#chunksPerRoundMax; chunk += 1) {
      // One transaction a chunk: an event goes with its deliveries and their attempts, or not at all.
      const count = await this.ctx.store.transaction((tx) => tx.deleteEventsBefore(eventsBefore, this.#chunkRows));
      eventsDeleted += count;
      if (count < this.#chunkRows) break;
    }
    if (eventsDeleted > 0) this.ctx.logger.info({ events_deleted: eventsDeleted }, 'events past their retention deleted');
    let settlement = await runSettlement(this.ctx);
    // A backlog larger than one run (a hub down for weeks) is taken in runs one after the other.
    for (let runs = 1; settlement.hasMore && runs < SETTLEMENT_RUNS_PER_ROUND_MAX; runs += 1) settlement = await runSettlement(this.ctx);
    const represented = this.#autoRepresent === undefined ? 0 : (await this.#autoRepresent()).created;
    // After settlement: a channel's previous date, once its statement is ready (SPEC §15).
    const reconciliations = this.#reconcile === undefined ? [] : await this.#reconcile();
    return { idempotencyKeysDeleted: deleted, eventsDeleted, settlement, debitsRepresented: represented, reconciliations };
  }
}
