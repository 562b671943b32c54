import crypto from 'node:crypto';
import { ID_PREFIXES, type IdKind, type IdSource } from './core/index.js';

/**
 * Ids as the type prefix and a UUIDv7 (RFC 9562 §5.7) written as 32 hex digits, so that ids sort
 * by creation time. Within one millisecond a 42-bit counter, started at a random value each new
 * millisecond, keeps them increasing (RFC 9562 §6.2, method 1); should it run out, the
 * timestamp moves on by a millisecond. Randomness is drawn from the system 4 KiB at a time:
 * one system call per ~500 ids instead of one per id.
 */
export class Uuidv7Ids implements IdSource {
  readonly #now: () => number;
  readonly #fill: (buffer: Uint8Array) => void;
  readonly #pool = Buffer.alloc(4096);
  #at = this.#pool.length;
  #lastMs = -1;
  #counter = 0;

  constructor(now: () => number = Date.now, fill: (buffer: Uint8Array) => void = (buffer) => crypto.randomFillSync(buffer)) {
    this.#now = now;
    this.#fill = fill;
  }

  next(kind: IdKind): string {
    return `${ID_PREFIXES[kind]}_${this.uuid()}`;
  }

  /** A UUIDv7 as 32 lower-case hex digits, greater than every one this source gave before. */
  uuid(): string {
    const now = this.#now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      // The top bit stays clear, so that at least 2^41 ids fit in a millisecond.
      this.#counter = this.#random32() % 2 ** 10 * 2 ** 31 + (this.#random32() >>> 1);
    } else {
      this.#counter += 1;
      if (this.#counter >= 2 ** 42) {
        this.#lastMs += 1;
        this.#counter = 0;
      }
    }
    const high12 = Math.floor(this.#counter / 2 ** 30);
    const low30 = this.#counter % 2 ** 30;
    return hex(Math.floor(this.#lastMs / 2 ** 32), 4) + hex(this.#lastMs % 2 ** 32, 8) + hex(0x7000 | high12, 4) + hex((0x80000000 | low30) >>> 0, 8) + hex(this.#random32(), 8);
  }

  #random32(): number {
    if (this.#at + 4 > this.#pool.length) {
      this.#fill(this.#pool);
      this.#at = 0;
    }
    const value = this.#pool.readUInt32BE(this.#at);
    this.#at += 4;
    return value;
  }
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** The low `digits` hex digits (an even number, at most 8) of an unsigned 32-bit value. */
function hex(value: number, digits: number): string {
  let text = '';
  for (let shift = (digits - 2) * 4; shift >= 0; shift -= 8) text += HEX_BYTES[(value >>> shift) & 0xff];
  return text;
}
