import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Promotion,
  PromotionStepSpec,
} from '@kargo-portal/plugin-kargo-common';
import {
  PromotionStepRunner,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { kargoTestDatabases } from '../../__testUtils__/databases';
import {
  TestTask,
  promotionCatalog,
  promotionTestBed,
  testStep,
} from '../../__testUtils__/promotionFixtures';
import { ProjectSecrets } from '../../secrets';
import { createStepExpressions } from './defaultExpressions';

const databases = kargoTestDatabases();

/** Calls of the test steps, by alias, in order. */
type Calls = Array<{ alias: string; config: Record<string, unknown> }>;

/**
 * The steps the table uses: `ok` succeeds with its config as output, `fail` fails, `boom` throws a retryable
 * error, `terminal` a terminal one, `flaky` throws until its `succeedOn`-th attempt, `strict` refuses any config
 * field, `compose` propagates its output to its task, `wait` stays Running until its `polls`-th attempt, `hang`
 * runs until aborted, `creds` uses Git credentials and leaks them into its log, output and message.
 */
function tableSteps(calls: Calls): PromotionStepRunner<any>[] {
  const attempts = new Map<string, number>();
  const attempt = (alias: string) => {
    const n = (attempts.get(alias) ?? 0) + 1;
    attempts.set(alias, n);
    return n;
  };
  const record = (ctx: { alias: string }, config: Record<string, unknown>) => {
    calls.push({ alias: ctx.alias, config });
    return attempt(ctx.alias);
  };
  return [
    testStep('ok', (ctx, config) => {
      record(ctx, config);
      return { status: 'Succeeded', output: config };
    }),
    testStep('fail', (ctx, config) => {
      record(ctx, config);
      return { status: 'Failed', message: String(config.message ?? 'no') };
    }),
    testStep('boom', (ctx, config) => {
      record(ctx, config);
      throw new Error(String(config.message ?? 'boom'));
    }),
    testStep('terminal', (ctx, config) => {
      record(ctx, config);
      throw new TerminalStepError('cannot ever work');
    }),
    testStep('flaky', (ctx, config) => {
      const n = record(ctx, config);
      if (n < Number(config.succeedOn)) throw new Error(`attempt ${n} failed`);
      return { status: 'Succeeded' };
    }),
    testStep(
      'flaky-twice',
      (ctx, config) => {
        const n = record(ctx, config);
        if (n < 2) throw new Error(`attempt ${n} failed`);
        return { status: 'Succeeded' };
      },
      { defaultErrorThreshold: 2 },
    ),
    {
      name: 'strict',
      parseConfig(config) {
        const keys = Object.keys(config as object);
        if (keys.length > 0) {
          throw new TerminalStepError(`unknown field "${keys[0]}"`);
        }
        return {};
      },
      async run() {
        return { status: 'Succeeded' };
      },
    },
    testStep(
      'compose',
      (ctx, config) => {
        record(ctx, config);
        return { status: 'Succeeded', output: config };
      },
      { propagatesTaskOutput: true },
    ),
    testStep('wait', (ctx, config) => {
      const n = record(ctx, config);
      return n < Number(config.polls ?? Infinity)
        ? { status: 'Running', retryAfterMs: 100, message: `poll ${n}` }
        : { status: 'Succeeded' };
    }),
    testStep(
      'hang',
      ctx =>
        new Promise((_, reject) => {
          record(ctx, {});
          ctx.signal.addEventListener('abort', () =>
            reject(new Error('aborted')),
          );
        }),
    ),
    testStep('creds', async (ctx, config) => {
      record(ctx, config);
      const creds = await ctx.credentials.git('https://git.example/repo.git');
      ctx.logger.info(`pushing with ${creds?.password}`);
      return {
        status: 'Failed',
        message: `rejected token ${creds?.password}`,
        output: { token: creds?.password },
      };
    }),
  ];
}

interface Case {
  name: string;
  steps: PromotionStepSpec[];
  vars?: Array<{ name: string; value?: string }>;
  tasks?: TestTask[];
  phase: Promotion['phase'];
  message?: string | RegExp;
  /** Alias and status of every step, in order. */
  statuses: Array<[string, string]>;
  /** Something else to look at, and what it should be. */
  observe?: (promotion: Promotion, calls: Calls) => unknown;
  observed?: unknown;
}

const cases: Case[] = [
  {
    name: 'skips steps without `if` after a failure (implied success())',
    steps: [
      { uses: 'ok' },
      { uses: 'fail', config: { message: 'tests are red' } },
      { uses: 'ok' },
    ],
    phase: 'Failed',
    message: 'tests are red',
    statuses: [
      ['step-1', 'Succeeded'],
      ['step-2', 'Failed'],
      ['step-3', 'Skipped'],
    ],
  },
  {
    name: 'evaluates always(), failure() and success() after a failure',
    steps: [
      { uses: 'fail', as: 'f' },
      { uses: 'ok', as: 'always', if: '${{ always() }}' },
      { uses: 'ok', as: 'failure', if: '${{ failure() }}' },
      { uses: 'ok', as: 'success', if: '${{ success() }}' },
      { uses: 'ok', as: 'status', if: "${{ status('f') == 'Failed' }}" },
    ],
    phase: 'Failed',
    message: 'no',
    statuses: [
      ['f', 'Failed'],
      ['always', 'Succeeded'],
      ['failure', 'Succeeded'],
      ['success', 'Skipped'],
      ['status', 'Succeeded'],
    ],
  },
  {
    name: 'counts a skipped step as a success',
    steps: [{ uses: 'ok', if: '${{ 1 == 2 }}' }, { uses: 'ok' }],
    phase: 'Succeeded',
    statuses: [
      ['step-1', 'Skipped'],
      ['step-2', 'Succeeded'],
    ],
  },
  {
    name: 'errors a step whose `if` is not a boolean, and skips the rest',
    steps: [{ uses: 'ok', if: "${{ 'yes' }}" }, { uses: 'ok' }],
    phase: 'Errored',
    message:
      /^error checking if step "step-1" should be skipped: expression must evaluate to a boolean, got string/,
    statuses: [
      ['step-1', 'Errored'],
      ['step-2', 'Skipped'],
    ],
  },
  {
    name: 'lets a continueOnError step fail without failing the promotion or skipping the next',
    steps: [
      { uses: 'fail', continueOnError: true },
      { uses: 'ok', as: 'after' },
    ],
    phase: 'Succeeded',
    statuses: [
      ['step-1', 'Failed'],
      ['after', 'Succeeded'],
    ],
    observe: promotion => promotion.steps[0].continueOnError,
    observed: true,
  },
  {
    name: 'ends Errored on the first retryable error by default (errorThreshold 1)',
    steps: [{ uses: 'boom', config: { message: 'remote hung up' } }],
    phase: 'Errored',
    message: 'step "step-1" met error threshold of 1: remote hung up',
    statuses: [['step-1', 'Errored']],
    observe: promotion => promotion.steps[0].attempts,
    observed: 1,
  },
  {
    name: 'retries up to retry.errorThreshold',
    steps: [
      {
        uses: 'flaky',
        as: 'third-time',
        retry: { errorThreshold: 3 },
        config: { succeedOn: 3 },
      },
      {
        uses: 'flaky',
        as: 'never',
        retry: { errorThreshold: 2 },
        config: { succeedOn: 5 },
        if: '${{ always() }}',
      },
    ],
    phase: 'Errored',
    message: 'step "never" met error threshold of 2: attempt 2 failed',
    statuses: [
      ['third-time', 'Succeeded'],
      ['never', 'Errored'],
    ],
    observe: promotion => ({
      attempts: promotion.steps.map(s => s.attempts),
      errorCount: promotion.steps[1].errorCount,
    }),
    observed: { attempts: [3, 2], errorCount: 2 },
  },
  {
    name: "uses the step's default error threshold",
    steps: [{ uses: 'flaky-twice' }],
    phase: 'Succeeded',
    statuses: [['step-1', 'Succeeded']],
    observe: promotion => promotion.steps[0].attempts,
    observed: 2,
  },
  {
    name: 'never retries a terminal error',
    steps: [{ uses: 'terminal', retry: { errorThreshold: 5 } }],
    phase: 'Errored',
    message: 'an unrecoverable error occurred: cannot ever work',
    statuses: [['step-1', 'Errored']],
    observe: promotion => promotion.steps[0].attempts,
    observed: 1,
  },
  {
    name: 'fails a step whose config it refuses without running it, as Kargo does',
    steps: [{ uses: 'strict', config: { nope: 1 } }],
    phase: 'Failed',
    message: 'step "step-1": unknown field "nope"',
    statuses: [['step-1', 'Failed']],
    observe: promotion => promotion.steps[0].attempts,
    observed: 0,
  },
  {
    name: 'errors a step whose config expressions cannot be evaluated',
    steps: [{ uses: 'strict', config: { nope: '${{ 1 + }}' } }],
    phase: 'Errored',
    message: /^invalid config of step "step-1": /,
    statuses: [['step-1', 'Errored']],
    observe: promotion => promotion.steps[0].attempts,
    observed: 0,
  },
  {
    name: 'errors a step of an unknown kind',
    steps: [{ uses: 'nope' }],
    phase: 'Errored',
    message: /^step kind "nope" is not registered/,
    statuses: [['step-1', 'Errored']],
  },
  {
    name: 'takes the worst status: Errored over Failed',
    steps: [
      { uses: 'fail', config: { message: 'failed' } },
      { uses: 'boom', config: { message: 'errored' }, if: '${{ always() }}' },
    ],
    phase: 'Errored',
    message: 'step "step-2" met error threshold of 1: errored',
    statuses: [
      ['step-1', 'Failed'],
      ['step-2', 'Errored'],
    ],
  },
  {
    name: 'evaluates template and step vars, outputs by alias and ctx in config',
    vars: [
      { name: 'app', value: 'shop' },
      { name: 'answer', value: '${{ 40 + 2 }}' },
    ],
    steps: [
      { uses: 'ok', as: 'first', config: { tag: '1.2.3' } },
      {
        uses: 'ok',
        as: 'second',
        vars: [
          { name: 'full', value: "${{ vars.app + ':' + outputs.first.tag }}" },
        ],
        config: {
          image: '${{ vars.full }}',
          answer: '${{ vars.answer }}',
          literal: '42',
          stage: '${{ ctx.stage }}',
          alias: '${{ ctx.meta.step.alias }}',
          actor: '${{ ctx.meta.promotion.actor }}',
          tag: "${{ imageFrom('ghcr.io/example/app').Tag }}",
          quoted: '${{ quote(40 + 2) }}',
        },
      },
    ],
    phase: 'Succeeded',
    statuses: [
      ['first', 'Succeeded'],
      ['second', 'Succeeded'],
    ],
    observe: (promotion, calls) => ({
      config: {
        ...calls[1].config,
        tag: /^1\.0\.\d+$/.test(String(calls[1].config.tag)),
      },
      output:
        JSON.stringify(promotion.steps[1].output) ===
        JSON.stringify(calls[1].config),
    }),
    observed: {
      config: {
        image: 'shop:1.2.3',
        answer: 42,
        literal: '42',
        stage: 'dev',
        alias: 'second',
        actor: 'user:default/tester',
        tag: true,
        quoted: '42',
      },
      output: true,
    },
  },
  {
    name: 'inflates PromotionTasks and ClusterPromotionTasks with aliases, vars and task.outputs',
    vars: [{ name: 'region', value: 'us' }],
    steps: [
      {
        task: { name: 'deploy' },
        as: 'prod',
        vars: [{ name: 'env', value: 'prod' }],
      },
      { task: { name: 'notify', kind: 'ClusterPromotionTask' } },
      { uses: 'ok', as: 'summary', config: { env: '${{ outputs.prod.env }}' } },
    ],
    tasks: [
      {
        name: 'deploy',
        vars: [
          { name: 'env' },
          { name: 'region', value: 'eu' },
          { name: 'size', value: 'xl' },
        ],
        steps: [
          {
            uses: 'ok',
            as: 'render',
            config: {
              env: '${{ vars.env }}',
              region: '${{ vars.region }}',
              size: '${{ vars.size }}',
            },
          },
          {
            uses: 'compose',
            config: { env: '${{ task.outputs.render.env }}' },
          },
        ],
      },
      {
        name: 'notify',
        cluster: true,
        vars: [{ name: 'channel', value: '#deploys' }],
        steps: [{ uses: 'ok', config: { channel: '${{ vars.channel }}' } }],
      },
    ],
    phase: 'Succeeded',
    statuses: [
      ['prod::render', 'Succeeded'],
      ['prod::step-2', 'Succeeded'],
      ['task-2::step-1', 'Succeeded'],
      ['summary', 'Succeeded'],
    ],
    observe: (_promotion, calls) => calls.map(c => c.config),
    observed: [
      // The promotion's `region` wins over the task's default.
      { env: 'prod', region: 'us', size: 'xl' },
      { env: 'prod' },
      { channel: '#deploys' },
      { env: 'prod' },
    ],
  },
  {
    name: 'ends Errored when a step times out',
    steps: [{ uses: 'hang', retry: { timeout: '1s' } }],
    phase: 'Errored',
    message: 'step "step-1" timed out after 1s',
    statuses: [['step-1', 'Errored']],
  },
  {
    name: 'ends Errored when a Running step does not finish within its timeout',
    steps: [{ uses: 'wait', retry: { timeout: '1s' } }],
    phase: 'Errored',
    message: 'step "step-1" timed out after 1s',
    statuses: [['step-1', 'Errored']],
    observe: promotion => (promotion.steps[0].attempts ?? 0) > 2,
    observed: true,
  },
  {
    name: 'resumes a Running step until it succeeds',
    steps: [{ uses: 'wait', config: { polls: 3 } }, { uses: 'ok' }],
    phase: 'Succeeded',
    statuses: [
      ['step-1', 'Succeeded'],
      ['step-2', 'Succeeded'],
    ],
    observe: promotion => promotion.steps[0].attempts,
    observed: 3,
  },
  {
    name: 'redacts credentials from logs, messages and outputs',
    steps: [{ uses: 'creds' }],
    phase: 'Failed',
    message: 'rejected token ***',
    statuses: [['step-1', 'Failed']],
    observe: promotion => ({
      output: promotion.steps[0].output,
      log: promotion.steps[0].log?.map(l => l.message),
      leaked: JSON.stringify(promotion).includes('hunter2'),
    }),
    observed: {
      output: { token: '***' },
      log: ['pushing with ***'],
      leaked: false,
    },
  },
];

/** The message of a case as a pattern: a string must match whole; none means no message. */
function messagePattern(message: string | RegExp | undefined): RegExp {
  if (message instanceof RegExp) return message;
  if (message === undefined) return /^$/;
  return new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

let workDir: string;
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-engine-test-'));
});
afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe.each(databases.eachSupportedId())(
  'promotion semantics on %p',
  databaseId => {
    it.each(cases.map(c => [c.name, c] as const))('%s', async (_name, c) => {
      const bed = await promotionTestBed(await databases.init(databaseId));
      const calls: Calls = [];
      const catalog = promotionCatalog({
        stages: { dev: { steps: c.steps, vars: c.vars } },
        tasks: c.tasks,
      });
      const created = await bed.promote('dev');
      const worker = bed.worker({
        catalog,
        steps: tableSteps(calls),
        workDir,
        credentials: {
          git: async () => ({ username: 'bot', password: 'hunter2' }),
        },
      });
      await bed.drain([worker]);
      const promotion = await bed.promotion(created.id);
      expect(promotion.phase).toBe(c.phase);
      expect(promotion.message ?? '').toMatch(messagePattern(c.message));
      expect(promotion.steps.map(s => [s.alias, s.status])).toEqual(c.statuses);
      expect(c.observe?.(promotion, calls)).toEqual(c.observed);
    });

    it('redacts the values of secret() from what it stores', async () => {
      const bed = await promotionTestBed(await databases.init(databaseId));
      const calls: Calls = [];
      const catalog = promotionCatalog({
        stages: {
          dev: [
            {
              uses: 'ok',
              config: {
                header: "${{ 'Bearer ' + secret('api').token }}",
              },
            },
          ],
        },
      });
      const created = await bed.promote('dev');
      const worker = bed.worker({
        catalog,
        steps: tableSteps(calls),
        workDir,
        expressions: createStepExpressions({
          secrets: new ProjectSecrets(
            new Map([['shop/api', { token: 'tok-123' }]]),
          ),
        }),
      });
      await bed.drain([worker]);
      const promotion = await bed.promotion(created.id);
      expect(calls[0].config).toEqual({ header: 'Bearer tok-123' });
      expect(promotion.steps[0].output).toEqual({ header: 'Bearer ***' });
    });
  },
);
