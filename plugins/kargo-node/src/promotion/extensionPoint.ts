import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { PromotionStepRunner } from './types';

/**
 * Lets backend modules add promotion steps to the Kargo backend, next to the built-in ones.
 *
 * @public
 */
export interface KargoPromotionStepsExtensionPoint {
  /** Registers steps by their `name`; a name that is already registered is an error at startup. */
  addSteps(...steps: PromotionStepRunner<any>[]): void;
}

/** @public */
export const kargoPromotionStepsExtensionPoint =
  createExtensionPoint<KargoPromotionStepsExtensionPoint>({
    id: 'kargo.promotion-steps',
  });
