import { useCallback, useEffect, useState } from 'react';
import type { Schemas } from '../../src/client/index.js';

/** What a failed call shows: the problem's detail (already masked by the API), or the status. */
export function problemText(error: unknown, status: number): string {
  const problem = error as Partial<Schemas['Problem']> | undefined;
  return problem?.detail ?? problem?.title ?? `HTTP ${status}`;
}

export type Loaded<T> = { state: 'loading' } | { state: 'error'; detail: string } | { state: 'ok'; data: T };

/**
 * Loads what `load` returns and loads it again when `deps` change or `reload()` is called.
 * `load` answers `{ data }` or `{ error, response }` as the typed client does.
 */
export function useLoad<T>(load: () => Promise<{ data?: T; error?: unknown; response: Response }>, deps: readonly unknown[]): Loaded<T> & { reload(): void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      ({ data, error, response }) => {
        if (!live) return;
        if (data !== undefined) setResult({ state: 'ok', data });
        else setResult({ state: 'error', detail: problemText(error, response.status) });
      },
      (failure: unknown) => live && setResult({ state: 'error', detail: String(failure) }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...result, reload };
}
