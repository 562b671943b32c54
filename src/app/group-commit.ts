import { TransactionBroken, type Savepoints } from './ports.js';

/** Requests committed together at most (DAIKOU_GROUP_COMMIT=0 makes it 1: a transaction each). */
export const GROUP_SIZE_MAX = 64;

interface Member<Tx> {
  work: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit (DESIGN-NOTES §11): the writes of concurrent API requests share one transaction,
 * and so one fsync. Requests that arrive while a group commits, or within the same turn of the
 * event loop, wait for the next group; a group runs them one by one, each in a savepoint of its
 * own, so that a request that fails (a reference taken, a refused body) is rolled back alone and
 * its neighbours go on. Every request is answered after the commit that holds it: a group whose
 * transaction fails (its commit, a savepoint that cannot be rolled back) fails every request in
 * it, and keeps nothing of any.
 *
 * One group at a time: its requests decide against what the ones before them wrote, in the same
 * transaction, so that uniqueness, limits and allowances stay exact; and two groups locking the
 * same rows in different orders could deadlock on PostgreSQL.
 *
 * Turned off (`enabled: false`), each request runs in a transaction of its own at once.
 */
export class GroupCommit<Tx extends Savepoints> {
  readonly #store: { transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> };
  readonly #sizeMax: number;
  #waiting: Member<Tx>[] = [];
  #running = false;

  /** `store`: where the transactions run (the Store). */
  constructor(store: { transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> }, options: { enabled: boolean; sizeMax?: number }) {
    this.#store = store;
    this.#sizeMax = options.enabled ? options.sizeMax ?? GROUP_SIZE_MAX : 1;
  }

  /** Runs `work` in a transaction, possibly shared with concurrent requests; resolves once that transaction committed. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.#sizeMax === 1) return this.#store.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) {
        this.#running = true;
        // The rest of this turn's requests join the group before it starts.
        setImmediate(() => void this.#commitGroups());
      }
    });
  }

  async #commitGroups(): Promise<void> {
    while (this.#waiting.length > 0) {
      let group: Member<Tx>[] = [];
      const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
      try {
        await this.#store.transaction(async (tx) => {
          // The members are taken once the transaction has begun, not when it was asked for: on
          // SQLite it waits for the one connection behind the reads of requests still on their way
          // (their API keys), and those requests join this group rather than the next.
          group = this.#waiting.splice(0, this.#sizeMax);
          outcomes.length = 0;
          for (const member of group) {
            try {
              outcomes.push({ ok: true, value: await tx.savepoint(() => member.work(tx)) });
            } catch (error) {
              // The savepoint was rolled back: nothing of this request stays. One that could not be
              // rolled back broke the transaction: the whole group fails.
              if (error instanceof TransactionBroken) throw error;
              outcomes.push({ ok: false, error });
            }
          }
        });
      } catch (error) {
        // A transaction that could not even begin fails the requests it would have taken.
        if (group.length === 0) group = this.#waiting.splice(0, this.#sizeMax);
        for (const member of group) member.reject(error);
        continue;
      }
      group.forEach((member, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) member.resolve(outcome.value);
        else member.reject(outcome.error);
      });
    }
    this.#running = false;
  }
}
