import fs from 'node:fs';
import path from 'node:path';
import { Freight } from '@kargo-portal/plugin-kargo-common';
import { createStepExpressions } from './defaultExpressions';
import { stepExpressionEnv } from './env';
import { PlannedOrigin, PromotionPlan } from './plan';

interface VarsVector {
  id: string;
  name: string;
  input: {
    promotionContext: {
      vars?: Array<{ name: string; value?: string }>;
      outputs?: Record<string, Record<string, unknown>>;
      project?: string;
      stage?: string;
      promotion?: string;
      actor?: string;
      targetFreight?: { name: string; origin: { name: string } };
      freightRequests?: Array<{ origin: { kind: string; name: string } }>;
      freight?: Record<string, Partial<Freight>>;
      warehouses?: Record<
        string,
        { subscriptions: PlannedOrigin['subscriptions'] }
      >;
    };
    step: {
      alias?: string;
      vars?: Array<{ name: string; value?: string }>;
    };
  };
  expected: { vars?: Record<string, unknown>; error?: boolean };
}

// Kargo's own cases for the variables a step sees (pkg/promotion/evaluator_test.go TestStepEvaluator_Vars).
const vectors: VarsVector[] = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../../test-vectors/kargo/05-expressions/vars.json',
    ),
    'utf8',
  ),
).cases;

function envOf(vector: VarsVector) {
  const { promotionContext: pc, step } = vector.input;
  const plan: PromotionPlan = {
    vars: pc.vars ?? [],
    steps: [
      {
        alias: step.alias ?? 'step-1',
        uses: 'test',
        continueOnError: false,
        vars: step.vars ?? [],
      },
    ],
    origins: (pc.freightRequests ?? []).map(r => ({
      origin: { kind: 'Warehouse' as const, name: r.origin.name },
      subscriptions: pc.warehouses?.[r.origin.name]?.subscriptions ?? [],
    })),
  };
  const freight = Object.values(pc.freight ?? {}).map(
    f =>
      ({
        id: 'f',
        alias: 'f',
        project: pc.project ?? '',
        commits: [],
        images: [],
        charts: [],
        createdAt: '',
        ...f,
      } as Freight),
  );
  const target: Freight = {
    id: pc.targetFreight?.name ?? '',
    alias: '',
    project: pc.project ?? '',
    origin: { kind: 'Warehouse', name: pc.targetFreight?.origin.name ?? '' },
    commits: [],
    images: [],
    charts: [],
    createdAt: '',
  };
  return () =>
    stepExpressionEnv({
      expressions: createStepExpressions(),
      plan,
      state: { steps: [], outputs: pc.outputs ?? {} },
      index: 0,
      context: {
        project: pc.project ?? '',
        stage: pc.stage ?? '',
        promotion: pc.promotion ?? '',
        actor: pc.actor,
        workDir: '/nonexistent',
        targetFreight: target,
        freight,
        credentials: { git: async () => undefined },
      },
      reveal: () => {},
    });
}

describe('stepExpressionEnv', () => {
  const good = vectors.filter(v => !v.expected.error);
  const bad = vectors.filter(v => v.expected.error);

  it('has vectors of both kinds', () => {
    expect(good.length).toBeGreaterThan(5);
    expect(bad.length).toBeGreaterThan(0);
  });

  it.each(good.map(v => [`${v.id} ${v.name}`, v] as const))(
    'gives the variables of Kargo vector %s',
    (_name, vector) => {
      const vars = envOf(vector)().values.vars;
      // The warehouse() origin is a Go struct in expressions; compare it as JSON, as Kargo's test does.
      expect(JSON.parse(JSON.stringify(vars))).toEqual(vector.expected.vars);
    },
  );

  it.each(bad.map(v => [`${v.id} ${v.name}`, v] as const))(
    'refuses Kargo vector %s',
    (_name, vector) => {
      expect(envOf(vector)).toThrow(
        /error pre-processing promotion variable "invalid"/,
      );
    },
  );

  it('keeps promotion variables from seeing outputs', () => {
    const env = envOf({
      id: 'local',
      name: 'promotion vars do not see outputs',
      input: {
        promotionContext: {
          vars: [{ name: 'x', value: '${{ outputs.a.b }}' }],
          outputs: { a: { b: 'c' } },
        },
        step: {},
      },
      expected: { error: true },
    });
    expect(env).toThrow(/error pre-processing promotion variable "x"/);
  });

  it.each([true, false, undefined])(
    'tells steps whether the promotion is a rollback (ctx.meta.promotion.rollback): %p',
    rollback => {
      const target: Freight = {
        id: 'f',
        alias: 'f',
        project: 'shop',
        origin: { kind: 'Warehouse', name: 'app' },
        commits: [],
        images: [],
        charts: [],
        createdAt: '',
      };
      const env = stepExpressionEnv({
        expressions: createStepExpressions(),
        plan: {
          vars: [],
          steps: [
            { alias: 'a', uses: 'test', continueOnError: false, vars: [] },
          ],
          origins: [],
        },
        state: { steps: [], outputs: {} },
        index: 0,
        context: {
          project: 'shop',
          stage: 'prod',
          promotion: 'prod.01kdvdwmc01qx0q3hpt97b4ed6.fffffff',
          actor: 'user:default/amy',
          rollback,
          workDir: '/nonexistent',
          targetFreight: target,
          freight: [target],
          credentials: { git: async () => undefined },
        },
        reveal: () => {},
      });
      expect(env.values.ctx).toMatchObject({
        promotion: 'prod.01kdvdwmc01qx0q3hpt97b4ed6.fffffff',
        meta: {
          promotion: { actor: 'user:default/amy', rollback: rollback ?? false },
        },
      });
    },
  );
});

