import { useCallback, useEffect, useRef, useState } from 'react';
import { isError } from '@backstage/errors';
import { Page } from '@kargo-portal/plugin-kargo-common';

/** State of a list loaded page by page. */
export interface CursorPages<T> {
  items: T[];
  /** True until the first page arrived (or failed). */
  initialLoading: boolean;
  /** True while any page loads. */
  loading: boolean;
  error?: Error;
  hasMore: boolean;
  /** Appends the next page. */
  loadMore: () => void;
  /** Starts over from the first page. */
  reload: () => void;
}

/**
 * Loads a newest-first list by cursor: the first page when `key` changes (the query), further pages on
 * `loadMore`; `reload` refetches the first page and keeps showing the old items until it arrives. An answer that
 * arrives after a reload (or unmount) is dropped, so pages never mix.
 */
export function useCursorPages<T>(
  load: (cursor: string | undefined) => Promise<Page<T>>,
  key: string,
): CursorPages<T> {
  const [state, setState] = useState<{
    items: T[];
    nextCursor?: string;
    loading: boolean;
    loaded: boolean;
    error?: Error;
  }>({ items: [], loading: true, loaded: false });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const fetchPage = useCallback(
    async (cursor: string | undefined, append: boolean) => {
      const current = generation.current;
      setState(s => ({ ...s, loading: true, error: undefined }));
      try {
        const page = await loadRef.current(cursor);
        if (current !== generation.current) return;
        setState(s => ({
          items: append ? [...s.items, ...page.items] : page.items,
          nextCursor: page.nextCursor,
          loading: false,
          loaded: true,
        }));
      } catch (e) {
        if (current !== generation.current) return;
        setState(s => ({
          ...s,
          loading: false,
          loaded: true,
          error: isError(e) ? e : new Error(String(e)),
        }));
      }
    },
    [],
  );

  const reload = useCallback(() => {
    generation.current += 1;
    fetchPage(undefined, false);
  }, [fetchPage]);

  useEffect(() => {
    // Another list: drop the old one rather than show it under the new query.
    setState({ items: [], loading: true, loaded: false });
    reload();
    return () => {
      generation.current += 1;
    };
  }, [reload, key]);

  const { nextCursor, loading } = state;
  const loadMore = useCallback(() => {
    if (nextCursor && !loading) fetchPage(nextCursor, true);
  }, [fetchPage, nextCursor, loading]);

  return {
    items: state.items,
    initialLoading: !state.loaded,
    loading: state.loading,
    error: state.error,
    hasMore: nextCursor !== undefined,
    loadMore,
    reload,
  };
}
