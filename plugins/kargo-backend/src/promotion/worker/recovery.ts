import { LoggerService } from '@backstage/backend-plugin-api';
import { PromotionRunState } from '../engine/types';
import { ClaimedPromotion } from '../../stores/PromotionStore';
import { PromotionWorkerSettings } from './config';

// How a claimed promotion recovers from the end of the process or the work directory that ran it.

/** What recovery reads. */
export interface RecoveryContext {
  settings: PromotionWorkerSettings;
  logger: LoggerService;
  now: () => Date;
}

/**
 * A step still marked in flight when a promotion is claimed was cut short by the end of the process running
 * it. It runs again, unless that happened too often: a step that brings its process down every time must not
 * bring every replica down in turn.
 */
export function countInterruption(
  claimed: ClaimedPromotion,
  state: PromotionRunState,
  { settings, logger, now }: RecoveryContext,
): void {
  const index = state.currentStep;
  const runtime = state.runtime[index];
  const step = state.steps[index];
  if (!runtime?.inFlight || !step) return;
  runtime.inFlight = false;
  runtime.interruptions = (runtime.interruptions ?? 0) + 1;
  const at = now().toISOString();
  const max = settings.maxStepInterruptions;
  logger.warn(
    `Promotion ${claimed.id}: step "${step.alias}" was interrupted (${
      runtime.interruptions
    } time(s)); ${
      runtime.interruptions > max ? 'giving up' : 'running it again'
    }`,
  );
  if (runtime.interruptions > max) {
    step.status = 'Errored';
    step.message = `step "${step.alias}" was interrupted ${runtime.interruptions} times by the end of the process running it; it is not run again`;
    step.finishedAt = at;
    delete step.nextAttemptAt;
    return;
  }
  step.log = [
    ...(step.log ?? []),
    {
      time: at,
      level: 'warn',
      message:
        'The process running this step stopped before it ended; the step runs again',
    },
  ];
}

/**
 * Kargo's rule when a promotion's work directory is gone (another replica took it over, or the machine
 * restarted): run it again from its first step, keeping the outputs, so that steps can see what they did.
 */
export function restartFromFirstStep(
  claimed: ClaimedPromotion,
  state: PromotionRunState,
  { settings, logger, now }: RecoveryContext,
): void {
  logger.info(
    `Promotion ${claimed.id}: its work directory is gone; running it again from the first step`,
  );
  const at = now().toISOString();
  state.currentStep = 0;
  state.steps.forEach((step, i) => {
    const givenUp =
      (state.runtime[i].interruptions ?? 0) > settings.maxStepInterruptions;
    if (givenUp) return; // keep that verdict
    step.status = 'Pending';
    delete step.startedAt;
    delete step.finishedAt;
    delete step.message;
    delete step.errorCount;
    delete step.nextAttemptAt;
    state.runtime[i].inFlight = false;
  });
  state.steps[0].log = [
    ...(state.steps[0].log ?? []),
    {
      time: at,
      level: 'warn',
      message:
        'The work directory of this promotion was gone (it moved to another backend instance, or the machine restarted): the promotion runs again from its first step, keeping the outputs of earlier steps',
    },
  ];
}
