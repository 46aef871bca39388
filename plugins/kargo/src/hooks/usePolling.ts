import { useEffect, useRef } from 'react';

/** Options of {@link usePolling}. */
export interface PollingOptions {
  /** Poll while true; stop (and reset the backoff) when false. */
  active: boolean;
  /** True while a load runs: the next poll is scheduled only after it finished, so requests never overlap. */
  loading: boolean;
  /** Changes each time a load finished; the next poll is scheduled from then. */
  loadCount: number;
  /** Starts a reload. */
  refresh: () => void;
  /**
   * What the polled data looks like now (e.g. the phases of running promotions). When it changes, the backoff
   * starts over: progress is likely to continue soon.
   */
  progressKey?: string;
  /** First delay; doubled after each poll that showed no progress. Default 2 s. */
  initialDelayMs?: number;
  /** Longest delay. Default 30 s. */
  maxDelayMs?: number;
}

/**
 * Reloads data while something is in progress, with exponential backoff: one timer at a time, scheduled after
 * the previous load finished, cleared on unmount and as soon as nothing is active.
 */
export function usePolling(options: PollingOptions): void {
  const {
    active,
    loading,
    loadCount,
    refresh,
    progressKey,
    initialDelayMs = 2000,
    maxDelayMs = 30_000,
  } = options;
  const attempt = useRef(0);
  const lastKey = useRef(progressKey);

  useEffect(() => {
    if (!active) {
      attempt.current = 0;
      return undefined;
    }
    if (loading) return undefined;
    if (progressKey !== lastKey.current) {
      lastKey.current = progressKey;
      attempt.current = 0;
    }
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt.current);
    const timer = setTimeout(() => {
      attempt.current += 1;
      refresh();
    }, delay);
    return () => clearTimeout(timer);
  }, [
    active,
    loading,
    loadCount,
    refresh,
    progressKey,
    initialDelayMs,
    maxDelayMs,
  ]);
}
