import { TransactionBroken, type Savepoints } from './ports.js';

/** Requests committed together at most (DAIKOU_GROUP_COMMIT=0 makes it 1: a transaction each). */
const GROUP_SIZE_MAX = 64;

/** What became of one request of a group. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Requests of one kind that a group decides and writes at once (DESIGN-NOTES §11): `all` decides
 * its items in order, in memory, against what a few set queries read, and writes them with
 * multi-row statements; an item refused by its own checks gets its error in its outcome and
 * writes nothing. `one` is the same request alone, written statement by statement: what a group
 * falls back to, each item in a savepoint of its own, when `all` fails as a whole (a reference a
 * concurrent transaction took on PostgreSQL breaks a multi-row insert).
 */
export interface GroupedWork<Tx, Item, T> {
  all(tx: Tx, items: readonly Item[]): Promise<Outcome<T>[]>;
  one(tx: Tx, item: Item): Promise<T>;
}

type Member<Tx> = { resolve: (value: unknown) => void; reject: (error: unknown) => void } & (
  | { work: (tx: Tx) => Promise<unknown> }
  | { grouped: GroupedWork<Tx, unknown, unknown>; item: unknown }
);

/**
 * Group commit (DESIGN-NOTES §11): the writes of concurrent API requests share one transaction,
 * and so one fsync. Requests that arrive while a group commits, or within the same turn of the
 * event loop, wait for the next group. Grouped requests (`add`: API debits) are decided together
 * and written set-based; the others (`run`: payouts) one by one, each in a savepoint of its own.
 * Either way a request that fails (a reference taken, a refused body) writes nothing and its
 * neighbours go on. Every request is answered after the commit that holds it: a group whose
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
    return this.#join({ work });
  }

  /** Decides and writes `item` with the other items of `grouped` in the same group; resolves once their transaction committed. */
  add<Item, T>(grouped: GroupedWork<Tx, Item, T>, item: Item): Promise<T> {
    if (this.#sizeMax === 1) return this.#store.transaction((tx) => grouped.one(tx, item));
    return this.#join({ grouped: grouped as GroupedWork<Tx, unknown, unknown>, item });
  }

  #join<T>(member: { work: (tx: Tx) => Promise<unknown> } | { grouped: GroupedWork<Tx, unknown, unknown>; item: unknown }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ ...member, resolve: resolve as (value: unknown) => void, reject });
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
      let outcomes: Outcome<unknown>[] = [];
      try {
        await this.#store.transaction(async (tx) => {
          // The members are taken once the transaction has begun, not when it was asked for: on
          // SQLite it waits for the one connection behind the reads of requests still on their way
          // (their API keys), and those requests join this group rather than the next.
          group = this.#waiting.splice(0, this.#sizeMax);
          outcomes = await decideGroup(tx, group);
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

/**
 * A group's outcomes, in its members' order: the grouped members first, a set per kind, in one
 * savepoint (the fallback to one by one needs it rolled back whole); then the others, each in its own.
 */
async function decideGroup<Tx extends Savepoints>(tx: Tx, group: readonly Member<Tx>[]): Promise<Outcome<unknown>[]> {
  const outcomes = new Array<Outcome<unknown>>(group.length);
  const sets = new Map<GroupedWork<Tx, unknown, unknown>, number[]>();
  group.forEach((member, index) => {
    if ('grouped' in member) sets.set(member.grouped, [...(sets.get(member.grouped) ?? []), index]);
  });
  for (const [grouped, indexes] of sets) {
    const items = indexes.map((index) => (group[index] as { item: unknown }).item);
    let results: Outcome<unknown>[];
    try {
      results = await tx.savepoint(() => grouped.all(tx, items));
    } catch (error) {
      if (error instanceof TransactionBroken) throw error;
      // Rolled back whole: the same requests, one by one.
      results = [];
      for (const item of items) results.push(await alone(tx, () => grouped.one(tx, item)));
    }
    indexes.forEach((index, at) => (outcomes[index] = results[at]!));
  }
  for (const [index, member] of group.entries()) if ('work' in member) outcomes[index] = await alone(tx, () => member.work(tx));
  return outcomes;
}

/** Runs `work` in a savepoint: a failure rolls back what it wrote, and only it. */
async function alone<Tx extends Savepoints>(tx: Tx, work: () => Promise<unknown>): Promise<Outcome<unknown>> {
  try {
    return { ok: true, value: await tx.savepoint(work) };
  } catch (error) {
    // A savepoint that could not be rolled back broke the transaction: the whole group fails.
    if (error instanceof TransactionBroken) throw error;
    return { ok: false, error };
  }
}
