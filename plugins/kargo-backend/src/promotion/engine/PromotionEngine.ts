import {
  PromotionStepState,
  parseDuration,
} from '@kargo-portal/plugin-kargo-common';
import {
  PromotionCredentials,
  PromotionStepResult,
  PromotionStepRunner,
  isTerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import {
  StepExpressionEnv,
  StepExpressions,
  StepMetadata,
} from './expressions';
import { metadataUpdatesFromOutput } from '../steps/set-metadata';
import { aliasNamespace, stepExpressionEnv } from './env';
import { finalPhase, hasFailures } from './phase';
import { PlannedStep, PromotionPlan } from './plan';
import { Redactor, StepLog, bounded } from './redaction';
import { DEFAULT_ERROR_THRESHOLD, StepRegistry } from './StepRegistry';
import {
  FinishedOutcome,
  PromotionRunContext,
  PromotionRunState,
  RunInterruption,
  RunOutcome,
  StepEffectError,
  StepEffects,
  StepRuntime,
} from './types';

/** Kargo's requeue interval of a `Running` step that suggests none. */
const DEFAULT_RETRY_AFTER_MS = 5 * 60_000;
/** Kargo's floor of a suggested requeue interval. */
const MIN_RETRY_AFTER_MS = 10_000;

/** Retry delay after the n-th consecutive retryable error: 5 s, doubling, at most 5 minutes. */
function defaultErrorRetryDelayMs(errorCount: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, errorCount - 1), 5 * 60_000);
}

/** Options of {@link PromotionEngine}. */
export interface PromotionEngineOptions {
  registry: StepRegistry;
  expressions: StepExpressions;
  now?: () => Date;
  /** Delay before a step runs again after its n-th consecutive retryable error. */
  errorRetryDelayMs?: (errorCount: number) => number;
  /** Delay before a `Running` step without `retryAfterMs` runs again (Kargo: 5 minutes). */
  defaultRetryAfterMs?: number;
  /** Shortest delay honoured for a step's `retryAfterMs` (Kargo: 10 seconds). */
  minRetryAfterMs?: number;
}

/** Outcome of one attempt of a step. */
type Attempt =
  | { kind: 'result'; result: PromotionStepResult }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'interrupted'; reason: RunInterruption };

