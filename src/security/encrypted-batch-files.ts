import crypto from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { BatchFileUnreadable, type BatchFileStore, type StoredBatchFile } from '../app/batch-file-store.js';
import { decryptSegments, encryptingStream, FileIntegrityError } from './file-encryption.js';

/**
 * Batch files encrypted at rest (SPEC §13), around any BatchFileStore: what `put` is given is
 * encrypted on its way to `inner` (which sees only ciphertext), and `open` verifies each segment
 * before it is yielded. The size and hash returned are the plaintext's, so that the same file is
 * the same batch whatever key or salt sealed it. `baseKey` is 32 bytes (Vault.derive).
 */
export function encryptedBatchFiles(inner: BatchFileStore, baseKey: Buffer): BatchFileStore {
  return {
    async put(batchId: string, file: AsyncIterable<Buffer>): Promise<StoredBatchFile> {
      const hash = crypto.createHash('sha256');
      let bytes = 0;
      async function* counted(): AsyncGenerator<Buffer> {
        for await (const chunk of file) {
          hash.update(chunk);
          bytes += chunk.length;
          yield chunk;
        }
      }
      // pipeline, not pipe: an error from `file` (a refused upload) must reach `inner` and end its
      // put; the callback has nothing to add, since reading the last stream throws the same error.
      const sealed = pipeline(Readable.from(counted()), encryptingStream(baseKey), () => undefined);
      await inner.put(batchId, sealed);
      return { bytes, sha256: hash.digest('hex') };
    },
    async *open(batchId: string): AsyncGenerator<Buffer> {
      try {
        yield* decryptSegments(inner.open(batchId), baseKey);
      } catch (error) {
        if (error instanceof FileIntegrityError) throw new BatchFileUnreadable(error.detail, error.plaintextOffset);
        throw error;
      }
    },
    delete: (batchId) => inner.delete(batchId),
    deleteAbandoned: (uploadedBefore) => inner.deleteAbandoned(uploadedBefore),
  };
}
