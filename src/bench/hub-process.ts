import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchHubConfig } from './seed-bench.js';

/**
 * What the hub process runs: `batches` — the API and the batch worker only, the submission
 * workers off, so that ingestion is measured alone; `all` — everything, as `daikou start` runs;
 * `bare` — no hub at all, a bare Fastify answering a trivial POST: the API phase's reference;
 * `sandbox` — a sandbox alone, shared by hubs started with DAIKOU_SANDBOX_URL; `api-first` — as `all`,
 * but the submission workers wait for `startWorkers()`: the API measured alone, then completion.
 */
export type HubMode = 'batches' | 'all' | 'bare' | 'sandbox' | 'api-first';
export const HUB_MODES: readonly HubMode[] = ['batches', 'all', 'bare', 'sandbox', 'api-first'];

/** Messages between the bench and its hub process, over the IPC channel. */
export type HubChildMessage = { type: 'ready'; url: string } | { type: 'queries'; count: number };
export type HubParentMessage = { type: 'stop' } | { type: 'start-workers' } | { type: 'queries' };

const START_MS_MAX = 120_000;
const STOP_MS_MAX = 60_000;
/** Linux's USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_S = 100;

/**
 * The hub under test in a process of its own (src/bench/hub-child.ts), as `daikou start` runs it,
 * so that the load generator does not share its event loop and its memory is its own.
 */
export class HubProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly exited: Promise<void>,
  ) {}

  static async start(mode: HubMode, config: BenchHubConfig, env: Record<string, string> = {}): Promise<HubProcess> {
    // Compiled, this is dist/bench/hub-process.js next to hub-child.js; run through tsx, both are .ts.
    const self = fileURLToPath(import.meta.url);
    const extension = path.extname(self);
    const entry = path.join(path.dirname(self), `hub-child${extension}`);
    const nodeArgs = [...(extension === '.ts' ? ['--import', 'tsx'] : []), ...(process.env.DAIKOU_BENCH_HUB_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
    const child = spawn(process.execPath, [...nodeArgs, entry, mode, config.dataDir], {
      env: {
        ...process.env,
        DAIKOU_DATABASE_URL: config.databaseUrl ?? '',
        DAIKOU_OPERATOR_KEY: config.operatorKey,
        DAIKOU_MASTER_KEY: config.masterKey,
        DAIKOU_LOG_LEVEL: process.env.DAIKOU_LOG_LEVEL ?? 'error',
        ...env,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the hub process did not start within ${START_MS_MAX / 1000} s`));
      }, START_MS_MAX);
      child.on('message', (message: HubChildMessage) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        resolve(message.url);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the hub process exited before it was ready (${signal ?? `exit code ${code}`}); its stderr is above`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return new HubProcess(child, url, exited);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * The process's peak resident set so far (VmHWM), in MiB; null where /proc is not there.
   * Read before stop(): it is gone once the process has exited.
   */
  peakRssMib(): number | null {
    try {
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return match === null ? null : Math.round(Number(match[1]) / 1024);
    } catch {
      return null;
    }
  }

  /**
   * The process's CPU time so far (user + system, from /proc/<pid>/stat), in seconds; null where
   * /proc is not there. On a shared machine this, per item, is the figure that survives the load.
   */
  cpuSeconds(): number | null {
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) in parentheses: utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
    } catch {
      return null;
    }
  }

  /** An `api-first` hub: starts its submission workers. */
  startWorkers(): void {
    this.#send({ type: 'start-workers' });
  }

  /**
   * The PostgreSQL statements (pg's `query` calls: round trips, BEGIN and COMMIT included) the
   * process has sent so far; 0 on SQLite or in a process with no hub.
   */
  async queries(): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const answer = (message: HubChildMessage) => {
        if (message.type !== 'queries') return;
        this.child.off('message', answer);
        resolve(message.count);
      };
      this.child.on('message', answer);
      if (!this.child.connected) reject(new Error('the hub process is gone'));
      else this.#send({ type: 'queries' });
    });
  }

  /** Closes the hub (workers, server, sandbox, database) and waits for the process to end. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.#send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_MS_MAX);
    await this.exited;
    clearTimeout(timer);
  }

  #send(message: HubParentMessage): void {
    if (this.child.connected) this.child.send(message);
  }
}
