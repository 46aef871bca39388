import { Freight, PromotionStepState } from '@kargo-portal/plugin-kargo-common';
import {
  PromotionCredentials,
  PromotionHealthCheck,
} from '@kargo-portal/plugin-kargo-node';

/** What the engine keeps about a step besides its public state; never served by the API. */
export interface StepRuntime {
  /** State the step returned with `Running`, handed back to it on its next run. */
  state?: Record<string, unknown>;
  /** Set while an attempt runs: still set when a promotion is taken over, the attempt was interrupted. */
  inFlight?: boolean;
  /** How many attempts of this step were interrupted by the end of the process running them. */
  interruptions?: number;
  /**
   * The health check the step returned with its success, saved in the same write as the success (so a crash
   * cannot lose it) and recorded with the finished promotion.
   */
  healthCheck?: PromotionHealthCheck;
}

/** The health checks of a run, in step order: those of the steps that succeeded. */
export function healthChecksOf(
  state: PromotionRunState,
): PromotionHealthCheck[] {
  return state.runtime.flatMap((runtime, index) =>
    runtime.healthCheck && state.steps[index]?.status === 'Succeeded'
      ? [runtime.healthCheck]
      : [],
  );
}

/**
 * Everything a promotion run needs to continue where it stopped; saved after every change of a step.
 */
export interface PromotionRunState {
  /** Index of the step being run or to run next. */
  currentStep: number;
  /** Public state of every planned step, in order (served by the API). */
  steps: PromotionStepState[];
  /** Private state of every planned step, in order. */
  runtime: StepRuntime[];
  /**
   * Outputs by step alias (`outputs['<alias>']`) and, for steps that propagate task output, by task alias;
   * known secrets are redacted.
   */
  outputs: Record<string, Record<string, unknown>>;
}

/** The promotion a run belongs to, as steps and expressions see it. */
export interface PromotionRunContext {
  project: string;
  stage: string;
  promotion: string;
  actor?: string;
  /** Whether the promotion is a rollback (`ctx.meta.promotion.rollback`). */
  rollback?: boolean;
  /** Absolute path of the promotion's own work directory. */
  workDir: string;
  targetFreight: Freight;
  /** The target freight first, then freight of other origins the stage holds now. */
  freight: Freight[];
  credentials: PromotionCredentials;
  /** Kargo's `ctx.uiBaseUrl`: where the portal is, for links. */
  uiBaseUrl?: string;
}

/** Why a run's signal was aborted. */
export type RunInterruption =
  | { kind: 'abort'; actor: string }
  | { kind: 'shutdown' }
  | { kind: 'lease-lost' };

/** A run that is over, and its final phase. */
export interface FinishedOutcome {
  kind: 'finished';
  phase: 'Succeeded' | 'Failed' | 'Errored' | 'Aborted';
  message?: string;
}

/** How a call of the engine ended. */
export type RunOutcome =
  | FinishedOutcome
  /** A step is waiting (`Running`) or will retry an error: run again after `retryAfterMs`. */
  | { kind: 'waiting'; retryAfterMs: number; nextRunAt: Date }
  /** Stopped by a shutdown or a lost lease; the step that was running runs again on the next claim. */
  | { kind: 'interrupted'; reason: 'shutdown' | 'lease-lost' };

/**
 * `save` could not apply a step's effects (an unknown Stage or Freight): nothing of it was saved, and the step is
 * Errored instead of Succeeded, as in Kargo, where `set-metadata` errors when it cannot get the object to update.
 */
export class StepEffectError extends Error {
  override name = 'StepEffectError';
}
