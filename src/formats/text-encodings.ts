import iconv from 'iconv-lite';
import { firstUnmapped, gbCharLength, Gb18030Validator, type GbMode } from './gb18030-validator.js';
import { Utf8Validator } from './utf8-validator.js';

/**
 * The encodings a batch file may come in (issue 9): UTF-8 by default (a BOM allowed); GBK (CP936,
 * what Excel on a Chinese Windows saves) or GB18030 when the upload declares it.
 */
export const FILE_ENCODINGS = ['utf-8', 'gbk', 'gb18030'] as const;
export type FileEncoding = (typeof FILE_ENCODINGS)[number];

/** Charset labels taken on an upload's content type, by what they mean here. */
const CHARSET_LABELS: Record<string, FileEncoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  gbk: 'gbk',
  gb2312: 'gbk',
  cp936: 'gbk',
  'windows-936': 'gbk',
  'x-gbk': 'gbk',
  gb18030: 'gb18030',
};

/**
 * The encoding a content type declares: `utf-8` when it declares none, null for a charset that
 * is not taken. The label is returned with the answer so that a refusal can name it.
 */
export function encodingOfContentType(contentType: string): { encoding: FileEncoding | null; label: string | null } {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  if (match === null) return { encoding: 'utf-8', label: null };
  const label = match[1]!.toLowerCase();
  return { encoding: CHARSET_LABELS[label] ?? null, label };
}

/** Bytes not valid in the encoding they are read in; `byteOffset` is where the first bad character begins. */
export class TextEncodingError extends Error {
  override name = 'TextEncodingError';
  constructor(
    readonly encoding: FileEncoding,
    readonly byteOffset: number,
    /** True when the file ends inside a character. */
    readonly cutShort: boolean,
  ) {
    super(cutShort ? `The file ends in the middle of a character at byte ${byteOffset}.` : `The file is not valid ${encodingName(encoding)} at byte ${byteOffset}.`);
  }
}

export function encodingName(encoding: FileEncoding): string {
  return encoding === 'utf-8' ? 'UTF-8' : encoding === 'gbk' ? 'GBK' : 'GB18030';
}

/** A part of the file decoded at once: where it starts in the file and in the UTF-8 text. */
interface Piece {
  fileStart: number;
  utf8Start: number;
  bytes: Buffer;
}

/**
 * Decodes GBK or GB18030 to UTF-8 as a stream, checking every byte: iconv-lite alone would turn a
 * bad sequence into U+FFFD silently. Each chunk is cut after its last complete character, so that
 * every part decoded starts on a character; the last few parts are kept so that an offset in the
 * UTF-8 text (where a CSV row begins) can be told as an offset in the file as sent.
 */
export class GbToUtf8Decoder {
  readonly #validator: Gb18030Validator;
  #carry: Buffer = Buffer.alloc(0);
  #fileOffset = 0;
  #utf8Offset = 0;
  #pieces: Piece[] = [];

  constructor(readonly mode: GbMode) {
    this.#validator = new Gb18030Validator(mode);
  }

  /** The next chunk as UTF-8; throws TextEncodingError at the first bad character. */
  write(chunk: Buffer): Buffer {
    const bad = this.#validator.check(chunk);
    if (bad >= 0) throw new TextEncodingError(this.mode, bad, false);
    const bytes = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    const complete = bytes.length - this.#validator.pending;
    this.#carry = Buffer.from(bytes.subarray(complete));
    return this.#decode(bytes.subarray(0, complete));
  }

  /** At the end of the file: throws TextEncodingError when it ends inside a character. */
  end(): void {
    const incomplete = this.#validator.end();
    if (incomplete >= 0) throw new TextEncodingError(this.mode, incomplete, true);
  }

  /**
   * The file offset of a UTF-8 offset that falls on a character boundary, or null when it lies
   * before the parts still kept (more than a few hundred KiB back).
   */
  fileOffsetOf(utf8Offset: number): number | null {
    let piece: Piece | undefined;
    for (const p of this.#pieces) if (p.utf8Start <= utf8Offset) piece = p;
    if (piece === undefined) return utf8Offset === this.#utf8Offset ? this.#fileOffset : null;
    let utf8 = piece.utf8Start;
    for (let i = 0; i < piece.bytes.length; ) {
      if (utf8 >= utf8Offset) return piece.fileStart + i;
      const length = Math.max(1, gbCharLength(piece.bytes, i, this.mode));
      utf8 += length === 1 && piece.bytes[i]! < 0x80 ? 1 : Buffer.byteLength(decode(piece.bytes.subarray(i, i + length), this.mode));
      i += length;
    }
    return piece.fileStart + piece.bytes.length;
  }

  #decode(part: Buffer): Buffer {
    if (part.length === 0) return Buffer.alloc(0);
    const text = decode(part, this.mode);
    if (text.includes('\uFFFD')) {
      const unmapped = firstUnmapped(part, this.mode, (bytes) => decode(bytes, this.mode));
      if (unmapped >= 0) throw new TextEncodingError(this.mode, this.#fileOffset + unmapped, false);
    }
    const utf8 = Buffer.from(text, 'utf8');
    this.#pieces.push({ fileStart: this.#fileOffset, utf8Start: this.#utf8Offset, bytes: Buffer.from(part) });
    // A row is at most 64 KiB; parts are chunks of up to 64 KiB: eight cover any row's start.
    if (this.#pieces.length > 8) this.#pieces.shift();
    this.#fileOffset += part.length;
    this.#utf8Offset += utf8.length;
    return utf8;
  }
}

function decode(bytes: Buffer, mode: GbMode): string {
  // A BOM is kept: the CSV reader drops it where it belongs, at the start of the file only.
  return iconv.decode(bytes, mode === 'gbk' ? 'gbk' : 'gb18030', { stripBOM: false });
}

/**
 * Checks a stream of chunks against an encoding without keeping the text: what an upload runs as
 * it arrives, so that a file not valid in its encoding is refused before it is recorded.
 */
export interface EncodingCheck {
  /** Throws TextEncodingError at the first bad character. */
  check(chunk: Buffer): void;
  end(): void;
}

export function encodingCheck(encoding: FileEncoding): EncodingCheck {
  if (encoding === 'utf-8') {
    const utf8 = new Utf8Validator();
    return {
      check(chunk) {
        const bad = utf8.check(chunk);
        if (bad >= 0) throw new TextEncodingError('utf-8', bad, false);
      },
      end() {
        const incomplete = utf8.end();
        if (incomplete >= 0) throw new TextEncodingError('utf-8', incomplete, true);
      },
    };
  }
  const decoder = new GbToUtf8Decoder(encoding);
  return {
    check: (chunk) => void decoder.write(chunk),
    end: () => decoder.end(),
  };
}

/** Text of a file's first bytes in its encoding, for the header check (a character cut at the end is dropped). */
export function decodeHead(bytes: Buffer, encoding: FileEncoding): string {
  if (encoding === 'utf-8') return bytes.toString('utf8');
  return decode(bytes, encoding);
}
