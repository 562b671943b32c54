/** What a transaction offers beyond the store's ports: savepoints, so that one part of it can fail alone. */
export interface Savepoints {
  /**
   * Runs `work` under a savepoint: when it rejects, what it wrote is rolled back and the
   * transaction goes on, usable, with the work's error passed on. When the rollback itself fails
   * (the connection lost, the transaction aborted by the engine), it rejects with
   * `TransactionBroken`: nothing more can be done in the transaction.
   */
  savepoint<T>(work: () => Promise<T>): Promise<T>;
}

/** A transaction that can no longer be rolled back to a savepoint; `cause` says why. */
export class TransactionBroken extends Error {
  constructor(cause: unknown) {
    super('the transaction could not be rolled back to a savepoint', { cause });
    this.name = 'TransactionBroken';
  }
}
