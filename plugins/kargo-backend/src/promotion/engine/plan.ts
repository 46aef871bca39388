import {
  ExpressionVariable,
  FreightOrigin,
  PromotionStepRetry,
  PromotionStepSpec,
  PromotionTaskSpec,
  StageManifest,
  WarehouseManifest,
  WarehouseSubscription,
  promotionTaskStepAlias,
} from '@kargo-portal/plugin-kargo-common';

/** One step of a promotion, with (Cluster)PromotionTask references already inflated. */
export interface PlannedStep {
  /** Unique within the promotion: `as`, `step-<n>`, or `<task alias>::<step alias>` for a task's step. */
  alias: string;
  uses: string;
  if?: string;
  continueOnError: boolean;
  retry?: PromotionStepRetry;
  /** Task variables (defaults and values given by the referencing step) first, then the step's own. */
  vars: ExpressionVariable[];
  config?: Record<string, unknown>;
}

/**
 * What a promotion runs, fixed when it starts so that a later change of the Stage or a task does not change a
 * promotion halfway (Kargo copies the steps into the Promotion when it is created).
 */
export interface PromotionPlan {
  /** The Stage's `spec.vars`, then its `promotionTemplate.spec.vars`. */
  vars: ExpressionVariable[];
  steps: PlannedStep[];
  /**
   * The origins the Stage requests freight from, with the subscriptions of their Warehouses (undefined for a
   * Warehouse that is not defined), for `imageFrom()` and the like.
   */
  origins: PlannedOrigin[];
}

/** A requested origin of a Stage and the subscriptions of its Warehouse. */
export interface PlannedOrigin {
  origin: FreightOrigin;
  subscriptions?: WarehouseSubscription[];
}

/** Where `task:` references are looked up. */
export interface PromotionTaskLookup {
  getPromotionTask(
    project: string,
    name: string,
  ): PromotionTaskSpec | undefined;
  getClusterPromotionTask(name: string): PromotionTaskSpec | undefined;
}

/** A promotion that cannot be planned: a missing task or a required task variable without a value. */
export class PromotionPlanError extends Error {
  override name = 'PromotionPlanError';
}

/** Kargo's default alias of a step without `as`: `task-<n>` for a task reference, `step-<n>` otherwise. */
function aliasOf(step: PromotionStepSpec, index: number): string {
  if (step.as) return step.as;
  return step.task ? `task-${index + 1}` : `step-${index + 1}`;
}

function hasValue(
  vars: ExpressionVariable[] | undefined,
): (name: string) => boolean {
  const names = new Set(
    (vars ?? [])
      .filter(v => v.value !== undefined && v.value !== '')
      .map(v => v.name),
  );
  return name => names.has(name);
}

/**
 * The variables a task's steps get, as Kargo maps them: a task variable set (non-empty) by the promotion is
 * left to the promotion's value; otherwise its default applies; a variable with neither a default nor a value
 * from the referencing step is an error naming it. The referencing step's variables follow the defaults.
 */
function taskVariables(
  taskVars: ExpressionVariable[] | undefined,
  promotionVars: ExpressionVariable[],
  stepVars: ExpressionVariable[] | undefined,
): ExpressionVariable[] {
  const setByPromotion = hasValue(promotionVars);
  const setByStep = hasValue(stepVars);
  const vars: ExpressionVariable[] = [];
  for (const v of taskVars ?? []) {
    if (setByPromotion(v.name)) continue;
    if (v.value !== undefined && v.value !== '') {
      vars.push(v);
    } else if (!setByStep(v.name)) {
      throw new PromotionPlanError(`missing value for variable "${v.name}"`);
    }
  }
  return [...vars, ...(stepVars ?? [])];
}

function findTask(
  project: string,
  step: PromotionStepSpec,
  tasks: PromotionTaskLookup,
): PromotionTaskSpec {
  const ref = step.task!;
  if (ref.kind === 'ClusterPromotionTask') {
    const task = tasks.getClusterPromotionTask(ref.name);
    if (!task) {
      throw new PromotionPlanError(
        `ClusterPromotionTask "${ref.name}" not found`,
      );
    }
    return task;
  }
  const task = tasks.getPromotionTask(project, ref.name);
  if (!task) {
    throw new PromotionPlanError(
      `PromotionTask "${ref.name}" not found in project "${project}"`,
    );
  }
  return task;
}

/**
 * The steps and variables of a promotion to `stage`: its promotion template, with every `task:` reference
 * replaced by the task's steps (aliased `<task alias>::<step alias>`), as Kargo's `InflateSteps` does.
 *
 * @throws PromotionPlanError when a task is missing or a required variable has no value
 */
export function planPromotion(options: {
  project: string;
  stage: StageManifest;
  /** The project's Warehouses, for the subscriptions of the Stage's origins. */
  warehouses: WarehouseManifest[];
  tasks: PromotionTaskLookup;
}): PromotionPlan {
  const { project, stage, tasks } = options;
  // A control-flow stage (no promotion template, or no steps in it) has nothing to run: its promotions move the
  // freight in and succeed, as in Kargo.
  const template = stage.spec.promotionTemplate?.spec;
  const vars = [...(stage.spec.vars ?? []), ...(template?.vars ?? [])];
  const steps: PlannedStep[] = [];
  (template?.steps ?? []).forEach((step, index) => {
    const alias = aliasOf(step, index);
    if (!step.task) {
      steps.push(plannedStep(step, alias, step.vars ?? []));
      return;
    }
    try {
      const task = findTask(project, step, tasks);
      const inherited = taskVariables(task.vars, vars, step.vars);
      task.steps.forEach((inner, innerIndex) => {
        steps.push(
          plannedStep(
            inner,
            promotionTaskStepAlias(alias, aliasOf(inner, innerIndex)),
            [...inherited, ...(inner.vars ?? [])],
          ),
        );
      });
    } catch (error) {
      if (!(error instanceof PromotionPlanError)) throw error;
      throw new PromotionPlanError(
        `inflate task steps for task "${step.task.name}" ("${alias}"): ${error.message}`,
      );
    }
  });
  return {
    vars,
    steps,
    origins: stage.spec.requestedFreight.map(r => ({
      origin: r.origin,
      subscriptions: options.warehouses.find(
        w => w.metadata.name === r.origin.name,
      )?.spec.subscriptions,
    })),
  };
}

function plannedStep(
  step: PromotionStepSpec,
  alias: string,
  vars: ExpressionVariable[],
): PlannedStep {
  if (!step.uses) {
    // The manifest schema refuses this; guard against manifests stored by an older parser.
    throw new PromotionPlanError(`step "${alias}" has no "uses"`);
  }
  return {
    alias,
    uses: step.uses,
    ...(step.if !== undefined ? { if: step.if } : {}),
    continueOnError: step.continueOnError ?? false,
    ...(step.retry ? { retry: step.retry } : {}),
    vars,
    ...(step.config ? { config: step.config } : {}),
  };
}
