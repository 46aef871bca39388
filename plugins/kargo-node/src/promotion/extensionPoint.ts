import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { PromotionStepRunner } from './types';

/**
 * Lets backend modules add promotion steps to the Kargo backend, next to the built-in ones. Stages then use
 * them by name (`uses: <name>`), with Kargo's `if`, `continueOnError`, `retry` and `vars` around them.
 *
 * A step may run again from the start after a backend crash, on this or another replica, so it must be
 * idempotent (see {@link PromotionStepRunner.run}).
 *
 * @public
 */
export interface KargoPromotionStepsExtensionPoint {
  /**
   * Registers steps by their `name`; a name that is already registered (built-in or by another module) is an
   * error at startup.
   */
  addSteps(...steps: PromotionStepRunner<any>[]): void;
}

/** @public */
export const kargoPromotionStepsExtensionPoint =
  createExtensionPoint<KargoPromotionStepsExtensionPoint>({
    id: 'kargo.promotion-steps',
  });
