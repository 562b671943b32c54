import { isUtf8 } from 'node:buffer';

/**
 * Checks that a stream of byte chunks is valid UTF-8 without decoding it, whatever the chunk
 * boundaries split: a character cut at the end of one chunk is checked with the start of the
 * next. The fast path is `buffer.isUtf8`; the exact offset is looked for only once something is
 * wrong.
 */
export class Utf8Validator {
  /** The bytes of a character begun at the end of the previous chunk (at most 3). */
  #tail: Buffer = Buffer.alloc(0);
  /** Bytes of every chunk checked before the current one. */
  #offset = 0;

  /** Bytes given so far. */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Checks the next chunk. Returns -1 when it is valid so far, else the offset from the start of
   * the stream of the first byte of the first invalid character (which may lie in an earlier chunk
   * when a character spans the boundary).
   */
  check(chunk: Buffer): number {
    const chunkStart = this.#offset;
    this.#offset += chunk.length;
    let start = 0;
    if (this.#tail.length > 0) {
      const tail = this.#tail;
      const need = Math.max(0, sequenceLength(tail[0]!) - tail.length);
      const joined = Buffer.concat([tail, chunk.subarray(0, need)]);
      this.#tail = Buffer.alloc(0);
      if (joined.length < sequenceLength(tail[0]!)) {
        // Still incomplete: the chunk was shorter than the rest of the character.
        this.#tail = joined;
        return -1;
      }
      if (!isUtf8(joined)) return chunkStart - tail.length;
      start = need;
    }
    const cut = completeUpTo(chunk, start);
    if (!isUtf8(chunk.subarray(start, cut))) return chunkStart + start + firstInvalidUtf8(chunk.subarray(start, cut));
    this.#tail = Buffer.from(chunk.subarray(cut));
    return -1;
  }

  /** At the end of the stream: -1, or the offset of a character left incomplete. */
  end(): number {
    return this.#tail.length > 0 ? this.#offset - this.#tail.length : -1;
  }
}

/** The length a UTF-8 sequence announces by its first byte; 1 for a byte that begins none. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** Where the last complete character of `chunk[start…]` ends: a sequence cut by the chunk's end is left for the next. */
function completeUpTo(chunk: Buffer, start: number): number {
  for (let i = chunk.length - 1; i >= Math.max(start, chunk.length - 3); i -= 1) {
    const byte = chunk[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    return byte >= 0xc2 && chunk.length - i < sequenceLength(byte) ? i : chunk.length;
  }
  return chunk.length;
}

/** The offset of the first byte that begins no valid character (RFC 3629); only asked of invalid text. */
export function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 1 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k += 1) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    const second = bytes[i + 1]!;
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if ((lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f) || (lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f)) return i;
    i += length;
  }
  return 0;
}
