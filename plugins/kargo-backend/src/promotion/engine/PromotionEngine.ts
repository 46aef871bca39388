import {
  PromotionStepState,
  parseDuration,
} from '@kargo-portal/plugin-kargo-common';
import {
  PromotionCredentials,
  PromotionStepResult,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import { attemptStep, recordingCredentials, stepContext } from './attempt';
import { checkedEffects, checkedHealthCheck } from './effects';
import { aliasNamespace, stepExpressionEnv } from './env';
import {
  StepExpressionEnv,
  StepExpressions,
  StepMetadata,
} from './expressions';
import { finalPhase, hasFailures } from './phase';
import { PlannedStep, PromotionPlan } from './plan';
import { Redactor, StepLog } from './redaction';
import { DEFAULT_ERROR_THRESHOLD, StepRegistry } from './StepRegistry';
import { SaveRunState, StepRun, errorMessage } from './StepRun';
import {
  FinishedOutcome,
  PromotionRunContext,
  PromotionRunState,
  RunInterruption,
  RunOutcome,
  StepEffectError,
} from './types';

/** Kargo's requeue interval of a `Running` step that suggests none. */
const DEFAULT_RETRY_AFTER_MS = 5 * 60_000;
/** Kargo's floor of a suggested requeue interval. */
const MIN_RETRY_AFTER_MS = 10_000;

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

/** What one call of {@link PromotionEngine.run} needs. */
export interface PromotionRunOptions {
  plan: PromotionPlan;
  /** Changed in place as the run goes. */
  state: PromotionRunState;
  context: PromotionRunContext;
  /** Aborted with a {@link RunInterruption} as reason: abort the step now. */
  signal: AbortSignal;
  /** Aborted when the run should stop at the next step boundary (graceful shutdown). */
  stopSignal?: AbortSignal;
  /**
   * Saves the state. With `effects` (a step just succeeded with effects on Stage or Freight state), applies them
   * in the same transaction; a {@link StepEffectError} means neither was saved and the step errors instead.
   */
  save: SaveRunState;
  /** Reads the project's Stage and Freight metadata, before a step whose expressions call a metadata function. */
  loadMetadata?: () => Promise<StepMetadata>;
}

/** One call of the engine: its options, and what it shares across steps. */
interface RunScope extends PromotionRunOptions {
  redactor: Redactor;
  credentials: PromotionCredentials;
  /** Whether the earlier steps' process-local preparations were restored in this call (see `restoreEarlier`). */
  restored?: boolean;
}

/** Whether a step's expressions (`if`, `config`, `vars`) call a metadata function: only then is metadata read. */
const METADATA_CALL = /\b(?:freightMetadata|stageMetadata|freightStatus)\s*\(/;

function usesMetadata(plan: PromotionPlan, step: PlannedStep): boolean {
  const texts = [
    step.if ?? '',
    JSON.stringify(step.config ?? {}),
    ...step.vars.map(v => v.value ?? ''),
    ...plan.vars.map(v => v.value ?? ''),
  ];
  return texts.some(text => METADATA_CALL.test(text));
}

/** A step is over once it has a finish time; an Errored step waiting for a retry has none. */
const isFinished = (step: PromotionStepState) => step.finishedAt !== undefined;

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

  async run(options: PromotionRunOptions): Promise<RunOutcome> {
    const { plan, state, signal } = options;
    const redactor = new Redactor();
    const scope: RunScope = {
      ...options,
      redactor,
      credentials: recordingCredentials(options.context.credentials, redactor),
    };
    for (let i = state.currentStep; i < plan.steps.length; i++) {
      state.currentStep = i;
      if (isFinished(state.steps[i])) continue;
      if (signal.aborted) {
        return this.interrupted(state, signal.reason as RunInterruption);
      }
      if (options.stopSignal?.aborted && !state.steps[i].startedAt) {
        return { kind: 'interrupted', reason: 'shutdown' };
      }
      const outcome = await this.runStep(scope, i);
      if (outcome) return outcome;
    }
    state.currentStep = plan.steps.length;
    return { kind: 'finished', ...finalPhase(state.steps) };
  }

  /** Runs step `index` until it is over or the run must end (the returned outcome). */
  private async runStep(
    scope: RunScope,
    index: number,
  ): Promise<RunOutcome | undefined> {
    const { plan, state, context, redactor } = scope;
    const step = plan.steps[index];
    const run = new StepRun({
      state,
      index,
      step,
      redactor,
      save: scope.save,
      now: this.now,
      errorRetryDelayMs: this.options.errorRetryDelayMs,
    });
    const { served, runtime } = run;

    // Read once per step and run, so that a step sees what earlier steps set.
    const metadata =
      scope.loadMetadata && usesMetadata(plan, step)
        ? await scope.loadMetadata()
        : undefined;

    if (!served.startedAt) {
      // `if` is evaluated once, before the step starts: a later run must not skip a step because of the
      // step's own failure on an earlier attempt.
      let skip: boolean;
      try {
        skip = this.shouldSkip(plan, state, index, context, redactor, metadata);
      } catch (error) {
        await run.finish(
          'Errored',
          `error checking if step "${
            step.alias
          }" should be skipped: ${errorMessage(error)}`,
        );
        return undefined;
      }
      if (skip) {
        await run.finish('Skipped');
        return undefined;
      }
    }

    const runner = this.options.registry.get(step.uses);
    if (!runner) {
      await run.finish(
        'Errored',
        `step kind "${
          step.uses
        }" is not registered; known steps: ${this.options.registry
          .names()
          .join(', ')}`,
      );
      return undefined;
    }
    run.timeoutMs = this.timeoutMs(step, runner);
    run.errorThreshold =
      step.retry?.errorThreshold ||
      runner.defaultErrorThreshold ||
      DEFAULT_ERROR_THRESHOLD;

    if (!served.startedAt) {
      served.startedAt = this.now().toISOString();
      served.errorCount = 0;
    }

    let evaluated: unknown;
    try {
      const env = this.env(plan, state, index, context, redactor, metadata);
      evaluated = this.options.expressions.evaluateConfig(
        step.config ?? {},
        env,
      );
    } catch (error) {
      // An expression that cannot be evaluated: Errored, as Kargo ends a step whose context it cannot build.
      await run.finish(
        'Errored',
        `invalid config of step "${step.alias}": ${errorMessage(error)}`,
      );
      return undefined;
    }
    let config: unknown;
    try {
      config = runner.parseConfig(evaluated);
    } catch (error) {
      // A config the step refuses cannot be fixed by retrying. Kargo's steps validate it first and fail with a
      // terminal error (pkg/promotion/runner/builtin/validation.go), which makes the step and the promotion
      // Failed, with the message `step "<alias>": invalid <kind> config: ...` (pkg/promotion/local_executor.go).
      await run.finish(
        'Failed',
        `step "${step.alias}": ${errorMessage(error)}`,
      );
      return undefined;
    }

    served.status = 'Running';
    served.attempts = (served.attempts ?? 0) + 1;
    delete served.message;
    delete served.nextAttemptAt;
    runtime.inFlight = true;
    await run.save();

    if (!scope.restored) {
      scope.restored = true;
      try {
        await this.restoreEarlier(scope, index, run.log);
      } catch (error) {
        runtime.inFlight = false;
        return run.fail(error);
      }
    }

    const attempt = await attemptStep({
      runner,
      config,
      context,
      step,
      runtime,
      log: run.log,
      credentials: scope.credentials,
      signal: scope.signal,
      remainingMs: run.remainingMs(),
    });
    runtime.inFlight = false;
    served.log = run.log.lines();

    switch (attempt.kind) {
      case 'interrupted':
        if (attempt.reason.kind === 'abort') {
          await run.finish('Aborted');
          return this.abort(state, attempt.reason.actor);
        }
        return this.interrupted(state, attempt.reason);
      case 'timeout':
        await run.finish('Errored', run.timeoutMessage());
        return undefined;
      case 'error':
        return run.fail(attempt.error);
      default:
        if (attempt.result.output) {
          this.recordOutput(
            state,
            step,
            runner,
            attempt.result.output,
            redactor,
          );
        }
        return this.settle(run, attempt.result, redactor);
    }
  }

  /**
   * Lets the steps that succeeded before `index` set up again what they prepared outside the work directory for
   * the life of a process (`restore`), once per call of `run`: the call may resume the promotion in a process that
   * did not run them, after a restart of the backend or on another replica. Their config is evaluated again, as it
   * was when they ran.
   */
  private async restoreEarlier(
    scope: RunScope,
    index: number,
    log: StepLog,
  ): Promise<void> {
    const { plan, state, context, redactor } = scope;
    for (let i = 0; i < index; i++) {
      const step = plan.steps[i];
      if (state.steps[i].status !== 'Succeeded') continue;
      const runner = this.options.registry.get(step.uses);
      if (!runner?.restore) continue;
      const metadata =
        scope.loadMetadata && usesMetadata(plan, step)
          ? await scope.loadMetadata()
          : undefined;
      const env = this.env(plan, state, i, context, redactor, metadata);
      const config = runner.parseConfig(
        this.options.expressions.evaluateConfig(step.config ?? {}, env),
      );
      try {
        await runner.restore(
          stepContext({
            context,
            step,
            credentials: scope.credentials,
            signal: scope.signal,
            log,
          }),
          config,
        );
      } catch (error) {
        throw new Error(
          `error restoring what step "${step.alias}" prepared: ${errorMessage(
            error,
          )}`,
        );
      }
    }
  }

  /** Records what a step returned. */
  private async settle(
    run: StepRun,
    result: PromotionStepResult,
    redactor: Redactor,
  ): Promise<RunOutcome | undefined> {
    const { served, runtime } = run;
    switch (result.status) {
      case 'Succeeded': {
        runtime.state = undefined;
        const { effects, error: invalid } = checkedEffects(
          result.effects,
          redactor,
        );
        const { healthCheck, error: invalidCheck } = checkedHealthCheck(
          result.healthCheck,
          redactor,
        );
        let failure: unknown = invalid ?? invalidCheck;
        if (failure === undefined) {
          // Saved with the step's success by the same write: durable together, or not at all.
          runtime.healthCheck = healthCheck;
          try {
            await run.finish(result.status, result.message, effects);
          } catch (error) {
            if (!(error instanceof StepEffectError)) throw error;
            failure = error;
          }
        }
        if (failure === undefined) return undefined;
        // Nothing of the success was saved: the step errors instead, as Kargo's `set-metadata` does.
        delete runtime.healthCheck;
        delete served.finishedAt;
        delete served.message;
        return run.fail(failure);
      }
      case 'Skipped':
        runtime.state = undefined;
        await run.finish(result.status, result.message);
        return undefined;
      case 'Failed':
        runtime.state = undefined;
        await run.finish(
          'Failed',
          result.message ?? `step "${run.alias}" failed`,
        );
        return undefined;
      case 'Running': {
        runtime.state = result.state;
        served.errorCount = 0;
        if (run.timedOut()) {
          await run.finish('Errored', run.timeoutMessage());
          return undefined;
        }
        const retryAfterMs = run.capToTimeout(
          Math.max(
            result.retryAfterMs ??
              this.options.defaultRetryAfterMs ??
              DEFAULT_RETRY_AFTER_MS,
            this.options.minRetryAfterMs ?? MIN_RETRY_AFTER_MS,
          ),
        );
        served.status = 'Running';
        if (result.message !== undefined) {
          served.message = run.redact(result.message);
        }
        return run.wait(retryAfterMs);
      }
      default:
        await run.finish(
          'Errored',
          `step "${run.alias}" returned an invalid status: ${String(
            (result as { status: unknown }).status,
          )}`,
        );
        return undefined;
    }
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
