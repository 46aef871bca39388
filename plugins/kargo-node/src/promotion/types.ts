import type { Freight } from '@kargo-portal/plugin-kargo-common';

/**
 * What a step returns when it ends without throwing. `Running` means "not done yet, run me again later"
 * (e.g. `git-wait-for-pr`); the engine stores {@link PromotionStepResult.state} and calls the step again.
 *
 * @public
 */
export interface PromotionStepResult {
  status: 'Succeeded' | 'Failed' | 'Running' | 'Skipped';
  /** Human-readable reason, shown on the step (required for `Failed`). */
  message?: string;
  /** The step's output, addressable as `outputs['<alias>']` by later steps. */
  output?: Record<string, unknown>;
  /** State to keep for the next run of a `Running` step (persisted with the promotion). */
  state?: Record<string, unknown>;
  /** For `Running`: how long to wait before running the step again. */
  retryAfterMs?: number;
  /**
   * For `Succeeded`: changes to Stage or Freight state, applied by the engine in the transaction that records
   * the step's success (both are durable, or neither is and the step runs again). Applying one must be
   * harmless to repeat.
   */
  effects?: PromotionStepEffect[];
  /**
   * For `Succeeded`: a health check for the stage to run from now on (Kargo's `HealthCheckStep`), such as the
   * Argo CD Applications `argocd-update` synced. The engine stores it with the step's success, in the same
   * transaction, and the finished promotion records it: the stage's health is evaluated from the health checks
   * of its last successful promotion.
   */
  healthCheck?: PromotionHealthCheck;
}

/**
 * A health check a step records with its promotion, as Kargo's `HealthCheckStep`: `uses` names the kind of
 * check (a registered health checker; `argocd-update` for the Argo CD one), `config` is that checker's input.
 *
 * @public
 */
export interface PromotionHealthCheck {
  uses: string;
  config: Record<string, unknown>;
}

/**
 * Sets each key of `values` on the metadata of a Stage or Freight of the promotion's project (other keys stay),
 * as Kargo's `set-metadata` does. A Freight is named by its id or alias.
 *
 * @public
 */
export interface PromotionMetadataEffect {
  kind: 'metadata';
  target: 'Stage' | 'Freight';
  name: string;
  values: Record<string, unknown>;
}

/**
 * Gives a Freight of the promotion's project (named by its id) a new alias, as Kargo's `set-freight-alias`
 * does. Aliases are unique within a project: an alias another Freight holds is refused.
 *
 * @public
 */
export interface PromotionFreightAliasEffect {
  kind: 'freight-alias';
  name: string;
  alias: string;
}

/**
 * A change to Stage or Freight state that a step returns in its result, for the engine to apply.
 *
 * @public
 */
export type PromotionStepEffect =
  | PromotionMetadataEffect
  | PromotionFreightAliasEffect;

/**
 * Credentials a step may use, looked up by URL. Values must never be logged or put in outputs.
 *
 * @public
 */
export interface PromotionCredentials {
  /** Username and password (or token) for a Git repository URL, from Backstage integrations. */
  git(
    repoURL: string,
  ): Promise<{ username: string; password: string } | undefined>;
}

/**
 * Log of one step, stored with the step's state and served by the API. Secrets known to the engine are
 * redacted before a line is stored.
 *
 * @public
 */
export interface PromotionStepLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Everything a step knows about the promotion it runs in (Kargo's `promotion.StepContext`).
 *
 * @public
 */
export interface PromotionStepContext {
  project: string;
  stage: string;
  /** Id of the promotion. */
  promotion: string;
  /** Who requested the promotion (a user entity ref), when known. */
  actor?: string;
  /** Alias of the step (`step-1`, `my-alias`, `task-alias::step-alias`). */
  alias: string;
  /** Absolute path of the promotion's work directory; every path a step touches must stay inside it. */
  workDir: string;
  /** The freight being promoted. */
  targetFreight: Freight;
  /** Freight available to the promotion, the target first (what `imageFrom` etc. search). */
  freight: Freight[];
  /** State the step stored on an earlier run that ended `Running`, or after a crash. */
  state?: Record<string, unknown>;
  /** Aborted when the promotion is aborted or the step times out. */
  signal: AbortSignal;
  logger: PromotionStepLogger;
  credentials: PromotionCredentials;
}

/**
 * A promotion step, registered by name (`uses:`). `config` has had its expressions evaluated already.
 *
 * @public
 */
export interface PromotionStepRunner<TConfig = unknown> {
  /** The name used in `uses:`, e.g. `git-clone`. */
  name: string;
  /**
   * Default of the step's `retry.timeout`, in milliseconds: how long a step may keep returning `Running` or
   * failing with retryable errors, counted from its first attempt. Unset or 0: no timeout (Kargo's system-wide
   * default); Kargo's `argocd-update` uses 5 minutes.
   */
  defaultTimeoutMs?: number;
  /**
   * Default of the step's `retry.errorThreshold`: after how many consecutive retryable errors the step ends
   * `Errored`. Unset or 0: 1, Kargo's system-wide default (no retries).
   */
  defaultErrorThreshold?: number;
  /**
   * When the step runs inside a PromotionTask, also merge its output into the task's own entry of the shared
   * state (`outputs['<task alias>']`), as Kargo's `compose-output` does (its `task-output-propagation`
   * capability).
   */
  propagatesTaskOutput?: boolean;
  /**
   * Checks and converts the evaluated config. Throw {@link TerminalStepError} (naming the field) when it is
   * invalid: invalid config is never retried.
   */
  parseConfig(config: unknown): TConfig;
  /**
   * Runs the step. It must be idempotent: after a crash of the backend the step that was running is run again
   * from the start (with {@link PromotionStepContext.state} as last saved), so a step with a side effect outside
   * the work directory (a push, a sync, an API call) must first check whether its effect is already there.
   * It should stop promptly when {@link PromotionStepContext.signal} is aborted.
   */
  run(
    context: PromotionStepContext,
    config: TConfig,
  ): Promise<PromotionStepResult>;
  /**
   * Sets up again what a finished run of the step prepared outside the work directory for the life of the
   * backend process only (such as the GnuPG home holding `git-clone`'s signing key). The engine calls it, with the
   * step's config evaluated again, for each step that succeeded before, when it resumes a promotion, which may be
   * in another process than the one that ran the step. It must be cheap when nothing was lost, and it must not
   * repeat the step's effects.
   */
  restore?(context: PromotionStepContext, config: TConfig): Promise<void>;
}

/**
 * An error that retrying cannot fix (invalid config, a path outside the work directory, ...). The step ends
 * `Errored` without further attempts. Other thrown errors end it `Errored` only once its retry budget is spent.
 *
 * @public
 */
export class TerminalStepError extends Error {
  override name = 'TerminalStepError';
}

/** @public */
export function isTerminalStepError(
  error: unknown,
): error is TerminalStepError {
  return error instanceof Error && error.name === 'TerminalStepError';
}
