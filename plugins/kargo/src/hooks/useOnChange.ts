import { useEffect, useRef } from 'react';

/** Calls `effect` each time `value` changes after the first render (not on mount). */
export function useOnChange(value: unknown, effect: () => void): void {
  const previous = useRef(value);
  const effectRef = useRef(effect);
  effectRef.current = effect;
  useEffect(() => {
    if (Object.is(previous.current, value)) return;
    previous.current = value;
    effectRef.current();
  }, [value]);
}
