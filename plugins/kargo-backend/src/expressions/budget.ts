import { fail } from './errors';

/** Most nodes one evaluation may visit (each iteration of a predicate counts). */
export const MAX_STEPS = 1_000_000;
/**
 * Most memory one evaluation may allocate, in bytes: each array element, map entry or string character counts as
 * 8 bytes (an upper bound of what V8 spends on it), charged before it is allocated.
 */
export const MAX_BYTES = 16 * 1024 * 1024;
/** Longest one evaluation may run, in milliseconds. */
export const MAX_MILLIS = 2_000;

const BYTES_PER_UNIT = 8;
// The clock is read once per this many steps: often enough to stop on time, rarely enough to cost nothing.
const CLOCK_EVERY = 1024;

/** The limits of an {@link EvaluationBudget}. @public */
export interface EvaluationLimits {
  maxSteps: number;
  maxBytes: number;
  maxMillis: number;
}

/**
 * What one evaluation may spend: steps, bytes and time. One budget covers a whole evaluation (every expression
 * of a step's config, every candidate a filter reads), so that many cheap expressions cannot add up to an
 * expensive one.
 *
 * @public
 */
export class EvaluationBudget {
  private steps = 0;
  private bytes = 0;
  private readonly deadline: number;
  readonly limits: EvaluationLimits;

  constructor(limits?: Partial<EvaluationLimits>) {
    this.limits = {
      maxSteps: limits?.maxSteps ?? MAX_STEPS,
      maxBytes: limits?.maxBytes ?? MAX_BYTES,
      maxMillis: limits?.maxMillis ?? MAX_MILLIS,
    };
    this.deadline = Date.now() + this.limits.maxMillis;
  }

  /** Counts one step; returns why the budget is spent, if it is. */
  step(): string | undefined {
    this.steps += 1;
    if (this.steps > this.limits.maxSteps) {
      return `expression is too expensive to evaluate (more than ${this.limits.maxSteps} steps)`;
    }
    if (this.steps % CLOCK_EVERY === 0 && Date.now() > this.deadline) {
      return `expression took too long to evaluate (more than ${this.limits.maxMillis} ms)`;
    }
    return undefined;
  }

  /** Charges `units` elements or characters about to be allocated; fails when they would exceed the budget. */
  charge(units: number): void {
    this.bytes += units * BYTES_PER_UNIT;
    if (this.bytes > this.limits.maxBytes) {
      fail(`memory budget exceeded (more than ${this.limits.maxBytes} bytes)`);
    }
  }
}
