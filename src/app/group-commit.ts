import { AsyncResource } from 'node:async_hooks';
import { TransactionBroken, type Savepoints } from './ports.js';

/** Requests committed together at most (DAIKOU_GROUP_COMMIT=0 makes it 1: a transaction each). */
const GROUP_SIZE_MAX = 64;
/** Times a group aborted for a conflict with another (a deadlock) is run again before its requests fail. */
const RETRIES_MAX = 3;

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
 * Groups in flight: one by default (SQLite has one writer). Within a group, requests decide
 * against what the ones before them wrote, in the same transaction, so that uniqueness, limits and
 * allowances stay exact. With `groupsMax` > 1 (PostgreSQL) several groups run at once, each its own
 * transaction: the usage counters they share are rows each group locks (`lockMandateUsage`,
 * `lockAllowanceUsage`) before it reads them, so the limits stay exact across groups; two groups
 * that lock the same rows in opposite orders deadlock, the database aborts one (`retryable`), and
 * that group runs again, whole, in a new transaction (at most RETRIES_MAX times).
 *
 * Turned off (`enabled: false`), each request runs in a transaction of its own at once.
 */
export class GroupCommit<Tx extends Savepoints> {
  readonly #store: { transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> };
  readonly #sizeMax: number;
  readonly #groupsMax: number;
  readonly #retryable: (error: unknown) => boolean;
  #waiting: Member<Tx>[] = [];
  #inFlight = 0;
  #starting = false;
  /** Groups committed since the start, and the requests they held: their mean size (`/metrics`, the bench). */
  #committed = { groups: 0, requests: 0 };
  /**
   * Runs groups in the async context the GroupCommit was made in: a group started from inside
   * another's transaction would otherwise inherit it, and the store refuses nested transactions.
   */
  readonly #commitGroupsOutside = AsyncResource.bind(() => void this.#commitGroups());

  /**
   * `store`: where the transactions run (the Store). `groupsMax`: groups committing at once (1
   * unless the store takes concurrent writers). `retryable`: a transaction the database aborted
   * for a conflict with another (a deadlock), which may succeed when run again.
   */
  constructor(
    store: { transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> },
    options: { enabled: boolean; sizeMax?: number; groupsMax?: number; retryable?: (error: unknown) => boolean },
  ) {
    this.#store = store;
    this.#sizeMax = options.enabled ? options.sizeMax ?? GROUP_SIZE_MAX : 1;
    this.#groupsMax = options.groupsMax ?? 1;
    this.#retryable = options.retryable ?? (() => false);
  }

  /** Groups committed since the start and the requests they held, refused ones included (nothing while turned off). */
  committed(): { groups: number; requests: number } {
    return { ...this.#committed };
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
      this.#startGroup();
    });
  }

  /** Starts another group, if requests wait and fewer than `groupsMax` run; the rest of this turn's requests join it before it starts. */
  #startGroup(): void {
    if (this.#starting || this.#inFlight >= this.#groupsMax || this.#waiting.length === 0) return;
    this.#starting = true;
    this.#inFlight += 1;
    setImmediate(() => {
      this.#starting = false;
      this.#commitGroupsOutside();
    });
  }

  async #commitGroups(): Promise<void> {
    while (this.#waiting.length > 0) {
      let group: Member<Tx>[] = [];
      let outcomes: Outcome<unknown>[] = [];
      for (let attempt = 1; ; attempt += 1) {
        try {
          await this.#store.transaction(async (tx) => {
            // The members are taken once the transaction has begun, not when it was asked for: on
            // SQLite it waits for the one connection behind the reads of requests still on their way,
            // and those requests join this group rather than the next. A group run again keeps its own.
            if (group.length === 0) group = this.#waiting.splice(0, this.#sizeMax);
            // Those left over may start a group of their own meanwhile.
            this.#startGroup();
            outcomes = await decideGroup(tx, group, this.#retryable);
          });
          this.#committed.groups += 1;
          this.#committed.requests += group.length;
          break;
        } catch (error) {
          if (group.length > 0 && attempt <= RETRIES_MAX && this.#retryable(error)) continue;
          // A transaction that could not even begin fails the requests it would have taken.
          if (group.length === 0) group = this.#waiting.splice(0, this.#sizeMax);
          for (const member of group) member.reject(error);
          group = [];
          break;
        }
      }
      group.forEach((member, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) member.resolve(outcome.value);
        else member.reject(outcome.error);
      });
    }
    this.#inFlight -= 1;
  }
}

/**
 * A group's outcomes, in its members' order: the grouped members first, a set per kind, in one
 * savepoint (the fallback to one by one needs it rolled back whole); then the others, each in its own.
 */
async function decideGroup<Tx extends Savepoints>(tx: Tx, group: readonly Member<Tx>[], retryable: (error: unknown) => boolean): Promise<Outcome<unknown>[]> {
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
      // A deadlock with another group: the whole group runs again, in a new transaction.
      if (error instanceof TransactionBroken || retryable(error)) throw error;
      // Rolled back whole: the same requests, one by one.
      results = [];
      for (const item of items) results.push(await alone(tx, () => grouped.one(tx, item), retryable));
    }
    indexes.forEach((index, at) => (outcomes[index] = results[at]!));
  }
  for (const [index, member] of group.entries()) if ('work' in member) outcomes[index] = await alone(tx, () => member.work(tx), retryable);
  return outcomes;
}

/** Runs `work` in a savepoint: a failure rolls back what it wrote, and only it. */
async function alone<Tx extends Savepoints>(tx: Tx, work: () => Promise<unknown>, retryable: (error: unknown) => boolean): Promise<Outcome<unknown>> {
  try {
    return { ok: true, value: await tx.savepoint(work) };
  } catch (error) {
    // A savepoint that could not be rolled back broke the transaction: the whole group fails. A
    // deadlock with another group: the whole group runs again.
    if (error instanceof TransactionBroken || retryable(error)) throw error;
    return { ok: false, error };
  }
}
