import { useCallback, useEffect, useRef, useState } from 'react';
import { isError } from '@backstage/errors';

/** State of data loaded by {@link useLoader}. */
export interface Loaded<T> {
  value?: T;
  /** The error of the last load; `value` may still hold the data of an earlier one. */
  error?: Error;
  loading: boolean;
  /** How many loads have ended (with data or an error): changes once per finished load. */
  loadCount: number;
  /** Loads again, keeping the current value on screen meanwhile. */
  reload: () => void;
}

/**
 * Loads data when `key` changes and on `reload`. Unlike a plain async hook, a failed reload keeps the last
 * value, so a polling view does not blank out on one failed request; answers to superseded loads are dropped.
 */
export function useLoader<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{
    value?: T;
    error?: Error;
    loading: boolean;
    loadCount: number;
  }>({ loading: true, loadCount: 0 });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(async () => {
    generation.current += 1;
    const current = generation.current;
    setState(s => ({ ...s, loading: true }));
    try {
      const value = await loadRef.current();
      if (current === generation.current) {
        setState(s => ({ value, loading: false, loadCount: s.loadCount + 1 }));
      }
    } catch (e) {
      if (current === generation.current) {
        setState(s => ({
          ...s,
          loading: false,
          loadCount: s.loadCount + 1,
          error: isError(e) ? e : new Error(String(e)),
        }));
      }
    }
  }, []);

  useEffect(() => {
    setState(s => ({ loading: true, loadCount: s.loadCount }));
    run();
    return () => {
      generation.current += 1;
    };
  }, [run, key]);

  return { ...state, reload: run };
}
