/**
 * Mutual exclusion per key within this process: callers with the same key run one at a time, in arrival order;
 * different keys do not wait for each other. Keys without holders or waiters are forgotten.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Keys currently held or waited for. */
  get activeKeys(): ReadonlySet<string> {
    return new Set(this.#tails.keys());
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release: () => void = () => {};
    const current = new Promise<void>(resolve => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
