import { Freight, PromotionStepState } from '@kargo-portal/plugin-kargo-common';
import { PlannedOrigin } from './plan';

/** A function callable from an expression. */
export type StepExpressionFunction = (...args: any[]) => unknown;

/** The names an expression can use: values (`ctx`, `vars`, `outputs`, `task`) and functions. */
export interface StepExpressionEnv {
  values: Record<string, unknown>;
  functions: Record<string, StepExpressionFunction>;
}

/** Metadata of the project's Stages and Freight (a Freight by id), by name, for `stageMetadata()` and the like. */
export interface StepMetadata {
  stages: Record<string, Record<string, unknown>>;
  freight: Record<string, Record<string, unknown>>;
  /**
   * The `status` of the promotion's freight as Kargo's Freight has it (`currentlyIn`, `verifiedIn`,
   * `approvedFor`, `metadata`), by id, for `freightStatus()`.
   */
  freightStatus?: Record<string, Record<string, unknown>>;
}

/**
 * The expression language as the engine uses it (Kargo's `${{ }}` templates), kept behind an interface so that
 * the engine's rules (which names are visible where, what is a secret) stay separate from the evaluator.
 */
export interface StepExpressions {
  /** A variable's value: literal text stays a string, a lone `${{ }}` keeps its type. */
  evaluateTemplate(text: string, env: StepExpressionEnv): unknown;
  /** A step's `if`: must give a boolean. */
  evaluateCondition(text: string, env: StepExpressionEnv): boolean;
  /** A step's `config`, every string evaluated as a template. */
  evaluateConfig(
    config: Record<string, unknown>,
    env: StepExpressionEnv,
  ): unknown;
  /** Utility functions such as `quote()`, `semverDiff()`. */
  utilityFunctions(): Record<string, StepExpressionFunction>;
  /** `imageFrom()`, `commitFrom()`, `chartFrom()`, `warehouse()` over the promotion's freight. */
  freightFunctions(
    freight: Freight[],
    origins: PlannedOrigin[],
  ): Record<string, StepExpressionFunction>;
  /** `success()`, `failure()`, `always()`, `status()` over the steps before the current one. */
  statusFunctions(
    steps: PromotionStepState[],
    currentAlias: string,
  ): Record<string, StepExpressionFunction>;
  /**
   * `freightMetadata()` and `stageMetadata()` over metadata read before the step; `freightAliases` maps the
   * aliases of the promotion's freight to their ids. Optional: without it expressions have no such functions.
   */
  metadataFunctions?(
    metadata: StepMetadata,
    freightAliases: Record<string, string>,
  ): Record<string, StepExpressionFunction>;
  /**
   * `secret()` and the like for a project; every value they return is passed to `reveal` first, so that the
   * engine can redact it from logs, messages and outputs. Optional: without it expressions have no secrets.
   */
  secretFunctions?(
    project: string,
    reveal: (value: string) => void,
  ): Record<string, StepExpressionFunction>;
  /** `configMap()` and `sharedConfigMap()` for a project. Optional: without it expressions have no config maps. */
  configMapFunctions?(project: string): Record<string, StepExpressionFunction>;
}
