import { HealthState } from '@kargo-portal/plugin-kargo-common';
import type {
  HealthCheckContext,
  HealthCheckResult,
  HealthChecker,
} from '@kargo-portal/plugin-kargo-node';

export type { HealthCheckContext, HealthCheckResult, HealthChecker };

/**
 * Kargo's order of health states (api/v1alpha1 `stateOrder`): when states are merged the one later in this list
 * wins, so a stage is as healthy as its least healthy check.
 */
const ORDER: HealthState[] = [
  'Healthy',
  'NotApplicable',
  'Progressing',
  'Unknown',
  'Unhealthy',
];

/** The worse of two health states (Kargo's `HealthState.Merge`). */
export function mergeHealth(a: HealthState, b: HealthState): HealthState {
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}

/** The health checkers by kind; a second checker of one kind is refused. */
export class HealthCheckers {
  private readonly byKind = new Map<string, HealthChecker>();

  /** The built-in checkers and those of backend modules (a duplicate kind fails the startup). */
  static create(...checkers: HealthChecker[]): HealthCheckers {
    const registry = new HealthCheckers();
    checkers.forEach(checker => registry.add(checker));
    return registry;
  }

  add(checker: HealthChecker): void {
    if (this.byKind.has(checker.uses)) {
      throw new Error(
        `A health checker for "${checker.uses}" is registered already`,
      );
    }
    this.byKind.set(checker.uses, checker);
  }

  get(uses: string): HealthChecker | undefined {
    return this.byKind.get(uses);
  }

  all(): HealthChecker[] {
    return [...this.byKind.values()];
  }
}
