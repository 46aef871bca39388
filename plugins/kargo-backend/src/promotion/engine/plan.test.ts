import {
  PromotionStepSpec,
  PromotionTaskSpec,
  StageManifest,
} from '@kargo-portal/plugin-kargo-common';
import { PromotionPlanError, planPromotion } from './plan';

function stage(
  steps: PromotionStepSpec[],
  vars?: Array<{ name: string; value?: string }>,
): StageManifest {
  return {
    apiVersion: 'kargo.akuity.io/v1alpha1',
    kind: 'Stage',
    metadata: { name: 'dev', namespace: 'shop' },
    spec: {
      vars: [{ name: 'fromStage', value: 'stage' }],
      requestedFreight: [
        {
          origin: { kind: 'Warehouse', name: 'app' },
          sources: { direct: true },
        },
      ],
      promotionTemplate: { spec: { vars, steps } },
    },
  } as StageManifest;
}

const deploy: PromotionTaskSpec = {
  vars: [{ name: 'repo' }, { name: 'branch', value: 'main' }],
  steps: [{ uses: 'git-clone' }, { uses: 'git-push', as: 'push' }],
};

const tasks = {
  getPromotionTask: (project: string, name: string) =>
    project === 'shop' && name === 'deploy' ? deploy : undefined,
  getClusterPromotionTask: (name: string) =>
    name === 'global' ? { steps: [{ uses: 'notify' }] } : undefined,
};

function plan(
  steps: PromotionStepSpec[],
  vars?: Array<{ name: string; value?: string }>,
) {
  return planPromotion({
    project: 'shop',
    stage: stage(steps, vars),
    warehouses: [],
    tasks,
  });
}

describe('planPromotion', () => {
  it('names steps as Kargo does: as, step-<n>, task-<n>, <task alias>::<step alias>', () => {
    const result = plan([
      { uses: 'a' },
      { uses: 'b', as: 'named' },
      { task: { name: 'deploy' }, vars: [{ name: 'repo', value: 'r' }] },
      { task: { name: 'global', kind: 'ClusterPromotionTask' }, as: 'g' },
    ]);
    expect(result.steps.map(s => s.alias)).toEqual([
      'step-1',
      'named',
      'task-3::step-1',
      'task-3::push',
      'g::step-1',
    ]);
    expect(result.vars).toEqual([{ name: 'fromStage', value: 'stage' }]);
    expect(result.origins).toEqual([
      { origin: { kind: 'Warehouse', name: 'app' }, subscriptions: undefined },
    ]);
  });

  it('gives task steps the task defaults, then the referencing step vars, then their own', () => {
    const result = plan([
      {
        task: { name: 'deploy' },
        as: 'd',
        vars: [{ name: 'repo', value: 'r' }],
      },
    ]);
    expect(result.steps[0].vars).toEqual([
      { name: 'branch', value: 'main' },
      { name: 'repo', value: 'r' },
    ]);
  });

  it('leaves a task variable set by the promotion to the promotion', () => {
    const result = plan(
      [{ task: { name: 'deploy' }, as: 'd' }],
      [
        { name: 'repo', value: 'from-template' },
        { name: 'branch', value: 'release' },
      ],
    );
    expect(result.steps[0].vars).toEqual([]);
    expect(result.vars.map(v => v.name)).toEqual([
      'fromStage',
      'repo',
      'branch',
    ]);
  });

  it.each([
    [
      'a required variable without a value',
      [{ task: { name: 'deploy' }, as: 'd' }],
      'inflate task steps for task "deploy" ("d"): missing value for variable "repo"',
    ],
    [
      'a required variable set to an empty value',
      [{ task: { name: 'deploy' }, vars: [{ name: 'repo', value: '' }] }],
      'inflate task steps for task "deploy" ("task-1"): missing value for variable "repo"',
    ],
    [
      'a missing PromotionTask',
      [{ task: { name: 'other' } }],
      'inflate task steps for task "other" ("task-1"): PromotionTask "other" not found in project "shop"',
    ],
    [
      'a missing ClusterPromotionTask',
      [{ task: { name: 'deploy', kind: 'ClusterPromotionTask' } }],
      'inflate task steps for task "deploy" ("task-1"): ClusterPromotionTask "deploy" not found',
    ],
  ] as Array<[string, PromotionStepSpec[], string]>)(
    'refuses %s',
    (_name, steps, message) => {
      expect(() => plan(steps)).toThrow(new PromotionPlanError(message));
    },
  );

  it('plans no steps for a control-flow stage (no promotion template, or no steps in it)', () => {
    const withoutTemplate = stage([]);
    delete withoutTemplate.spec.promotionTemplate;
    for (const manifest of [withoutTemplate, stage([])]) {
      const result = planPromotion({
        project: 'shop',
        stage: manifest,
        warehouses: [],
        tasks,
      });
      expect(result.steps).toEqual([]);
    }
  });
});