/** Whether a step's expressions (`if`, `config`, `vars`) call a metadata function: only then is metadata read. */
const METADATA_CALL = /\b(?:freightMetadata|stageMetadata)\s*\(/;

function usesMetadata(plan: PromotionPlan, step: PlannedStep): boolean {
  const texts = [
    step.if ?? '',
    JSON.stringify(step.config ?? {}),
    ...step.vars.map(v => v.value ?? ''),
    ...plan.vars.map(v => v.value ?? ''),
  ];
  return texts.some(text => METADATA_CALL.test(text));
}

/** The metadata updates a step's output carries, for `save` to apply. */
function effectsOf(output: Record<string, unknown> | undefined): {
  effects?: StepEffects;
  error?: unknown;
} {
  try {
    const updates = metadataUpdatesFromOutput(output);
    return updates.length > 0 ? { effects: { metadataUpdates: updates } } : {};
  } catch (error) {
    return {
      error: new Error(
        `invalid metadata updates in the step's output: ${errorMessage(error)}`,
      ),
    };
  }
}

/** A step is over once it has a finish time; an Errored step waiting for a retry has none. */
const isFinished = (step: PromotionStepState) => step.finishedAt !== undefined;

function errorMessage(error: unknown): string {
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

/**
 * Runs the steps of a promotion with Kargo's semantics: `if` (by default a step runs only when no earlier step
 * failed), `continueOnError`, `retry.errorThreshold` and `retry.timeout`, variables, evaluated `config`,
 * outputs by alias and `task.outputs`, and the final phase as the worst step status.
 *
 * A run goes as far as it can in one call: it ends when every step is handled, when a step waits (`Running`)
 * or will retry an error (the caller runs it again later, without holding a worker), or when its signal is
 * aborted. The state is handed to `save` after every change of a step, so that the run can resume after a
 * crash from the step it was on; that step is then run again, which is why steps must be idempotent.
 */
export class PromotionEngine {
  private readonly now: () => Date;

  constructor(private readonly options: PromotionEngineOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The state of a run that has not started: every step `Pending`. */
  static initialState(plan: PromotionPlan): PromotionRunState {
    return {
      currentStep: 0,
      steps: plan.steps.map(step => ({
        alias: step.alias,
        uses: step.uses,
        status: 'Pending',
        ...(step.continueOnError ? { continueOnError: true } : {}),
        attempts: 0,
      })),
      runtime: plan.steps.map(() => ({})),
      outputs: {},
    };
  }

  /**
   * Ends a run that was aborted by a user: the step that had started and not finished is `Aborted`, later steps
   * stay `Pending` (Kargo's `terminatePromotion`).
   */
  abort(state: PromotionRunState, actor: string): FinishedOutcome {
    const at = this.now().toISOString();
    for (const [i, step] of state.steps.entries()) {
      if (step.startedAt && !isFinished(step)) {
        step.status = 'Aborted';
        step.finishedAt = at;
        delete step.nextAttemptAt;
        state.runtime[i].inFlight = false;
      }
    }
    return {
      kind: 'finished',
      phase: 'Aborted',
      message: `Promotion terminated by ${actor}`,
    };
  }

  async run(options: {
    plan: PromotionPlan;
    /** Changed in place as the run goes. */
    state: PromotionRunState;
    context: PromotionRunContext;
    /** Aborted with a {@link RunInterruption} as reason: abort the step now. */
    signal: AbortSignal;
    /** Aborted when the run should stop at the next step boundary (graceful shutdown). */
    stopSignal?: AbortSignal;
    /**
     * Saves the state. With `effects` (a step just succeeded with metadata updates), applies them in the same
     * transaction; a {@link StepEffectError} means neither was saved and the step errors instead.
     */
    save: (state: PromotionRunState, effects?: StepEffects) => Promise<void>;
    /** Reads the project's Stage and Freight metadata, before a step whose expressions call a metadata function. */
    loadMetadata?: () => Promise<StepMetadata>;
  }): Promise<RunOutcome> {
    const { plan, state, context, signal, save } = options;
    const redactor = new Redactor();
    const credentials = this.recordingCredentials(
      context.credentials,
      redactor,
    );
    for (let i = state.currentStep; i < plan.steps.length; i++) {
      state.currentStep = i;
      const step = plan.steps[i];
      const served = state.steps[i];
      const runtime = state.runtime[i];
      if (isFinished(served)) continue;

      if (signal.aborted) {
        return this.interrupted(state, signal.reason as RunInterruption);
      }
      if (options.stopSignal?.aborted && !served.startedAt) {
        return { kind: 'interrupted', reason: 'shutdown' };
      }

      const log = new StepLog(redactor, served.log, this.now);
      const finish = async (
        status: PromotionStepState['status'],
        message?: string,
        effects?: StepEffects,
      ) => {
        served.status = status;
        if (message !== undefined) {
          served.message = bounded(redactor.redact(message));
        }
        served.finishedAt = this.now().toISOString();
        delete served.nextAttemptAt;
        served.log = log.lines();
        await save(state, effects);
      };

      // Read once per step and run, so that a step sees what earlier steps set.
      const metadata =
        options.loadMetadata && usesMetadata(plan, step)
          ? await options.loadMetadata()
          : undefined;

      if (!served.startedAt) {
        // `if` is evaluated once, before the step starts: a later run must not skip a step because of the
        // step's own failure on an earlier attempt.
        let skip: boolean;
        try {
          skip = this.shouldSkip(plan, state, i, context, redactor, metadata);
        } catch (error) {
          await finish(
            'Errored',
            `error checking if step "${
              step.alias
            }" should be skipped: ${errorMessage(error)}`,
          );
          continue;
        }
        if (skip) {
          await finish('Skipped');
          continue;
        }
      }

      const runner = this.options.registry.get(step.uses);
      if (!runner) {
        await finish(
          'Errored',
          `step kind "${
            step.uses
          }" is not registered; known steps: ${this.options.registry
            .names()
            .join(', ')}`,
        );
        continue;
      }

      if (!served.startedAt) {
        served.startedAt = this.now().toISOString();
        served.errorCount = 0;
      }

      let config: unknown;
      try {
        const env = this.env(plan, state, i, context, redactor, metadata);
        config = runner.parseConfig(
          this.options.expressions.evaluateConfig(step.config ?? {}, env),
        );
      } catch (error) {
        // Invalid configuration cannot be fixed by retrying.
        await finish(
          'Errored',
          `invalid config of step "${step.alias}": ${errorMessage(error)}`,
        );
        continue;
      }

      served.status = 'Running';
      served.attempts = (served.attempts ?? 0) + 1;
      delete served.message;
      delete served.nextAttemptAt;
      runtime.inFlight = true;
      await save(state);

      const timeoutMs = this.timeoutMs(step, runner);
      const attempt = await this.attempt({
        runner,
        config,
        context,
        step,
        runtime,
        log,
        credentials,
        signal,
        remainingMs:
          timeoutMs > 0
            ? Date.parse(served.startedAt) + timeoutMs - this.now().getTime()
            : undefined,
      });
      runtime.inFlight = false;
      served.log = log.lines();

      if (attempt.kind === 'interrupted') {
        if (attempt.reason.kind === 'abort') {
          await finish('Aborted');
          return this.abort(state, attempt.reason.actor);
        }
        return this.interrupted(state, attempt.reason);
      }

      if (attempt.kind === 'result' && attempt.result.output) {
        this.recordOutput(state, step, runner, attempt.result.output, redactor);
      }

      const timedOut = () =>
        timeoutMs > 0 &&
        this.now().getTime() - Date.parse(served.startedAt!) > timeoutMs;
      const timeoutMessage = `step "${step.alias}" timed out after ${
        step.retry?.timeout ?? formatDuration(timeoutMs)
      }`;

      if (attempt.kind === 'timeout') {
        await finish('Errored', timeoutMessage);
        continue;
      }

      /**
       * A failed attempt: Errored at once for a terminal error, past the error threshold or the timeout; else
       * retried later (the returned outcome ends this run).
       */
      const onError = async (
        error: unknown,
      ): Promise<RunOutcome | undefined> => {
        const message = errorMessage(error);
        log.append('error', message);
        served.log = log.lines();
        if (isTerminalStepError(error)) {
          await finish(
            'Errored',
            `an unrecoverable error occurred: ${message}`,
          );
          return undefined;
        }
        served.errorCount = (served.errorCount ?? 0) + 1;
        const threshold =
          step.retry?.errorThreshold ||
          runner.defaultErrorThreshold ||
          DEFAULT_ERROR_THRESHOLD;
        if (served.errorCount >= threshold) {
          await finish(
            'Errored',
            `step "${step.alias}" met error threshold of ${threshold}: ${message}`,
          );
          return undefined;
        }
        if (timedOut()) {
          await finish('Errored', timeoutMessage);
          return undefined;
        }
        const retryAfterMs = this.capToTimeout(
          (this.options.errorRetryDelayMs ?? defaultErrorRetryDelayMs)(
            served.errorCount,
          ),
          served.startedAt!,
          timeoutMs,
        );
        served.status = 'Errored';
        served.message = bounded(
          redactor.redact(`${message}; step will be retried`),
        );
        const nextRunAt = new Date(this.now().getTime() + retryAfterMs);
        served.nextAttemptAt = nextRunAt.toISOString();
        await save(state);
        return { kind: 'waiting', retryAfterMs, nextRunAt };
      };

      if (attempt.kind === 'error') {
        const outcome = await onError(attempt.error);
        if (outcome) return outcome;
        continue;
      }

      const result = attempt.result;
      switch (result.status) {
        case 'Succeeded': {
          runtime.state = undefined;
          // The updates as recorded in this attempt's output (secrets redacted), checked again.
          const { effects, error: invalid } = effectsOf(
            result.output ? served.output : undefined,
          );
          let failure: unknown = invalid;
          if (failure === undefined) {
            try {
              await finish(result.status, result.message, effects);
            } catch (error) {
              if (!(error instanceof StepEffectError)) throw error;
              failure = error;
            }
          }
          if (failure !== undefined) {
            // Nothing of the success was saved: the step errors instead, as Kargo's `set-metadata` does.
            delete served.finishedAt;
            delete served.message;
            const outcome = await onError(failure);
            if (outcome) return outcome;
          }
          break;
        }
        case 'Skipped':
          runtime.state = undefined;
          await finish(result.status, result.message);
          break;
        case 'Failed':
          runtime.state = undefined;
          await finish(
            'Failed',
            result.message ?? `step "${step.alias}" failed`,
          );
          break;
        case 'Running': {
          runtime.state = result.state;
          served.errorCount = 0;
          if (timedOut()) {
            await finish('Errored', timeoutMessage);
            break;
          }
          const retryAfterMs = this.capToTimeout(
            Math.max(
              result.retryAfterMs ??
                this.options.defaultRetryAfterMs ??
                DEFAULT_RETRY_AFTER_MS,
              this.options.minRetryAfterMs ?? MIN_RETRY_AFTER_MS,
            ),
            served.startedAt,
            timeoutMs,
          );
          served.status = 'Running';
          if (result.message !== undefined) {
            served.message = bounded(redactor.redact(result.message));
          }
          const nextRunAt = new Date(this.now().getTime() + retryAfterMs);
          served.nextAttemptAt = nextRunAt.toISOString();
          await save(state);
          return { kind: 'waiting', retryAfterMs, nextRunAt };
        }
        default:
          await finish(
            'Errored',
            `step "${step.alias}" returned an invalid status: ${String(
              (result as { status: unknown }).status,
            )}`,
          );
      }
    }
    state.currentStep = plan.steps.length;
    return { kind: 'finished', ...finalPhase(state.steps) };
  }

  private interrupted(
    state: PromotionRunState,
    reason: RunInterruption | undefined,
  ): RunOutcome {
    if (reason?.kind === 'abort') return this.abort(state, reason.actor);
    return {
      kind: 'interrupted',
      reason: reason?.kind === 'shutdown' ? 'shutdown' : 'lease-lost',
    };
  }

  private timeoutMs(step: PlannedStep, runner: PromotionStepRunner): number {
    if (step.retry?.timeout !== undefined) {
      return parseDuration(step.retry.timeout) ?? 0;
    }
    return runner.defaultTimeoutMs ?? 0;
  }

  /** A waiting step is looked at again no later than when its timeout ends. */
  private capToTimeout(
    delayMs: number,
    startedAt: string,
    timeoutMs: number,
  ): number {
    if (timeoutMs <= 0) return delayMs;
    const left = Date.parse(startedAt) + timeoutMs - this.now().getTime();
    return Math.max(0, Math.min(delayMs, left));
  }

  private recordOutput(
    state: PromotionRunState,
    step: PlannedStep,
    runner: PromotionStepRunner,
    output: Record<string, unknown>,
    redactor: Redactor,
  ) {
    const clean = redactor.redactDeep(output);
    state.outputs[step.alias] = clean;
    state.steps[state.currentStep].output = clean;
    const namespace = aliasNamespace(step.alias);
    if (runner.propagatesTaskOutput && namespace !== undefined) {
      state.outputs[namespace] = { ...state.outputs[namespace], ...clean };
    }
  }

  private async attempt(options: {
    runner: PromotionStepRunner;
    config: unknown;
    context: PromotionRunContext;
    step: PlannedStep;
    runtime: StepRuntime;
    log: StepLog;
    credentials: PromotionCredentials;
    signal: AbortSignal;
    remainingMs?: number;
  }): Promise<Attempt> {
    const { runner, context, step, log, signal } = options;
    const controller = new AbortController();
    let settle: (attempt: Attempt) => void = () => {};
    const stopped = new Promise<Attempt>(resolve => {
      settle = resolve;
    });
    const onAbort = () => {
      controller.abort(signal.reason);
      settle({ kind: 'interrupted', reason: signal.reason as RunInterruption });
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort);
    // A run longer than what is left of the timeout is stopped; a step resumed after its timeout still gets
    // one attempt, as in Kargo, and the timeout is checked after it.
    const timer =
      options.remainingMs !== undefined && options.remainingMs > 0
        ? setTimeout(() => {
            controller.abort(new Error(`step "${step.alias}" timed out`));
            settle({ kind: 'timeout' });
          }, options.remainingMs)
        : undefined;
    const running = (async (): Promise<Attempt> => {
      try {
        const result = await runner.run(
          {
            project: context.project,
            stage: context.stage,
            promotion: context.promotion,
            actor: context.actor,
            alias: step.alias,
            workDir: context.workDir,
            targetFreight: context.targetFreight,
            freight: context.freight,
            state: options.runtime.state,
            signal: controller.signal,
            logger: {
              info: m => log.append('info', m),
              warn: m => log.append('warn', m),
              error: m => log.append('error', m),
            },
            credentials: options.credentials,
          },
          options.config,
        );
        return { kind: 'result', result };
      } catch (error) {
        return { kind: 'error', error };
      }
    })();
    try {
      // A step that ignores its signal is left behind: the promotion does not wait for it.
      return await Promise.race([running, stopped]);
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    }
  }

  private recordingCredentials(
    credentials: PromotionCredentials,
    redactor: Redactor,
  ): PromotionCredentials {
    return {
      git: async url => {
        const found = await credentials.git(url);
        if (found) redactor.add(found.password);
        return found;
      },
    };
  }

  private env(
    plan: PromotionPlan,
    state: PromotionRunState,
    index: number,
    context: PromotionRunContext,
    redactor: Redactor,
    metadata: StepMetadata | undefined,
  ): StepExpressionEnv {
    return stepExpressionEnv({
      expressions: this.options.expressions,
      plan,
      state,
      index,
      context,
      reveal: value => redactor.add(value),
      metadata,
    });
  }

  /** Kargo's `ShouldSkip`: without `if`, skip after an earlier failure; with it, skip when it is false. */
  private shouldSkip(
    plan: PromotionPlan,
    state: PromotionRunState,
    index: number,
    context: PromotionRunContext,
    redactor: Redactor,
    metadata: StepMetadata | undefined,
  ): boolean {
    const step = plan.steps[index];
    if (step.if === undefined || step.if === '') {
      return hasFailures(state.steps.slice(0, index));
    }
    const env = this.env(plan, state, index, context, redactor, metadata);
    return !this.options.expressions.evaluateCondition(step.if, env);
  }
}
