import {
  ApplicationHealth,
  HealthState,
} from '@kargo-portal/plugin-kargo-common';

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

/** The stage a health check is evaluated for. */
export interface HealthCheckContext {
  project: string;
  stage: string;
}

/** What one health check found (Kargo's `health.Result`). */
export interface HealthCheckResult {
  status: HealthState;
  /** Why it is not Healthy. */
  issues: string[];
  /** The Argo CD Applications it looked at, for the API. */
  applications?: ApplicationHealth[];
}

/**
 * A kind of health check, registered by the `uses` of the health checks it evaluates (as Kargo's health checker
 * registry): `argocd-update` for the Argo CD Applications a promotion synced. A checker keeps what it reads
 * current by itself (a watch), so evaluating never calls out: the stage health monitor evaluates on every change
 * the checker reports.
 */
export interface HealthChecker {
  readonly uses: string;
  /**
   * What a check reads, as keys only this checker understands: when one changes the checker reports it, and the
   * stages whose checks read it are evaluated again. Throws on a config the checker cannot read.
   */
  dependencies(config: Record<string, unknown>): string[];
  /** Evaluates a check from what the checker knows now. */
  check(
    config: Record<string, unknown>,
    context: HealthCheckContext,
  ): HealthCheckResult;
  /** From now on, keep exactly these dependencies current (start and stop watches). */
  track(dependencies: string[]): void;
  /** Calls `listener` with each dependency that changed. */
  onChange(listener: (dependency: string) => void): void;
  /** Stops every watch. */
  stop(): Promise<void>;
}

/** The health checkers by kind; a second checker of one kind is refused. */
export class HealthCheckers {
  private readonly byKind = new Map<string, HealthChecker>();

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
