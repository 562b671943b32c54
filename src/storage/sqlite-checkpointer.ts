import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Pages the WAL may hold before the hub's own connection checkpoints it in the commit that
 * crosses the mark (SQLite's `wal_autocheckpoint`; its default is 1,000). With the checkpointer
 * running, the frames are already copied by then and that checkpoint copies the few left; it is
 * also what lets the WAL start again from its beginning, which only a writer does, once every
 * frame in it is copied.
 */
export const WAL_PAGES_MAX = 10_000;

/** Commits after which a connection starts its checkpointer: a short-lived one (a test, a command) never does. */
export const CHECKPOINT_AFTER_COMMITS = 200;

/** Pause of the checkpointer after a checkpoint, so that it copies the frames of many commits at once. */
const PAUSE_MS = 100;

/** Slots of the shared counters: the commits so far, the stop flag, and the commits the last checkpoint that ended had seen. */
const COMMITS = 0;
const STOP = 1;
const CAUGHT_UP = 2;

/** `Atomics.waitAsync` (ES2024; Node has it, the project's lib, ES2023, does not name it). */
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

/**
 * The thread's code (a script, not a module of ours: worker threads do not share the loader
 * that runs TypeScript in development and tests). It sleeps until a commit is counted, runs a
 * PASSIVE checkpoint (which never waits for, nor blocks, the hub's readers and writer), pauses,
 * and again. A checkpoint that fails (the file busy in a way PASSIVE does not wait for) is
 * simply tried again after the next commit: the hub's own connection checkpoints past
 * WAL_PAGES_MAX whatever happens here.
 */
const THREAD = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const signals = new Int32Array(workerData.signals);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let seen = 0;
while (Atomics.load(signals, ${STOP}) === 0) {
  const commits = Atomics.load(signals, ${COMMITS});
  if (commits === seen) {
    Atomics.wait(signals, ${COMMITS}, commits);
    continue;
  }
  seen = commits;
  try {
    checkpoint.get();
  } catch {}
  Atomics.store(signals, ${CAUGHT_UP}, commits);
  Atomics.notify(signals, ${CAUGHT_UP});
  Atomics.wait(signals, ${STOP}, 0, ${PAUSE_MS});
}
db.close();
`;

/**
 * Checkpoints of a SQLite database in WAL mode, on a thread of their own. SQLite checkpoints in the commit that takes the WAL past its mark: that
 * commit copies the WAL's pages into the database file and syncs both, while the event loop
 * waits, since better-sqlite3 is synchronous. Here a second connection, on a worker thread,
 * copies them as commits come, so the hub's connection only syncs its WAL when it commits.
 * Nothing about durability changes: every commit still syncs its WAL (`synchronous = FULL`),
 * and a checkpoint only copies what is already durable.
 *
 * `commit()` is what the hub's connection calls after each commit: a counter in shared memory,
 * no message. The thread starts after `startAfter` commits.
 */
export class Checkpointer {
  readonly #file: string;
  readonly #startAfter: number;
  readonly #signals = new Int32Array(new SharedArrayBuffer(12));
  #commits = 0;
  #worker: Worker | undefined;
  #exited: Promise<void> | undefined;

  constructor(file: string, options: { startAfter?: number } = {}) {
    this.#file = file;
    this.#startAfter = options.startAfter ?? CHECKPOINT_AFTER_COMMITS;
  }

  /** Whether the thread runs (started, not stopped). */
  get running(): boolean {
    return this.#worker !== undefined && Atomics.load(this.#signals, STOP) === 0;
  }

  commit(): void {
    this.#commits += 1;
    if (this.#worker === undefined) {
      if (this.#commits < this.#startAfter || Atomics.load(this.#signals, STOP) !== 0) return;
      this.#start();
    }
    Atomics.store(this.#signals, COMMITS, this.#commits | 0);
    Atomics.notify(this.#signals, COMMITS);
  }

  /**
   * Resolves once a checkpoint begun after the latest commit has ended: every page committed so
   * far is then in the database file (at once when the thread does not run).
   */
  async caughtUp(): Promise<void> {
    const target = this.#commits | 0;
    for (;;) {
      const seen = Atomics.load(this.#signals, CAUGHT_UP);
      if (((seen - target) | 0) >= 0 || !this.running) return;
      const { async, value } = waitAsync(this.#signals, CAUGHT_UP, seen);
      if (async) await Promise.race([value, this.#exited]);
    }
  }

  /** Stops the thread and waits until its connection is closed. */
  async stop(): Promise<void> {
    // Held while it closes, so that a process closing its database last does not end first.
    this.#worker?.ref();
    Atomics.store(this.#signals, STOP, 1);
    Atomics.notify(this.#signals, COMMITS);
    Atomics.notify(this.#signals, STOP);
    await this.#exited;
  }

  #start(): void {
    const worker = new Worker(THREAD, {
      eval: true,
      workerData: { file: this.#file, driver: createRequire(import.meta.url).resolve('better-sqlite3'), signals: this.#signals.buffer },
    });
    // It does not keep the process alive (stop() does, while it closes); a thread that fails
    // (the file gone) leaves the checkpoints to the hub's connection, as without it.
    worker.unref();
    this.#exited = new Promise((resolve) => {
      worker.once('exit', () => resolve());
      worker.once('error', () => {});
    });
    this.#worker = worker;
  }
}
