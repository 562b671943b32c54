import { invariant } from '../../core/kernel/index.js';

/**
 * Faults injected at the sandbox's edge (docs/sandbox-protocol.md, "Fault semantics"), per channel
 * and mode. Held in memory so that the hot path costs one map lookup, and written through to the
 * store on every change so that a restart keeps them — remaining counts and PRNG position included.
 */

export const FAULT_MODES = ['unavailable', 'timeout', 'drop', 'delay_ms'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface Fault {
  channel: string;
  mode: FaultMode;
  /** Share of requests affected, 0–1. */
  rate: number;
  /** Requests still to affect before the fault clears; null = until cleared. */
  countRemaining: number | null;
  /** Only for `delay_ms`. */
  delayMs: number | null;
  seed: number;
  /** Where the fault's PRNG stands; starts at `seed`. */
  prngState: number;
}

export interface FaultSpec {
  channel: string;
  mode: FaultMode;
  rate?: number | undefined;
  count?: number | undefined;
  delayMs?: number | undefined;
  seed?: number | undefined;
}

/** Where faults are kept across restarts; declared here, by the code that uses it. */
export interface FaultStore {
  loadFaults(): Fault[];
  saveFault(fault: Fault): void;
  deleteFault(channel: string, mode: FaultMode): void;
  deleteChannelFaults(channel: string): void;
  deleteAllFaults(): void;
}

export type RequestKind = 'submit' | 'query';

/**
 * When several faults of one channel could apply, the first in this order wins; a request is
 * affected by at most one. Timeout and drop concern only submissions (queries answer normally).
 */
const PRECEDENCE: Record<RequestKind, readonly FaultMode[]> = {
  submit: ['unavailable', 'drop', 'timeout', 'delay_ms'],
  query: ['unavailable', 'delay_ms'],
};

const CHANNEL_FAULTS_MAX = FAULT_MODES.length;

export class FaultTable {
  readonly #byChannel = new Map<string, Map<FaultMode, Fault>>();

  constructor(private readonly store: FaultStore) {
    for (const fault of store.loadFaults()) this.#put(fault);
  }

  set(spec: FaultSpec): Fault {
    const seed = spec.seed ?? defaultSeed(spec.channel, spec.mode);
    const fault: Fault = {
      channel: spec.channel,
      mode: spec.mode,
      rate: spec.rate ?? 1,
      countRemaining: spec.count ?? null,
      delayMs: spec.mode === 'delay_ms' ? (spec.delayMs ?? null) : null,
      seed,
      prngState: seed,
    };
    this.store.saveFault(fault);
    this.#put(fault);
    return { ...fault };
  }

  clearChannel(channel: string): void {
    this.store.deleteChannelFaults(channel);
    this.#byChannel.delete(channel);
  }

  clearAll(): void {
    this.store.deleteAllFaults();
    this.#byChannel.clear();
  }

  list(): Fault[] {
    const all: Fault[] = [];
    for (const faults of this.#byChannel.values()) for (const fault of faults.values()) all.push({ ...fault });
    return all.sort((a, b) => (a.channel === b.channel ? FAULT_MODES.indexOf(a.mode) - FAULT_MODES.indexOf(b.mode) : a.channel < b.channel ? -1 : 1));
  }

  /**
   * The fault that affects this request, if any. Draws each candidate's PRNG (when its rate is
   * strictly between 0 and 1), counts the request against the chosen fault and clears it at 0.
   */
  affecting(channel: string, kind: RequestKind): Fault | null {
    const faults = this.#byChannel.get(channel);
    if (faults === undefined) return null;
    for (const mode of PRECEDENCE[kind]) {
      const fault = faults.get(mode);
      if (fault === undefined) continue;
      if (!this.#draw(fault)) continue;
      const chosen = { ...fault };
      if (fault.countRemaining !== null) {
        fault.countRemaining -= 1;
        if (fault.countRemaining <= 0) {
          faults.delete(mode);
          if (faults.size === 0) this.#byChannel.delete(channel);
          this.store.deleteFault(channel, mode);
          return chosen;
        }
        this.store.saveFault(fault);
      }
      return chosen;
    }
    return null;
  }

  #draw(fault: Fault): boolean {
    if (fault.rate >= 1) return true;
    if (fault.rate <= 0) return false;
    const [value, state] = mulberry32(fault.prngState);
    fault.prngState = state;
    this.store.saveFault(fault);
    return value < fault.rate;
  }

  #put(fault: Fault): void {
    let faults = this.#byChannel.get(fault.channel);
    if (faults === undefined) {
      faults = new Map();
      this.#byChannel.set(fault.channel, faults);
    }
    faults.set(fault.mode, fault);
    invariant(faults.size <= CHANNEL_FAULTS_MAX, 'a channel holds at most one fault per mode');
  }
}

/**
 * mulberry32: a small, well-distributed 32-bit PRNG whose whole state is one integer, so it
 * persists in a column. Returns a value in [0, 1) and the next state.
 */
export function mulberry32(state: number): [number, number] {
  const next = (state + 0x6d2b79f5) | 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next];
}

/** FNV-1a of `channel NUL mode` (mode may name a discrepancy too): the same fault set twice draws the same sequence. */
export function defaultSeed(channel: string, mode: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${channel}\u0000${mode}`, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
