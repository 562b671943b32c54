import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptSegments, encryptingStream, FileIntegrityError, SEGMENT_BYTES } from '../../src/security/file-encryption.js';

const key = crypto.createHash('sha256').update('test key').digest();

async function encrypt(plaintext: Buffer, chunkBytes = 10_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < plaintext.length; i += chunkBytes) chunks.push(plaintext.subarray(i, i + chunkBytes));
  const out: Buffer[] = [];
  for await (const piece of Readable.from(chunks).pipe(encryptingStream(key))) out.push(piece as Buffer);
  return Buffer.concat(out);
}

async function decrypt(sealed: Buffer, withKey = key): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const segment of decryptSegments(Readable.from([sealed.subarray(0, 7), sealed.subarray(7)]), withKey)) out.push(segment);
  return Buffer.concat(out);
}

describe('batch file encryption', () => {
  it.each([0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES, 3 * SEGMENT_BYTES + 17])('round-trips %i bytes, and the plaintext is not in the file', async (bytes) => {
    const plaintext = Buffer.alloc(bytes, '6222021234567890128,');
    const sealed = await encrypt(plaintext);
    expect((await decrypt(sealed)).equals(plaintext)).toBe(true);
    if (bytes >= 19) expect(sealed.includes('6222021234567890128')).toBe(false);
  });

  it('round-trips any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * SEGMENT_BYTES }), fc.integer({ min: 1, max: 100_000 }), async (bytes, chunk) => {
        const plaintext = crypto.randomBytes(bytes);
        expect((await decrypt(await encrypt(plaintext, chunk))).equals(plaintext)).toBe(true);
      }),
      { seed: 8, numRuns: 20 },
    );
  });

  const refused = async (sealed: Buffer, withKey = key) => {
    try {
      await decrypt(sealed, withKey);
    } catch (error) {
      return error;
    }
    return null;
  };

  it.each([
    ['cut at a segment boundary', (s: Buffer) => s.subarray(0, 28 + SEGMENT_BYTES + 16)],
    ['cut inside a segment', (s: Buffer) => s.subarray(0, s.length - 5)],
    ['cut inside the header', (s: Buffer) => s.subarray(0, 10)],
    ['a flipped bit', (s: Buffer) => Buffer.concat([s.subarray(0, 100), Buffer.from([s[100]! ^ 1]), s.subarray(101)])],
    ['two segments swapped', (s: Buffer) => Buffer.concat([s.subarray(0, 28), s.subarray(28 + SEGMENT_BYTES + 16, 28 + 2 * (SEGMENT_BYTES + 16)), s.subarray(28, 28 + SEGMENT_BYTES + 16), s.subarray(28 + 2 * (SEGMENT_BYTES + 16))])],
    ['not an encrypted file', () => Buffer.from('reference,mandate_id,amount\n'.repeat(3))],
  ])('refuses a file %s', async (_name, alter) => {
    const sealed = await encrypt(crypto.randomBytes(2 * SEGMENT_BYTES + 100));
    expect(await refused(alter(sealed))).toBeInstanceOf(FileIntegrityError);
  });

  it('refuses another key', async () => {
    expect(await refused(await encrypt(Buffer.from('x')), crypto.randomBytes(32))).toBeInstanceOf(FileIntegrityError);
  });
});
