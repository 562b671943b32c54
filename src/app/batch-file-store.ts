/**
 * Where uploaded batch files wait for their batch (SPEC §11, §13), declared by the batch use case
 * that needs it. Any node must be able to read any batch's file: the production adapter keeps
 * files in the database (src/storage/batch-file-chunks.ts), wrapped in encryption at rest
 * (src/security/encrypted-batch-files.ts), both wired in src/main.ts. Files stream through in
 * pieces: no method ever holds a whole file (a million-row file is ~100 MB).
 */
export interface BatchFileStore {
  /**
   * Stores `file` as the file of `batchId` while it streams, and returns how many bytes it had and
   * their SHA-256 (hex). An error thrown by `file` (the caller's checks refusing the upload) or by
   * the store leaves nothing stored and is thrown again.
   */
  put(batchId: string, file: AsyncIterable<Buffer>): Promise<StoredBatchFile>;
  /**
   * The file's bytes, in order, as they were given to `put`. Throws BatchFileUnreadable when the
   * file is missing or does not verify, after the bytes before the point of failure.
   */
  open(batchId: string): AsyncIterable<Buffer>;
  /** Deletes the file; deleting a file that is not there does nothing. */
  delete(batchId: string): Promise<void>;
  /**
   * Deletes what a crash left: files of batches that are no longer processing, and files that
   * never became a batch (an upload cut off, or refused after it was stored) begun before
   * `uploadedBefore`. Returns how many files it deleted.
   */
  deleteAbandoned(uploadedBefore: string): Promise<number>;
}

export interface StoredBatchFile {
  bytes: number;
  /** Hex SHA-256 of the bytes as given: the same file again is the same batch. */
  sha256: string;
}

/** A stored file that is missing, cut short or altered: reading it again would not help. */
export class BatchFileUnreadable extends Error {
  override name = 'BatchFileUnreadable';
  constructor(
    /** Why, in a sentence that starts after "The stored file". */
    readonly detail: string,
    /** Bytes of the file read and verified before the failure; null when the file is missing. */
    readonly byteOffset: number | null,
  ) {
    super(`The stored file ${detail}`);
  }
}
