import { useCallback, useState } from 'react';

/**
 * Runs one user action at a time and keeps its error for display next to the button (a 403 or 409 from the
 * backend is shown in the dialog, not only as a toast). Resolves to `{ value }`, or undefined when it failed.
 */
export function useAction<A extends unknown[], T>(
  action: (...args: A) => Promise<T>,
) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(
    async (...args: A): Promise<{ value: T } | undefined> => {
      setBusy(true);
      setError(undefined);
      try {
        return { value: await action(...args) };
      } catch (e) {
        setError(e);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error, clearError: () => setError(undefined) };
}
