import { sql, type Kysely } from 'kysely';
import type { Store, StoreTx } from '../../src/app/ports.js';

/** The process died here: thrown by a store call, so that the round stops where it is. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * Where one node of the hub dies: after `callsLeft` more store calls (each method call, and each
 * commit, counts as one), the next throws. A throw inside a transaction rolls it back; a throw
 * at a commit point comes after the commit, as a crash between commit and the next line.
 */
export class CrashPoint {
  callsLeft: number | null = null;

  tick(where: string): void {
    if (this.callsLeft === null) return;
    this.callsLeft -= 1;
    if (this.callsLeft <= 0) {
      this.callsLeft = null;
      throw new SimulatedCrash(`simulated crash at ${where}`);
    }
  }
}

/** The store one node uses: the real store, with that node's crash point before each call. */
export function crashingStore(store: Store, crash: CrashPoint): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'transaction') {
        return async <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
          crash.tick('transaction');
          const result = await target.transaction((tx) => work(crashingTx(tx, crash)));
          crash.tick('commit');
          return result;
        };
      }
      return tickBefore(target, property, crash);
    },
  });
}

function crashingTx(tx: StoreTx, crash: CrashPoint): StoreTx {
  return new Proxy(tx, { get: (target, property) => tickBefore(target, property, crash) });
}

function tickBefore<T extends object>(target: T, property: string | symbol, crash: CrashPoint): unknown {
  const value: unknown = Reflect.get(target, property, target);
  if (typeof value !== 'function') return value;
  return (...args: unknown[]) => {
    crash.tick(String(property));
    return (value as (...args: unknown[]) => unknown).apply(target, args);
  };
}

/**
 * THE BROKEN FENCE (test only): a store whose lease on an open attempt holds nobody off. Before
 * each query round claims attempts, every lease another worker holds is cleared and its attempt
 * made due, so that a second worker claims an attempt already leased — as a claim that forgot
 * `lease_until < now` would. The simulation must catch it (test/simulation/simulation.test.ts).
 */
export function leaseIgnoringStore(store: Store, db: Kysely<unknown>): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property !== 'claimOpenAttempts') return Reflect.get(target, property, target);
      return async (now: string, limit: number, owner: string, leaseUntil: string) => {
        await sql`update attempts set lease_until = null, next_query_at = ${now}
          where state in ('sending', 'accepted', 'unknown') and lease_owner is not null and lease_owner <> ${owner}`.execute(db);
        return target.claimOpenAttempts(now, limit, owner, leaseUntil);
      };
    },
  });
}

/**
 * THE LOST RELEASE (test only): a store that never posts a failed payout's release, as a failure
 * path that forgot to give the reservation back would. The simulation must catch it.
 */
export function releaseDroppingStore(store: Store): Store {
  const dropping = (tx: StoreTx): StoreTx =>
    new Proxy(tx, {
      get(target, property) {
        if (property !== 'postLedgerTransactions') return Reflect.get(target, property, target);
        return (entries: Parameters<StoreTx['postLedgerTransactions']>[0]) => target.postLedgerTransactions(entries.filter((entry) => entry.transaction.kind !== 'payout_released'));
      },
    });
  return new Proxy(store, {
    get(target, property) {
      if (property !== 'transaction') return Reflect.get(target, property, target);
      return <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => target.transaction((tx) => work(dropping(tx)));
    },
  });
}
