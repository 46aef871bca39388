import { HttpLimitError } from './HttpLimitError';

/**
 * A bound on how many expensive requests (those with a body to read and act on, webhook deliveries) run at once.
 * The others wait their turn, unread, in arrival order; when too many wait, the next is refused with a 503 so that
 * a flood cannot queue without end.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly options: {
      /** How many run at once. */
      maxActive: number;
      /** How many may wait; beyond that, requests are refused. */
      maxWaiting: number;
    },
  ) {}

  static create(options?: { maxActive?: number; maxWaiting?: number }) {
    return new ConcurrencyLimit({
      maxActive: options?.maxActive ?? 8,
      maxWaiting: options?.maxWaiting ?? 64,
    });
  }

  /** Waits for a turn; the returned function ends it (calling it again does nothing). */
  async acquire(): Promise<() => void> {
    if (this.active >= this.options.maxActive) {
      if (this.waiting.length >= this.options.maxWaiting) {
        throw new HttpLimitError(
          503,
          `too many requests in progress (${this.options.maxActive} running, ${this.options.maxWaiting} waiting); retry later`,
        );
      }
      await new Promise<void>(resolve => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The turn passes straight to the next waiting request: `active` stays the same.
      if (next) next();
      else this.active -= 1;
    };
  }
}
