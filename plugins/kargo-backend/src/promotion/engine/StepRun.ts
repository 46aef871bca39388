import { PromotionStepState } from '@kargo-portal/plugin-kargo-common';
import {
  PromotionStepEffect,
  isTerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { PlannedStep } from './plan';
import { Redactor, StepLog, bounded } from './redaction';
import { DEFAULT_ERROR_THRESHOLD } from './StepRegistry';
import { PromotionRunState, RunOutcome, StepRuntime } from './types';

/** Retry delay after the n-th consecutive retryable error: 5 s, doubling, at most 5 minutes. */
export function defaultErrorRetryDelayMs(errorCount: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, errorCount - 1), 5 * 60_000);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Formats milliseconds as Go prints a `time.Duration` (`5m0s`, `1h0m0s`, `1.5s`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** How a state is saved. */
export interface SaveRunOptions {
  /**
   * The state may instead be written by the run's next write: a step ended without effects, and the engine
   * writes again (the next step's start, a wait) or the run ends (the promotion's end writes the state) before
   * anything outside the database can happen. One write then makes both durable, in the order they happened.
   */
  deferrable?: boolean;
}

/** Saves the state; with effects (a step just succeeded), applies them in the same transaction. */
export type SaveRunState = (
  state: PromotionRunState,
  effects?: PromotionStepEffect[],
  options?: SaveRunOptions,
) => Promise<void>;

/**
 * The bookkeeping of one step within one call of the engine: its public state, log, timeout and retries.
 */
export class StepRun {
  readonly served: PromotionStepState;
  readonly runtime: StepRuntime;
  readonly log: StepLog;
  /** The step's timeout (0: none); known once its runner is. */
  timeoutMs = 0;
  /** The step's error threshold; known once its runner is. */
  errorThreshold = DEFAULT_ERROR_THRESHOLD;

  constructor(
    private readonly options: {
      state: PromotionRunState;
      index: number;
      step: PlannedStep;
      redactor: Redactor;
      save: SaveRunState;
      now: () => Date;
      errorRetryDelayMs?: (errorCount: number) => number;
    },
  ) {
    this.served = options.state.steps[options.index];
    this.runtime = options.state.runtime[options.index];
    this.log = new StepLog(options.redactor, this.served.log, options.now);
  }

  get alias(): string {
    return this.options.step.alias;
  }

  /** Saves the state as it is now. */
  save(): Promise<void> {
    return this.options.save(this.options.state);
  }

  redact(message: string): string {
    return bounded(this.options.redactor.redact(message));
  }

  /** Ends the step with `status`; `effects` are saved with it, or neither is. */
  async finish(
    status: PromotionStepState['status'],
    message?: string,
    effects?: PromotionStepEffect[],
  ): Promise<void> {
    const { served } = this;
    served.status = status;
    if (message !== undefined) served.message = this.redact(message);
    served.finishedAt = this.options.now().toISOString();
    delete served.nextAttemptAt;
    served.log = this.log.lines();
    await this.options.save(this.options.state, effects, {
      deferrable: !effects || effects.length === 0,
    });
  }

  /** Whether the step has run past its timeout. */
  timedOut(): boolean {
    return (
      this.timeoutMs > 0 &&
      this.options.now().getTime() - Date.parse(this.served.startedAt!) >
        this.timeoutMs
    );
  }

  timeoutMessage(): string {
    return `step "${this.alias}" timed out after ${
      this.options.step.retry?.timeout ?? formatDuration(this.timeoutMs)
    }`;
  }

  /** What is left of the step's timeout, if it has one. */
  remainingMs(): number | undefined {
    return this.timeoutMs > 0
      ? Date.parse(this.served.startedAt!) +
          this.timeoutMs -
          this.options.now().getTime()
      : undefined;
  }

  /** A waiting step is looked at again no later than when its timeout ends. */
  capToTimeout(delayMs: number): number {
    const left = this.remainingMs();
    return left === undefined ? delayMs : Math.max(0, Math.min(delayMs, left));
  }

  /** Marks the step to run again after `retryAfterMs`; the returned outcome ends this run. */
  async wait(retryAfterMs: number): Promise<RunOutcome> {
    const nextRunAt = new Date(this.options.now().getTime() + retryAfterMs);
    this.served.nextAttemptAt = nextRunAt.toISOString();
    await this.save();
    return { kind: 'waiting', retryAfterMs, nextRunAt };
  }

  /**
   * A failed attempt: Errored at once for a terminal error, past the error threshold or the timeout; else
   * retried later (the returned outcome ends this run).
   */
  async fail(error: unknown): Promise<RunOutcome | undefined> {
    const { served } = this;
    const message = errorMessage(error);
    this.log.append('error', message);
    served.log = this.log.lines();
    if (isTerminalStepError(error)) {
      await this.finish(
        'Errored',
        `an unrecoverable error occurred: ${message}`,
      );
      return undefined;
    }
    served.errorCount = (served.errorCount ?? 0) + 1;
    if (served.errorCount >= this.errorThreshold) {
      await this.finish(
        'Errored',
        `step "${this.alias}" met error threshold of ${this.errorThreshold}: ${message}`,
      );
      return undefined;
    }
    if (this.timedOut()) {
      await this.finish('Errored', this.timeoutMessage());
      return undefined;
    }
    const retryAfterMs = this.capToTimeout(
      (this.options.errorRetryDelayMs ?? defaultErrorRetryDelayMs)(
        served.errorCount,
      ),
    );
    served.status = 'Errored';
    served.message = this.redact(`${message}; step will be retried`);
    return this.wait(retryAfterMs);
  }
}
