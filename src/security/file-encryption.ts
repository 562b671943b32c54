import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Uploaded batch files at rest (SPEC §13): encrypted as they stream to disk, authenticated in
 * segments so that a reader never uses a byte it has not verified, and never needs the whole file.
 *
 * Layout: a 28-byte header — `DKB1`, a 16-byte random salt, an 8-byte random nonce prefix — then
 * segments of `SEGMENT_BYTES` plaintext each (the last one shorter, possibly empty), each written
 * as AES-256-GCM ciphertext followed by its 16-byte tag. The file's key is HKDF(base key, salt),
 * so no two files share a key; a segment's nonce is the prefix and its 32-bit counter. The
 * additional data binds each segment to the header, its position and whether it is the last one,
 * so that segments cannot be reordered, dropped, or cut off at a boundary unnoticed.
 */
export const SEGMENT_BYTES = 64 * 1024;
const MAGIC = Buffer.from('DKB1', 'latin1');
const SALT_BYTES = 16;
const PREFIX_BYTES = 8;
const HEADER_BYTES = MAGIC.length + SALT_BYTES + PREFIX_BYTES;
const TAG_BYTES = 16;
const SEALED_SEGMENT_BYTES = SEGMENT_BYTES + TAG_BYTES;
/** The counter is 32 bits: 2^32 segments of 64 KiB is 256 TiB, far beyond any batch file. */
const SEGMENTS_MAX = 2 ** 32 - 1;

/** The file cannot be opened: not ours, cut short, altered, or sealed with another key. */
export class FileIntegrityError extends Error {
  override name = 'FileIntegrityError';
  constructor(
    readonly detail: string,
    /** Offset in the plaintext of the segment that failed. */
    readonly plaintextOffset: number,
  ) {
    super(`the encrypted file cannot be opened: ${detail}`);
  }
}

function fileKey(baseKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', baseKey, salt, 'daikou/batch-file/v1', 32));
}

function segmentParams(header: Buffer, counter: number, final: boolean): { nonce: Buffer; aad: Buffer } {
  const nonce = Buffer.alloc(12);
  header.copy(nonce, 0, MAGIC.length + SALT_BYTES, HEADER_BYTES);
  nonce.writeUInt32BE(counter, PREFIX_BYTES);
  const aad = Buffer.alloc(HEADER_BYTES + 5);
  header.copy(aad, 0);
  aad.writeUInt32BE(counter, HEADER_BYTES);
  aad[HEADER_BYTES + 4] = final ? 1 : 0;
  return { nonce, aad };
}

/** A stream that encrypts what goes through it; `baseKey` is 32 bytes. */
export function encryptingStream(baseKey: Buffer): Transform {
  const header = Buffer.concat([MAGIC, crypto.randomBytes(SALT_BYTES), crypto.randomBytes(PREFIX_BYTES)]);
  const key = fileKey(baseKey, header.subarray(MAGIC.length, MAGIC.length + SALT_BYTES));
  let counter = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const seal = (plaintext: Buffer, final: boolean): Buffer => {
    if (counter > SEGMENTS_MAX) throw new Error('the file has too many segments to encrypt');
    const { nonce, aad } = segmentParams(header, counter, final);
    counter += 1;
    const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(aad);
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  let headerSent = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        if (!headerSent) {
          this.push(header);
          headerSent = true;
        }
        pending.push(chunk);
        pendingBytes += chunk.length;
        // A segment is sealed as not-last only once more bytes are known to follow it.
        if (pendingBytes > SEGMENT_BYTES) {
          let all = Buffer.concat(pending, pendingBytes);
          while (all.length > SEGMENT_BYTES) {
            this.push(seal(all.subarray(0, SEGMENT_BYTES), false));
            all = all.subarray(SEGMENT_BYTES);
          }
          pending = [all];
          pendingBytes = all.length;
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!headerSent) this.push(header);
        this.push(seal(Buffer.concat(pending, pendingBytes), true));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/**
 * The plaintext of a file written by `encryptingStream`, one verified segment at a time. Throws
 * FileIntegrityError at the first segment that does not verify, having yielded only the verified
 * ones before it.
 */
export async function* decryptSegments(input: AsyncIterable<Buffer>, baseKey: Buffer): AsyncGenerator<Buffer> {
  let header: Buffer | null = null;
  let key: Buffer | null = null;
  let buffered: Buffer = Buffer.alloc(0);
  let counter = 0;
  const open = (sealed: Buffer, final: boolean): Buffer => {
    const { nonce, aad } = segmentParams(header!, counter, final);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key!, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
      counter += 1;
      return plaintext;
    } catch {
      throw new FileIntegrityError(final ? 'its last segment does not verify (cut short or altered).' : 'a segment does not verify (altered).', counter * SEGMENT_BYTES);
    }
  };
  for await (const chunk of input) {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    if (header === null) {
      if (buffered.length < HEADER_BYTES) continue;
      header = Buffer.from(buffered.subarray(0, HEADER_BYTES));
      if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new FileIntegrityError('it is not an encrypted batch file.', 0);
      key = fileKey(baseKey, header.subarray(MAGIC.length, MAGIC.length + SALT_BYTES));
      buffered = buffered.subarray(HEADER_BYTES);
    }
    // Only a segment with more bytes after it can be a not-last one.
    while (buffered.length > SEALED_SEGMENT_BYTES) {
      yield open(buffered.subarray(0, SEALED_SEGMENT_BYTES), false);
      buffered = buffered.subarray(SEALED_SEGMENT_BYTES);
    }
  }
  if (header === null) throw new FileIntegrityError('it is shorter than its header.', 0);
  if (buffered.length < TAG_BYTES) throw new FileIntegrityError('it is cut short.', counter * SEGMENT_BYTES);
  const last = open(buffered, true);
  if (last.length > 0) yield last;
}
