/* eslint-disable no-console */
// One promotion worker in its own process, for the multi-process tests of the worker
// (src/promotion/worker/PromotionWorker.processes.test.ts). Started by the tests with
//   node --require @backstage/cli/config/nodeTransform.cjs src/__testUtils__/promotionWorkerProcess.ts
// from the package directory, configured by the JSON in KARGO_TEST_WORKER (see WorkerProcessConfig). It runs
// the worker until no promotion is Pending or Running, then stops and exits 0.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import knexFactory, { Knex } from 'knex';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { StepRegistry } from '../promotion/engine/StepRegistry';
import { PromotionWorkerSettings } from '../promotion/worker/config';
import { createPromotionWorker } from '../promotion/worker/PromotionWorker';

/** What the parent test tells a worker process. */
export interface WorkerProcessConfig {
  /** Knex config of the shared database (already migrated). */
  database: Knex.Config;
  /** Kargo manifests of the project the promotions belong to. */
  manifests: string;
  workerId: string;
  settings: Partial<PromotionWorkerSettings> & { workDir: string };
  /** Wait for a line on stdin after printing "ready", so that several processes start together. */
  barrier?: boolean;
  /** `record` steps sleep this long. */
  stepDelayMs?: number;
  /**
   * Stop for good at this point of this promotion, after writing the point to `markerFile`, so that the
   * parent can kill the process there: `start:<alias>` / `end:<alias>` of a step, or `pre-receive` /
   * `post-receive` of a push (the remote's hooks do those).
   */
  pause?: { promotion: string; point: string };
  markerFile?: string;
}

const run = promisify(execFile);
const config: WorkerProcessConfig = JSON.parse(
  process.env.KARGO_TEST_WORKER ?? '{}',
);

async function pauseAt(context: PromotionStepContext, point: string) {
  const { pause, markerFile } = config;
  if (pause?.promotion === context.promotion && pause.point === point) {
    fs.writeFileSync(markerFile!, point);
    await new Promise(() => {}); // until killed
  }
}

/** A step that pauses where the parent asks, around `body`. */
function step(
  name: string,
  body: (
    context: PromotionStepContext,
    config: Record<string, string>,
  ) => Promise<PromotionStepResult>,
): PromotionStepRunner<Record<string, string>> {
  return {
    name,
    parseConfig: value => value as Record<string, string>,
    async run(context, stepConfig) {
      await pauseAt(context, `start:${context.alias}`);
      const result = await body(context, stepConfig);
      await pauseAt(context, `end:${context.alias}`);
      return result;
    },
  };
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    [
      '-c',
      'user.name=Kargo Test',
      '-c',
      'user.email=kargo@example.com',
      ...args,
    ],
    {
      cwd,
      env: {
        ...process.env,
        // The remote's hooks pause a push of this promotion when asked to.
        KARGO_TEST_PAUSE_HOOK: config.pause?.point ?? '',
        KARGO_TEST_PAUSE_PROMOTION: config.pause?.promotion ?? '',
        KARGO_TEST_MARKER: config.markerFile ?? '',
      },
    },
  );
  return stdout;
}

const trailer = (context: PromotionStepContext) =>
  `Promotion: ${context.promotion}`;

function steps(knex: Knex): PromotionStepRunner<any>[] {
  return [
    // Records every execution, to prove that none runs twice.
    step('record', async context => {
      await knex('kargo_test_step_runs').insert({
        promotion_id: context.promotion,
        stage: context.stage,
        alias: context.alias,
        worker_id: config.workerId,
        started_at: Date.now(),
      });
      await new Promise(r => setTimeout(r, config.stepDelayMs ?? 0));
      await knex('kargo_test_step_runs')
        .where({ promotion_id: context.promotion, alias: context.alias })
        .update({ finished_at: Date.now() });
      return { status: 'Succeeded' };
    }),
    // A fresh clone every time: running it again after a crash is harmless.
    step('test-clone', async (context, c) => {
      const dir = path.join(context.workDir, 'repo');
      fs.rmSync(dir, { recursive: true, force: true });
      await git(
        context.workDir,
        'clone',
        '--branch',
        c.branch,
        c.remote,
        'repo',
      );
      return { status: 'Succeeded' };
    }),
    step('test-write', async context => {
      fs.writeFileSync(
        path.join(context.workDir, 'repo', 'freight.txt'),
        `${context.targetFreight.id}\n`,
      );
      return { status: 'Succeeded' };
    }),
    // Idempotent: a commit of this promotion that is already there is not made again.
    step('test-commit', async context => {
      const repo = path.join(context.workDir, 'repo');
      const head = await git(repo, 'log', '-1', '--format=%B');
      if (!head.includes(trailer(context))) {
        await git(repo, 'add', '-A');
        await git(
          repo,
          'commit',
          '-m',
          `Promote ${context.targetFreight.alias}\n\n${trailer(context)}`,
        );
      }
      return {
        status: 'Succeeded',
        output: { commit: (await git(repo, 'rev-parse', 'HEAD')).trim() },
      };
    }),
    // Idempotent: looks at the remote first, and pushes only if the commit is not there yet.
    step('test-push', async (context, c) => {
      const repo = path.join(context.workDir, 'repo');
      await git(repo, 'fetch', 'origin', c.branch);
      const pushed = await git(
        repo,
        'log',
        `origin/${c.branch}`,
        '--format=%H',
        `--grep=${trailer(context)}`,
        '--fixed-strings',
      );
      if (pushed.trim() === '') {
        await git(repo, 'push', 'origin', `HEAD:${c.branch}`);
      }
      return { status: 'Succeeded' };
    }),
  ];
}

const logger: LoggerService = {
  debug: () => {},
  info: () => {},
  warn: m => console.error(`[${config.workerId}] warn: ${m}`),
  error: m => console.error(`[${config.workerId}] error: ${m}`),
  child: () => logger,
};

async function main() {
  const knex = knexFactory(config.database);
  const catalog = DefinitionCatalog.fromManifests(
    parseManifests({ source: 'worker.yaml', text: config.manifests }),
  );
  const worker = createPromotionWorker({
    stores: DatabaseKargoStores.fromKnex(knex),
    definitions: { getCatalog: async () => catalog },
    registry: StepRegistry.create(steps(knex)),
    logger,
    config: new ConfigReader({}),
    workerId: config.workerId,
    settings: config.settings,
  });
  if (config.barrier) {
    process.stdout.write('ready\n');
    await new Promise(resolve => process.stdin.once('data', resolve));
  }
  worker.start();
  for (;;) {
    await new Promise(r => setTimeout(r, 100));
    const [{ n }] = await knex('kargo_promotions')
      .whereIn('phase', ['Pending', 'Running'])
      .count<Array<{ n: string | number }>>('* as n');
    if (Number(n) === 0) break;
  }
  await worker.stop();
  await knex.destroy();
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
