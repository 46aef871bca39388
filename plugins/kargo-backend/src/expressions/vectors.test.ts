/**
 * Kargo's own test cases for expressions (test-vectors/kargo/05-expressions; see its SOURCES.md), run against the
 * evaluator through a promotion context built the way Kargo's StepEvaluator builds it (pkg/promotion/evaluator.go).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYAML } from 'yaml';
import {
  evaluateConfig,
  evaluateJSONTemplate,
  evaluateTemplate,
  ExpressionEnv,
  ExpressionError,
  freightFunctions,
  statusFunctions,
  utilityFunctions,
} from './index';
import type {
  ExpressionFreight,
  ExpressionWarehouseSubscription,
  StepStatusRecord,
} from './index';

const VECTORS = path.resolve(
  __dirname,
  '../../../../test-vectors/kargo/05-expressions',
);

function load<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8'));
}

interface Var {
  name: string;
  value: string;
}

interface PromotionContext {
  project?: string;
  stage?: string;
  promotion?: string;
  actor?: string;
  targetFreight?: { name: string; alias?: string; origin: { name: string } };
  vars?: Var[];
  outputs?: Record<string, unknown>;
  freightRequests?: Array<{ origin: { kind: string; name: string } }>;
  freight?: Record<string, ExpressionFreight>;
  warehouses?: Record<
    string,
    { subscriptions: ExpressionWarehouseSubscription[] }
  >;
  stepExecutionMetadata?: StepStatusRecord[];
}

interface Step {
  alias?: string;
  vars?: Var[];
}

/** The `task.outputs` of a step inflated from a PromotionTask: the state entries of its own task. */
function taskOutputs(alias: string, outputs: Record<string, unknown>) {
  const parts = alias.split('::');
  if (parts.length !== 2) return undefined;
  const namespace = parts[0];
  return Object.fromEntries(
    Object.entries(outputs)
      .filter(
        ([key]) =>
          key.split('::').length === 2 && key.split('::')[0] === namespace,
      )
      .map(([key, value]) => [key.slice(namespace.length + 2), value]),
  );
}

function baseValues(context: PromotionContext, alias: string) {
  return {
    ctx: {
      uiBaseUrl: '',
      project: context.project ?? '',
      promotion: context.promotion ?? '',
      stage: context.stage ?? '',
      targetFreight: {
        name: context.targetFreight?.name ?? '',
        alias: context.targetFreight?.alias ?? '',
        origin: { name: context.targetFreight?.origin.name ?? '' },
      },
      meta: {
        promotion: { actor: context.actor ?? '', rollback: false },
        step: { alias },
      },
    },
  };
}

function functionsFor(context: PromotionContext, alias: string) {
  const requested = (context.freightRequests ?? []).map(request => ({
    origin: request.origin,
    subscriptions: context.warehouses?.[request.origin.name]?.subscriptions,
  }));
  return {
    ...freightFunctions(Object.values(context.freight ?? {}), requested),
    ...statusFunctions(context.stepExecutionMetadata ?? [], alias),
    ...utilityFunctions(),
  };
}

/** StepEvaluator.Vars: promotion vars (no outputs), then step vars (with outputs and task outputs). */
function resolveVars(context: PromotionContext, step: Step) {
  const alias = step.alias ?? '';
  const vars: Record<string, unknown> = {};
  const functions = functionsFor(context, alias);
  for (const v of context.vars ?? []) {
    vars[v.name] = evaluateTemplate(v.value, {
      values: { ...baseValues(context, alias), vars },
      functions,
    });
  }
  for (const v of step.vars ?? []) {
    vars[v.name] = evaluateTemplate(v.value, stepEnv(context, step, vars));
  }
  return vars;
}

function stepEnv(
  context: PromotionContext,
  step: Step,
  vars: Record<string, unknown>,
): ExpressionEnv {
  const alias = step.alias ?? '';
  const outputs = context.outputs ?? {};
  const task = taskOutputs(alias, outputs);
  return {
    values: {
      ...baseValues(context, alias),
      outputs,
      ...(task ? { task: { outputs: task } } : {}),
      vars,
    },
    functions: functionsFor(context, alias),
  };
}

