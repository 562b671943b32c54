import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type Kysely } from 'kysely';
import { invariant } from '../core/index.js';
import { TransactionBroken, type Savepoints, type Store, type StoreTx } from '../app/ports.js';
import { openDatabase, type DatabaseConfig, type DatabaseHandle } from './database.js';
import type { Database } from './schema.js';
import { DIALECTS } from './dialects/index.js';
import { Access } from './store/access.js';
import { Attempts } from './store/attempts.js';
import { Batches } from './store/batches.js';
import { Catalog } from './store/catalog.js';
import { Debits } from './store/debits.js';
import { Idempotency } from './store/idempotency.js';
import { Ledger } from './store/ledger.js';
import { Mandates } from './store/mandates.js';
import { Payouts } from './store/payouts.js';
import { Reports } from './store/reports.js';
import { Settlements } from './store/settlements.js';
import { Representments } from './store/representments.js';
import { Refunds } from './store/refunds.js';
import { Webhooks } from './store/webhooks.js';
import { Events } from './store/events.js';
import { WebhookDeliveries } from './store/webhook-deliveries.js';
import { Reconciliations } from './store/reconciliations.js';
import { Notices } from './store/notices.js';
import type { Executor, StoreContext } from './store/shared.js';
import { preparedOn } from './dialects/sqlite.js';

/**
 * The store on Kysely, one implementation for SQLite and PostgreSQL, composed of one class per
 * area (src/storage/store/), all over the same context: the store's methods are theirs, bound.
 */
const AREAS = [Access, Catalog, Mandates, Debits, Attempts, Batches, Idempotency, Ledger, Reports, Settlements, Representments, Payouts, Refunds, Reconciliations, Webhooks, Events, Notices, WebhookDeliveries] as const;

type Areas = Access & Catalog & Mandates & Debits & Attempts & Batches & Idempotency & Ledger & Reports & Settlements & Representments & Payouts & Refunds & Reconciliations & Webhooks & Events & Notices & WebhookDeliveries;

/** Each area's methods, listed once: the store of a transaction binds them to its areas (`storeTx`). */
const METHODS: readonly { area: number; name: string; method: (...args: unknown[]) => unknown }[] = (() => {
  const names = new Set<string>();
  return AREAS.flatMap((Area, area) =>
    Object.getOwnPropertyNames(Area.prototype).flatMap((name) => {
      // The descriptor's value: a getter (an area's `db`) is no method, and is not run here.
      const method: unknown = Object.getOwnPropertyDescriptor(Area.prototype, name)?.value;
      if (name === 'constructor' || typeof method !== 'function') return [];
      invariant(!names.has(name), `two areas of the store define ${name}`);
      names.add(name);
      return [{ area, name, method: method as (...args: unknown[]) => unknown }];
    }),
  );
})();

/**
 * The store over one context: each area's methods bound to an area made for it. Made for every
 * transaction, so it does no more than that: the methods were listed once (METHODS), and are
 * added in the same order each time, which keeps the object's shape the same.
 */
function storeTx(context: StoreContext): StoreTx {
  const areas = AREAS.map((Area) => new Area(context));
  const tx: Record<string, unknown> = {};
  for (const { area, name, method } of METHODS) tx[name] = method.bind(areas[area]);
  return tx as unknown as Areas;
}

/**
 * Savepoints of a transaction, one after another (never nested): on SQLite prepared once on the
 * connection the transaction holds, on PostgreSQL as plain statements of the transaction.
 */
function savepoints(context: StoreContext): Savepoints {
  const run = async (statement: string) => {
    if (context.sqlite !== undefined) preparedOn(context.sqlite, statement).run();
    else await sql.raw(statement).execute(context.db);
  };
  return {
    async savepoint(work) {
      await run('savepoint request');
      let result;
      try {
        result = await work();
      } catch (error) {
        try {
          await run('rollback to savepoint request');
          await run('release savepoint request');
        } catch (rollbackFailure) {
          throw new TransactionBroken(rollbackFailure);
        }
        throw error;
      }
      await run('release savepoint request');
      return result;
    },
  };
}

/** Marks the async context of a transaction's work. */
const inTransaction = new AsyncLocalStorage<true>();

/**
 * The store outside any transaction. Reaching for it from inside a transaction is a bug: on SQLite
 * the transaction holds the only connection and the call would wait forever; on PostgreSQL it
 * would read outside the transaction. Its context fails at once instead.
 */
export function createStore(handle: DatabaseHandle): Store {
  const { db: root, sqlite } = handle;
  const dialect = DIALECTS[handle.engine];
  const listeners: (() => void)[] = [];
  const eventsCommitted = () => {
    for (const listener of listeners) listener();
  };
  const context: StoreContext = {
    get db(): Executor {
      invariant(inTransaction.getStore() === undefined, 'the store was used inside a transaction: use the transaction instead');
      return root;
    },
    dialect,
    eventsWritten: eventsCommitted,
  };
  return {
    ...storeTx(context),
    engine: dialect.engine,
    partRowsMax: dialect.partRowsMax,
    async transaction<T>(work: (tx: StoreTx & Savepoints) => Promise<T>): Promise<T> {
      invariant(inTransaction.getStore() === undefined, 'transactions do not nest');
      let wroteEvents = false;
      const result = await root.transaction().execute((trx) =>
        inTransaction.run(true, () => {
          const context = { db: trx, dialect, sqlite, eventsWritten: () => (wroteEvents = true) };
          return work(Object.assign(storeTx(context), savepoints(context)));
        }),
      );
      // Told only once the events are committed: a listener that reads them finds them.
      if (wroteEvents) eventsCommitted();
      return result;
    },
    onEventsCommitted(listener: () => void): void {
      listeners.push(listener);
    },
    close: () => handle.close(),
  };
}

export function openStore(config: DatabaseConfig): { store: Store; db: Kysely<Database> } {
  const handle = openDatabase(config);
  return { store: createStore(handle), db: handle.db };
}
