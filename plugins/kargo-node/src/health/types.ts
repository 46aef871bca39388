import type {
  ApplicationHealth,
  HealthState,
} from '@kargo-portal/plugin-kargo-common';

/**
 * The stage a health check is evaluated for.
 *
 * @public
 */
export interface HealthCheckContext {
  project: string;
  stage: string;
}

/**
 * What one health check found (Kargo's `health.Result`).
 *
 * @public
 */
export interface HealthCheckResult {
  status: HealthState;
  /** Why it is not Healthy. */
  issues: string[];
  /** The Argo CD Applications it looked at, for the API. */
  applications?: ApplicationHealth[];
}

/**
 * A kind of health check, registered by the `uses` of the health checks it evaluates (as Kargo's health checker
 * registry): the built-in `argocd-update` evaluates the Argo CD Applications a promotion synced. A step records
 * a check of a kind by returning `healthCheck: { uses, config }` with its success.
 *
 * A checker keeps what it reads current by itself (a watch), so evaluating never calls out: the stage health
 * monitor evaluates a stage again whenever the checker reports a change of something the stage's checks read.
 *
 * @public
 */
export interface HealthChecker {
  readonly uses: string;
  /**
   * What a check reads, as keys only this checker understands: when one changes the checker reports it, and the
   * stages whose checks read it are evaluated again. Throws on a config the checker cannot read.
   */
  dependencies(config: Record<string, unknown>): string[];
  /** Evaluates a check from what the checker knows now; it must not call out. */
  check(
    config: Record<string, unknown>,
    context: HealthCheckContext,
  ): HealthCheckResult;
  /** From now on, keep exactly these dependencies current (start and stop watches). */
  track(dependencies: string[]): void;
  /** Calls `listener` with each dependency that changed. */
  onChange(listener: (dependency: string) => void): void;
  /** Stops every watch (at shutdown). */
  stop(): Promise<void>;
}
