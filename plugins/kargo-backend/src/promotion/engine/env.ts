import {
  StepExpressionEnv,
  StepExpressions,
  StepMetadata,
} from './expressions';
import { PromotionStepState } from '@kargo-portal/plugin-kargo-common';
import { ExprStruct, timeFromDate } from '../../expressions';
import { PromotionPlan } from './plan';
import { PromotionRunContext, PromotionRunState } from './types';

/** The part of an alias before `::`, for a step inflated from a task (Kargo's `getAliasNamespace`). */
export function aliasNamespace(alias: string): string | undefined {
  const parts = alias.split('::');
  return parts.length === 2 ? parts[0] : undefined;
}

/** Outputs of the steps of the task that step `alias` belongs to, by their alias within the task. */
function taskOutputs(
  alias: string,
  outputs: PromotionRunState['outputs'],
): Record<string, unknown> | undefined {
  const namespace = aliasNamespace(alias);
  if (namespace === undefined) return undefined;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(outputs)) {
    if (aliasNamespace(key) === namespace) {
      result[key.slice(namespace.length + 2)] = value;
    }
  }
  return result;
}

/**
 * Kargo's `stepMetas`: the execution metadata of the steps started so far, by alias, as Go structs
 * (`stepMetas['build'].Status`, `.ErrorCount`, `.StartedAt` as a time) that marshal with their JSON names.
 */
function stepMetasOf(steps: PromotionStepState[]): Record<string, ExprStruct> {
  const metas: Record<string, ExprStruct> = {};
  for (const step of steps) {
    if (!step.startedAt) continue;
    const time = (iso?: string) => (iso ? timeFromDate(new Date(iso)) : null);
    const fields = {
      Alias: step.alias,
      StartedAt: time(step.startedAt),
      FinishedAt: time(step.finishedAt),
      ErrorCount: step.errorCount ?? 0,
      Status: step.status,
      Message: step.message ?? '',
      ContinueOnError: step.continueOnError ?? false,
    };
    metas[step.alias] = new ExprStruct({
      typeName: 'v1alpha1.StepExecutionMetadata',
      fields,
      toJSON: () => ({
        alias: step.alias,
        ...(step.startedAt ? { startedAt: step.startedAt } : {}),
        ...(step.finishedAt ? { finishedAt: step.finishedAt } : {}),
        ...(step.errorCount ? { errorCount: step.errorCount } : {}),
        ...(step.status ? { status: step.status } : {}),
        ...(step.message ? { message: step.message } : {}),
        ...(step.continueOnError ? { continueOnError: true } : {}),
      }),
    });
  }
  return metas;
}

/** Kargo's `ctx`: the promotion and the step, as expressions see them. */
function ctxValue(context: PromotionRunContext, alias: string) {
  return {
    uiBaseUrl: context.uiBaseUrl ?? '',
    project: context.project,
    promotion: context.promotion,
    stage: context.stage,
    targetFreight: {
      name: context.targetFreight.id,
      alias: context.targetFreight.alias,
      origin: { name: context.targetFreight.origin.name },
    },
    meta: {
      promotion: {
        actor: context.actor ?? '',
        rollback: context.rollback ?? false,
      },
      step: { alias },
    },
  };
}

function evaluateVariable(
  expressions: StepExpressions,
  name: string,
  value: string | undefined,
  env: StepExpressionEnv,
): unknown {
  try {
    return expressions.evaluateTemplate(value ?? '', env);
  } catch (error) {
    throw new Error(
      `error pre-processing promotion variable "${name}": ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/**
 * What the expressions of step `index` see, as Kargo's `StepEvaluator` builds it: `ctx`; `vars`, the promotion's
 * (which see `ctx` and the variables before them only) then the step's (which also see `outputs` and, in a task,
 * `task.outputs`); `outputs`; `task.outputs`; and the freight, utility, status and secret functions. Values that
 * secret functions hand out are passed to `reveal`.
 */
export function stepExpressionEnv(options: {
  expressions: StepExpressions;
  plan: PromotionPlan;
  state: Pick<PromotionRunState, 'steps' | 'outputs'>;
  index: number;
  context: PromotionRunContext;
  reveal: (value: string) => void;
  /** Metadata read before the step, for `freightMetadata()` and `stageMetadata()`; without it they are absent. */
  metadata?: StepMetadata;
}): StepExpressionEnv {
  const { expressions, plan, state, index, context, metadata } = options;
  const step = plan.steps[index];
  const functions = {
    ...expressions.utilityFunctions(),
    ...expressions.freightFunctions(context.freight, plan.origins),
    ...(metadata && expressions.metadataFunctions
      ? expressions.metadataFunctions(
          metadata,
          Object.fromEntries(context.freight.map(f => [f.alias, f.id])),
        )
      : {}),
    ...(expressions.secretFunctions?.(context.project, options.reveal) ?? {}),
    ...(expressions.configMapFunctions?.(context.project) ?? {}),
  };
  const ctx = ctxValue(context, step.alias);
  const vars: Record<string, unknown> = {};
  for (const v of plan.vars) {
    vars[v.name] = evaluateVariable(expressions, v.name, v.value, {
      values: { ctx, vars: { ...vars } },
      functions,
    });
  }
  const task = taskOutputs(step.alias, state.outputs);
  // Kargo sets `target` only for a promotion to one of a stage's Targets; Kargo Portal promotes stages (Kargo's
  // classic promotions), whose expressions see no `target`, so a reference to it fails as it does there.
  const values = {
    ctx,
    outputs: state.outputs,
    stepMetas: stepMetasOf(state.steps.slice(0, index + 1)),
    ...(task ? { task: { outputs: task } } : {}),
  };
  for (const v of step.vars) {
    vars[v.name] = evaluateVariable(expressions, v.name, v.value, {
      values: { ...values, vars: { ...vars } },
      functions,
    });
  }
  return {
    values: { ...values, vars },
    functions: {
      ...functions,
      ...expressions.statusFunctions(state.steps.slice(0, index), step.alias),
    },
  };
}
