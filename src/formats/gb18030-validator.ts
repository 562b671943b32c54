/**
 * Checks that a stream of byte chunks is valid GBK (CP936, as Excel on a Chinese Windows saves it)
 * or GB18030, whatever the chunk boundaries split. iconv-lite turns a bad sequence into U+FFFD
 * without a word; this finds where the first one begins, so that a file can be refused with the
 * offset instead of read as garbage.
 *
 * The byte structure (GB 18030-2005):
 * - one byte: 0x00–0x7F; in GBK also 0x80, which CP936 maps to €;
 * - two bytes: a lead 0x81–0xFE, then 0x40–0x7E or 0x80–0xFE;
 * - four bytes (GB18030 only): 0x81–0xFE, 0x30–0x39, 0x81–0xFE, 0x30–0x39, whose linear index
 *   names U+0080–U+FFFF (first byte 0x81–0x84) or U+10000–U+10FFFF (first byte 0x90–0xE3).
 * A two-byte code in that structure that names no character decodes to U+FFFD: the caller checks
 * the decoded text for it (see `firstUnmapped`).
 */
export type GbMode = 'gbk' | 'gb18030';

/** The linear index of the last four-byte code in the BMP range (84 31 A4 39 → U+FFFF). */
const BMP_LINEAR_MAX = 39_419;
/** The linear index of 90 30 81 30, the first supplementary code (U+10000). */
const SUPPLEMENTARY_LINEAR_MIN = linear(0x90, 0x30, 0x81, 0x30);

function linear(b1: number, b2: number, b3: number, b4: number): number {
  return (b1 - 0x81) * 12_600 + (b2 - 0x30) * 1_260 + (b3 - 0x81) * 10 + (b4 - 0x30);
}

const isLead = (byte: number) => byte >= 0x81 && byte <= 0xfe;
const isTrail = (byte: number) => (byte >= 0x40 && byte <= 0x7e) || (byte >= 0x80 && byte <= 0xfe);
const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;

/**
 * The length of the character that starts at `bytes[i]`: 1, 2 or 4; 0 when the bytes there begin
 * no character; -1 when they may begin one but end too soon to tell.
 */
export function gbCharLength(bytes: Uint8Array, i: number, mode: GbMode): number {
  const b1 = bytes[i]!;
  if (b1 < 0x80) return 1;
  if (b1 === 0x80) return mode === 'gbk' ? 1 : 0;
  if (!isLead(b1)) return 0;
  if (i + 1 >= bytes.length) return -1;
  const b2 = bytes[i + 1]!;
  if (isTrail(b2)) return 2;
  if (mode === 'gbk' || !isDigit(b2)) return 0;
  if (i + 2 >= bytes.length) return -1;
  const b3 = bytes[i + 2]!;
  if (!isLead(b3)) return 0;
  if (i + 3 >= bytes.length) return -1;
  const b4 = bytes[i + 3]!;
  if (!isDigit(b4)) return 0;
  const index = linear(b1, b2, b3, b4);
  if (index <= BMP_LINEAR_MAX) return 4;
  if (index >= SUPPLEMENTARY_LINEAR_MIN && index - SUPPLEMENTARY_LINEAR_MIN <= 0xfffff) return 4;
  return 0;
}

export class Gb18030Validator {
  /** The bytes of a character begun at the end of the previous chunk (at most 3). */
  #tail: Buffer = Buffer.alloc(0);
  /** Bytes of every chunk checked before the current one. */
  #offset = 0;

  constructor(readonly mode: GbMode) {}

  /** Bytes given so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes at the end of what was given that begin a character not yet complete. */
  get pending(): number {
    return this.#tail.length;
  }

  /**
   * Checks the next chunk. Returns -1 when it is valid so far, else the offset from the start of
   * the stream of the first byte of the first invalid character (which may lie in an earlier
   * chunk when a character spans the boundary).
   */
  check(chunk: Buffer): number {
    const tailLength = this.#tail.length;
    const start = this.#offset - tailLength;
    this.#offset += chunk.length;
    const bytes = tailLength === 0 ? chunk : Buffer.concat([this.#tail, chunk]);
    this.#tail = Buffer.alloc(0);
    let i = 0;
    while (i < bytes.length) {
      // ASCII runs are most of a CSV file: skipped without a call.
      if (bytes[i]! < 0x80) {
        i += 1;
        continue;
      }
      const length = gbCharLength(bytes, i, this.mode);
      if (length === 0) return start + i;
      if (length < 0) {
        this.#tail = Buffer.from(bytes.subarray(i));
        return -1;
      }
      i += length;
    }
    return -1;
  }

  /** At the end of the stream: -1, or the offset of a character left incomplete. */
  end(): number {
    return this.#tail.length > 0 ? this.#offset - this.#tail.length : -1;
  }
}

/**
 * In bytes known to be well-formed and starting at a character, the offset of the first character
 * that decodes to U+FFFD although it is not U+FFFD's own code (84 31 A4 37): a code in the right
 * shape that names no character. -1 when there is none. Only asked of text that holds U+FFFD.
 */
export function firstUnmapped(bytes: Buffer, mode: GbMode, decode: (bytes: Buffer) => string): number {
  for (let i = 0; i < bytes.length; ) {
    const length = Math.max(1, gbCharLength(bytes, i, mode));
    if (length > 1 || bytes[i]! >= 0x80) {
      const char = bytes.subarray(i, i + length);
      const ownCode = length === 4 && char[0] === 0x84 && char[1] === 0x31 && char[2] === 0xa4 && char[3] === 0x37;
      if (!ownCode && decode(char) === '\uFFFD') return i;
    }
    i += length;
  }
  return -1;
}
