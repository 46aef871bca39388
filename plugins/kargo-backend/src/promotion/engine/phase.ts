import {
  PromotionPhase,
  PromotionStepState,
} from '@kargo-portal/plugin-kargo-common';

type StepStatus = PromotionStepState['status'];

// Kargo's severity of step statuses (api/v1alpha1 severityByStatus); Pending has not happened yet.
const SEVERITY: Record<StepStatus, number> = {
  Pending: -1,
  Succeeded: 0,
  Skipped: 1,
  Running: 2,
  Aborted: 3,
  Failed: 4,
  Errored: 5,
};

/** Whether `a` is worse than `b` in Kargo's order Succeeded < Skipped < Running < Aborted < Failed < Errored. */
export function isWorse(a: StepStatus, b: StepStatus): boolean {
  return SEVERITY[a] > SEVERITY[b];
}

/**
 * Whether an earlier step failed or errored, not counting steps with `continueOnError`: a step without `if`
 * then is skipped (Kargo's implied `success()`).
 */
export function hasFailures(steps: PromotionStepState[]): boolean {
  return steps.some(
    s =>
      !s.continueOnError && (s.status === 'Failed' || s.status === 'Errored'),
  );
}

/**
 * The phase of a promotion whose steps have all been handled: that of its worst step, ignoring steps with
 * `continueOnError`, and the message of that step (Kargo's `DetermineFinalPhase`).
 */
export function finalPhase(steps: PromotionStepState[]): {
  phase: Exclude<PromotionPhase, 'Pending' | 'Running'>;
  message?: string;
} {
  let worst: StepStatus = 'Succeeded';
  let message: string | undefined;
  for (const step of steps) {
    if (step.continueOnError) continue;
    if (isWorse(step.status, worst)) {
      worst = step.status;
      message = step.message;
    }
  }
  switch (worst) {
    case 'Succeeded':
    case 'Skipped':
      return { phase: 'Succeeded', message };
    case 'Aborted':
      return { phase: 'Aborted', message };
    case 'Failed':
      return { phase: 'Failed', message };
    default:
      // Errored, or a step left Running at the end, which Kargo also treats as an error.
      return { phase: 'Errored', message };
  }
}
