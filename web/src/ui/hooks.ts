// Small data hooks: load once per dependency change, re-render on language change.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { onLangChange } from '../i18n/core';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    load(ctrl.signal).then(
      (d) => {
        if (!ctrl.signal.aborted) {
          setData(d);
          setLoading(false);
        }
      },
      (e) => {
        if (!ctrl.signal.aborted) {
          setError(e);
          setLoading(false);
        }
      },
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

// Re-renders the calling component when the language changes.
export function useLang(): void {
  const [, set] = useState(0);
  useEffect(() => onLangChange(() => set((n) => n + 1)), []);
}

// Runs an action, keeping its busy flag and error for the form that started it.
export function useAction<A extends unknown[], R>(f: (...a: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (...a: A): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await f(...a);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

// A form's onSubmit handler: keeps the browser from loading a page and calls `run` (no arguments).
export function submitWith(run: () => unknown) {
  return (e: Event) => {
    e.preventDefault();
    run();
  };
}
