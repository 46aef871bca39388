import type { Freight } from '@kargo-portal/plugin-kargo-common';
import {
  PromotionStepContext,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import { testStep } from '../../__testUtils__/promotionFixtures';
import {
  createStepExpressions,
  PromotionEngine,
  PromotionPlan,
  PromotionRunState,
  StepRegistry,
} from '.';

const freight: Freight = {
  id: 'a'.repeat(40),
  alias: 'restore-freight',
  project: 'demo',
  origin: { kind: 'Warehouse', name: 'app' },
  commits: [],
  images: [],
  charts: [],
  createdAt: '2026-01-01T00:00:00Z',
};

const context = {
  project: 'demo',
  stage: 'dev',
  promotion: 'dev.01jrestore',
  workDir: '/nonexistent',
  targetFreight: freight,
  freight: [freight],
  credentials: { git: async () => undefined },
};

/** Steps that record what the engine asks of them. */
function steps(options: { restoreFails?: boolean } = {}) {
  const restored: Array<{ alias: string; config: unknown }> = [];
  let waits = 0;
  const prepare: PromotionStepRunner<Record<string, unknown>> = {
    ...testStep('prepare', () => ({ status: 'Succeeded' })),
    restore: async (ctx: PromotionStepContext, config) => {
      if (options.restoreFails) throw new Error('the key is gone for good');
      ctx.logger.info(`restored ${ctx.alias}`);
      restored.push({ alias: ctx.alias, config });
    },
  };
  const registry = StepRegistry.create([
    prepare,
    testStep('fail', () => ({ status: 'Failed', message: 'no' })),
    // Waits once (the run ends there and is called again later), then succeeds.
    testStep('wait-once', () =>
      waits++ === 0
        ? { status: 'Running', retryAfterMs: 10_000 }
        : { status: 'Succeeded' },
    ),
  ]);
  return { restored, registry };
}

const plan: PromotionPlan = {
  vars: [{ name: 'key', value: 'from-vars' }],
  origins: [],
  steps: [
    {
      alias: 'first',
      uses: 'prepare',
      continueOnError: false,
      vars: [],
      config: { key: '${{ vars.key }}' },
    },
    {
      alias: 'broken',
      uses: 'fail',
      continueOnError: true,
      vars: [],
      config: {},
    },
    {
      alias: 'skipped',
      uses: 'prepare',
      if: '${{ false }}',
      continueOnError: false,
      vars: [],
      config: {},
    },
    {
      alias: 'wait',
      uses: 'wait-once',
      // Runs despite the earlier failure.
      if: '${{ true }}',
      continueOnError: false,
      vars: [],
      config: {},
    },
  ],
};

async function run(
  registry: StepRegistry,
  state: PromotionRunState,
): Promise<unknown> {
  const engine = new PromotionEngine({
    registry,
    expressions: createStepExpressions(),
    minRetryAfterMs: 0,
  });
  return engine.run({
    plan,
    state,
    context,
    signal: new AbortController().signal,
    save: async () => {},
  });
}

describe('restoring what earlier steps prepared, when a run resumes', () => {
  it('asks each step that succeeded earlier, with its config evaluated again, once per call of the engine', async () => {
    const { restored, registry } = steps();
    const state = PromotionEngine.initialState(plan);
    await expect(run(registry, state)).resolves.toMatchObject({
      kind: 'waiting',
    });
    // Nothing was lost within the call that ran the step.
    expect(restored).toEqual([]);

    const resumed = JSON.parse(JSON.stringify(state)) as PromotionRunState;
    await expect(run(registry, resumed)).resolves.toMatchObject({
      kind: 'finished',
    });
    // The failed step and the skipped one prepared nothing.
    expect(restored).toEqual([
      { alias: 'first', config: { key: 'from-vars' } },
    ]);
    expect(resumed.steps[3].log?.map(l => l.message)).toContain(
      'restored first',
    );
  });

  it('errors the step to run when a restore fails, naming the step that prepared it', async () => {
    const { registry } = steps({ restoreFails: true });
    const state = PromotionEngine.initialState(plan);
    await run(registry, state);
    await run(registry, state);
    expect(state.steps[3]).toMatchObject({
      status: 'Errored',
      message: expect.stringContaining(
        'error restoring what step "first" prepared: the key is gone for good',
      ),
    });
  });
});
