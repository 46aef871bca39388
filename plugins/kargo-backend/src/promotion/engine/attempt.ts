import {
  PromotionCredentials,
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import { PlannedStep } from './plan';
import { Redactor, StepLog } from './redaction';
import { PromotionRunContext, RunInterruption, StepRuntime } from './types';

/** Outcome of one attempt of a step. */
export type Attempt =
  | { kind: 'result'; result: PromotionStepResult }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'interrupted'; reason: RunInterruption };

/**
 * Runs a step once. It ends with the step's result or error, or sooner when the run's signal is aborted or
 * what is left of the step's timeout has passed.
 */
export async function attemptStep(options: {
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
        stepContext({
          context,
          step,
          credentials: options.credentials,
          signal: controller.signal,
          log,
          state: options.runtime.state,
        }),
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

/** What a step sees of the promotion when it runs (or restores what it prepared). */
export function stepContext(options: {
  context: PromotionRunContext;
  step: PlannedStep;
  credentials: PromotionCredentials;
  signal: AbortSignal;
  log: StepLog;
  state?: Record<string, unknown>;
}): PromotionStepContext {
  const { context, step, log } = options;
  return {
    project: context.project,
    stage: context.stage,
    promotion: context.promotion,
    actor: context.actor,
    alias: step.alias,
    workDir: context.workDir,
    targetFreight: context.targetFreight,
    freight: context.freight,
    state: options.state,
    signal: options.signal,
    logger: {
      info: m => log.append('info', m),
      warn: m => log.append('warn', m),
      error: m => log.append('error', m),
    },
    credentials: options.credentials,
  };
}

/** Credentials that teach the redactor every secret they hand out. */
export function recordingCredentials(
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