describe('stepExpressionEnv: Kargo variables and data functions', () => {
  const target: Freight = {
    id: 'abc',
    alias: 'wise-otter',
    project: 'shop',
    origin: { kind: 'Warehouse', name: 'images' },
    commits: [],
    images: [],
    charts: [],
    createdAt: '',
  };
  const plan: PromotionPlan = {
    vars: [],
    steps: ['build', 'push', 'notify'].map(alias => ({
      alias,
      uses: 'test',
      continueOnError: false,
      vars: [],
    })),
    origins: [],
  };
  const revealed: string[] = [];
  const env = () =>
    stepExpressionEnv({
      expressions: createStepExpressions({
        secrets: {
          get: (project, name) =>
            project === 'shop' && name === 'api'
              ? { token: 'p-tok' }
              : undefined,
          getShared: name =>
            name === 'slack' ? { token: 's-tok' } : undefined,
        },
        configMaps: {
          get: (project, name) =>
            project === 'shop' && name === 'settings'
              ? { env: 'eu' }
              : undefined,
          getShared: name => (name === 'org' ? { team: 'web' } : undefined),
        },
      }),
      plan,
      state: {
        steps: [
          {
            alias: 'build',
            status: 'Succeeded',
            startedAt: '2026-01-01T10:00:00.000Z',
            finishedAt: '2026-01-01T10:05:30.000Z',
          },
          {
            alias: 'push',
            status: 'Errored',
            message: 'remote hung up',
            errorCount: 2,
            startedAt: '2026-01-01T10:06:00.000Z',
          },
          { alias: 'notify', status: 'Pending' },
        ],
        outputs: {},
      },
      index: 2,
      context: {
        project: 'shop',
        stage: 'dev',
        promotion: 'p1',
        workDir: '/nonexistent',
        targetFreight: target,
        freight: [target],
        credentials: { git: async () => undefined },
      },
      reveal: value => revealed.push(value),
    });
  const run = (expression: string) => {
    const { values, functions } = env();
    return createStepExpressions().evaluateTemplate(`\${{ ${expression} }}`, {
      values,
      functions,
    });
  };

  it.each<[string, unknown]>([
    ["stepMetas['build'].Status", 'Succeeded'],
    ['stepMetas.push.ErrorCount', 2],
    ['stepMetas.push.Message', 'remote hung up'],
    ['stepMetas.push.FinishedAt == nil', true],
    ['(stepMetas.build.FinishedAt - stepMetas.build.StartedAt).Seconds()', 330],
    ["'notify' in stepMetas", false],
    [
      'stepMetas.build',
      {
        alias: 'build',
        startedAt: '2026-01-01T10:00:00.000Z',
        finishedAt: '2026-01-01T10:05:30.000Z',
        status: 'Succeeded',
      },
    ],
    ["configMap('settings').env", 'eu'],
    ["sharedConfigMap('org').team", 'web'],
    ["secret('api').token", 'p-tok'],
    ["sharedSecret('slack').token", 's-tok'],
  ])('%s is %p', (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it('reports shared secret values for redaction', () => {
    revealed.length = 0;
    run("sharedSecret('slack').token");
    expect(revealed).toEqual(['s-tok']);
  });

  it('has no target variable: stages are promoted, not Targets, as in Kargo classic promotions', () => {
    expect(env().values).not.toHaveProperty('target');
    expect(() => run('target.params')).toThrow();
  });
});
