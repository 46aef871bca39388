import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { HealthChecker } from './types';

/**
 * Lets backend modules add kinds of health checks to the Kargo backend, next to the built-in `argocd-update`.
 *
 * @public
 */
export interface KargoHealthCheckersExtensionPoint {
  /** Registers checkers by their `uses`; a kind that is already registered is an error at startup. */
  addHealthCheckers(...checkers: HealthChecker[]): void;
}

/** @public */
export const kargoHealthCheckersExtensionPoint =
  createExtensionPoint<KargoHealthCheckersExtensionPoint>({
    id: 'kargo.health-checkers',
  });
