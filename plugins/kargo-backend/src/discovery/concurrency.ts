/** A counting semaphore: at most `limit` holders at a time, served first come, first served. */
export class Semaphore {
  readonly #waiting: Array<() => void> = [];
  #available: number;

  constructor(limit: number) {
    this.#available = Math.max(1, limit);
  }

  async use<T>(task: () => Promise<T>): Promise<T> {
    if (this.#available > 0) {
      this.#available--;
    } else {
      await new Promise<void>(resolve => this.#waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#available++;
    }
  }
}

/**
 * Maps items with at most `limit` calls in flight, keeping the input order in the result. The first failure
 * rejects the whole map; calls not yet started are then skipped.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from(
    { length: Math.min(Math.max(1, limit), items.length) },
    worker,
  );
  await Promise.all(workers);
  return results;
}