describe('json-templates.json (TestEvaluateJSONTemplate)', () => {
  const vectors = load<{
    env: Record<string, unknown>;
    cases: Array<{
      id: string;
      name: string;
      input: { jsonTemplate?: string; yamlTemplate?: string };
      expected: {
        output?: Record<string, unknown>;
        errorContains?: string;
        outputContains?: Record<string, string[]>;
        output_exact_from_evaluator_test?: Record<string, unknown>;
        outputJSONEqAfterParse?: Record<string, unknown>;
        mustContainNewline?: boolean;
        mustEndWithNewline?: boolean;
      };
    }>;
    forbiddenEnvKeys: Array<{
      envKey: string;
      expected: { errorContains: string };
    }>;
  }>('json-templates.json');
  const env: ExpressionEnv = { values: vectors.env, functions: {} };

  const evaluate = (input: { jsonTemplate?: string; yamlTemplate?: string }) =>
    input.jsonTemplate !== undefined
      ? evaluateJSONTemplate(input.jsonTemplate, env)
      : (evaluateConfig(parseYAML(input.yamlTemplate!), env) as Record<
          string,
          unknown
        >);

  const failing = vectors.cases.filter(c => c.expected.errorContains);
  const passing = vectors.cases.filter(c => !c.expected.errorContains);

  it.each(failing)('$id $name', ({ input, expected }) => {
    expect(() => evaluate(input)).toThrow(expected.errorContains);
  });

  it.each(passing)('$id $name', ({ input, expected }) => {
    const output = evaluate(input);
    const exact = expected.output_exact_from_evaluator_test ?? expected.output;
    expect(output).toEqual(exact);
    const contains = Object.entries(expected.outputContains ?? {}).flatMap(
      ([key, parts]) => parts.map(part => [key, part]),
    );
    for (const [key, part] of contains) expect(output[key]).toContain(part);
    const jsonValued = Object.entries(expected.outputJSONEqAfterParse ?? {});
    for (const [key, value] of jsonValued) {
      const text = String(output[key]);
      expect(JSON.parse(text)).toEqual(value);
      expect(text.endsWith('\n')).toBe(!!expected.mustEndWithNewline);
      expect(text.includes('\n')).toBe(!!expected.mustContainNewline);
    }
  });

  it.each(vectors.forbiddenEnvKeys)(
    'env key $envKey is forbidden',
    ({ envKey, expected }) => {
      const values = { ...vectors.env, [envKey]: 'x' };
      expect(() =>
        evaluateJSONTemplate('{ "a": "${{ 1 }}" }', { values, functions: {} }),
      ).toThrow(expected.errorContains);
    },
  );
});

describe('step-config.json (TestStepEvaluator_Config)', () => {
  const vectors = load<{
    cases: Array<{
      id: string;
      name: string;
      input: { promotionContext: PromotionContext; stepConfig: unknown };
      expected: { config: Record<string, unknown> };
    }>;
  }>('step-config.json');

  it.each(vectors.cases)('$id $name', ({ input, expected }) => {
    const step: Step = {};
    const vars = resolveVars(input.promotionContext, step);
    const config = evaluateConfig(
      input.stepConfig,
      stepEnv(input.promotionContext, step, vars),
    );
    expect(config).toEqual(expected.config);
  });
});

describe('vars.json (TestStepEvaluator_Vars)', () => {
  const vectors = load<{
    cases: Array<{
      id: string;
      name: string;
      input: { promotionContext: PromotionContext; step: Step };
      expected: { vars?: Record<string, unknown>; error?: boolean };
    }>;
  }>('vars.json');

  const failing = vectors.cases.filter(c => c.expected.error);
  const passing = vectors.cases.filter(c => !c.expected.error);

  it.each(failing)('$id $name', ({ input }) => {
    expect(() => resolveVars(input.promotionContext, input.step)).toThrow(
      ExpressionError,
    );
  });

  it.each(passing)('$id $name', ({ input, expected }) => {
    expect(resolveVars(input.promotionContext, input.step)).toEqual(
      expected.vars,
    );
  });
});
