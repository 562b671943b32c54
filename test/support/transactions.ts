import type { Store } from '../../src/app/ports.js';

/**
 * Watches the store's transactions from now on: `seen(transaction, method, args)` is called for
 * every store method a transaction calls (`transaction` counts them from 0, in the order they
 * begin), before the call goes through. `restore()` gives the store its own `transaction` back.
 */
export function watchTransactions(store: Store, seen: (transaction: number, method: string, args: unknown[]) => void): { restore(): void } {
  const original = store.transaction;
  let begun = 0;
  store.transaction = ((work: (tx: object) => Promise<unknown>) => {
    const transaction = begun++;
    return original.call(store, (tx) =>
      work(
        new Proxy(tx, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver) as unknown;
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) => {
              seen(transaction, String(property), args);
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        }),
      ),
    );
  }) as Store['transaction'];
  return {
    restore() {
      store.transaction = original;
    },
  };
}
