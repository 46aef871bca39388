import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { kargoTestDatabases } from '../../__testUtils__/databases';
import {
  promotionCatalog,
  promotionTestBed,
  testStep,
} from '../../__testUtils__/promotionFixtures';
import { planPromotion } from '../engine/plan';
import { createSetFreightAliasStep } from '../steps/set-freight-alias';
import { createSetMetadataStep } from '../steps/set-metadata';
import { PromotionEngine } from '../engine/PromotionEngine';
import { readPromotionWorkerSettings } from './config';
import { PromotionRunRow } from '../../database/tables';

const databases = kargoTestDatabases();

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let workDir: string;
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-worker-test-'));
});
afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe.each(databases.eachSupportedId())(
  'promotion worker on %p',
  databaseId => {
    async function setup() {
      return promotionTestBed(await databases.init(databaseId));
    }

    it('runs the steps in the promotion work directory and moves the freight on success', async () => {
      const bed = await setup();
      const catalog = promotionCatalog({
        stages: {
          dev: [
            { uses: 'write', as: 'write', config: { file: 'a.txt' } },
            { uses: 'check', config: { file: 'a.txt' } },
          ],
        },
      });
      const seenDirs: string[] = [];
      const steps = [
        testStep('write', (ctx, config) => {
          seenDirs.push(ctx.workDir);
          fs.writeFileSync(path.join(ctx.workDir, String(config.file)), 'x');
          ctx.logger.info(`wrote ${config.file}`);
          return { status: 'Succeeded', output: { file: config.file } };
        }),
        testStep('check', (ctx, config) => {
          seenDirs.push(ctx.workDir);
          return fs.existsSync(path.join(ctx.workDir, String(config.file)))
            ? { status: 'Succeeded' }
            : { status: 'Failed', message: 'file missing' };
        }),
      ];
      const promotion = await bed.promote('dev');
      const worker = bed.worker({ catalog, steps, workDir });

      expect(await worker.runOnce()).toBe(1);

      const done = await bed.promotion(promotion.id);
      expect(done).toMatchObject({
        phase: 'Succeeded',
        startedAt: expect.any(String),
        finishedAt: expect.any(String),
      });
      expect(done.steps).toEqual([
        expect.objectContaining({
          alias: 'write',
          uses: 'write',
          status: 'Succeeded',
          attempts: 1,
          output: { file: 'a.txt' },
          log: [
            expect.objectContaining({ level: 'info', message: 'wrote a.txt' }),
          ],
        }),
        expect.objectContaining({
          alias: 'step-2',
          status: 'Succeeded',
          attempts: 1,
        }),
      ]);
      expect(seenDirs).toEqual([
        path.join(workDir, promotion.id),
        path.join(workDir, promotion.id),
      ]);
      expect(fs.existsSync(path.join(workDir, promotion.id))).toBe(false);

      const history = await bed.stores.stages.getStageHistory({
        project: 'shop',
        stage: 'dev',
        limit: 10,
      });
      expect(history).toEqual([
        expect.objectContaining({
          freight: promotion.freight,
          promotion: promotion.id,
        }),
      ]);
      const freight = await bed.stores.freight.getFreight(
        'shop',
        promotion.freight,
      );
      expect(freight?.status.currentlyIn).toEqual(['dev']);
      // dev has no verification: the freight is verified there with the move, so downstream stages may take it.
      expect(Object.keys(freight?.status.verifiedIn ?? {})).toEqual(['dev']);
      const row: PromotionRunRow = await bed
        .knex('kargo_promotions')
        .where({ id: promotion.id })
        .first();
      expect(row).toMatchObject({ claimed_by: null, lease_expires_at: null });
    });

    it('tells the steps the promotion name and whether it is a rollback', async () => {
      const bed = await setup();
      const catalog = promotionCatalog({
        stages: {
          dev: [
            {
              uses: 'record',
              config: {
                promotion: '${{ ctx.promotion }}',
                rollback: '${{ ctx.meta.promotion.rollback }}',
              },
            },
          ],
        },
      });
      const seen: unknown[] = [];
      const steps = [
        testStep('record', (_ctx, config) => {
          seen.push(config);
          return { status: 'Succeeded' };
        }),
      ];
      const first = await bed.promote('dev');
      const back = await bed.stores.promotions.createPromotion({
        project: 'shop',
        stage: 'dev',
        freightId: first.freight,
        rollback: true,
        at: new Date(),
      });
      const worker = bed.worker({ catalog, steps, workDir });
      while ((await worker.runOnce()) > 0) {
        // until both have run
      }
      expect(seen).toEqual([
        { promotion: first.id, rollback: false },
        { promotion: back.id, rollback: true },
      ]);
    });

    it('promotes to a control-flow stage (no steps): the freight moves in and the promotion succeeds', async () => {
      const bed = await setup();
      const catalog = promotionCatalog({ stages: { prod: [] } });
      const promotion = await bed.promote('prod');
      const worker = bed.worker({ catalog, steps: [], workDir });

      expect(await worker.runOnce()).toBe(1);

      const done = await bed.promotion(promotion.id);
      expect(done).toMatchObject({ phase: 'Succeeded', steps: [] });
      const freight = await bed.stores.freight.getFreight(
        'shop',
        promotion.freight,
      );
      expect(freight?.status.currentlyIn).toEqual(['prod']);
      // No verification: verified at once, as for any stage.
      expect(Object.keys(freight?.status.verifiedIn ?? {})).toEqual(['prod']);
    });

    it('moves nothing when the freight vanished: the success and the move are one transaction', async () => {
      const bed = await setup();
      const catalog = promotionCatalog({ stages: { dev: [{ uses: 'drop' }] } });
      const promotion = await bed.promote('dev');
      const steps = [
        testStep('drop', async () => {
          await bed
            .knex('kargo_freight')
            .where({ id: promotion.freight })
            .delete();
          return { status: 'Succeeded' };
        }),
      ];
      const worker = bed.worker({ catalog, steps, workDir });
      expect(await worker.runOnce()).toBe(1);
      expect(await bed.promotion(promotion.id)).toMatchObject({
        phase: 'Errored',
        message: `Freight "${promotion.freight}" not found in project "shop"`,
        steps: [expect.objectContaining({ status: 'Succeeded' })],
      });
      expect(
        await bed.stores.stages.getStageHistory({
          project: 'shop',
          stage: 'dev',
          limit: 10,
        }),
      ).toEqual([]);
      expect(await bed.knex('kargo_freight_stages').select()).toEqual([]);
    });

    it('lets two workers race on many promotions: each runs once, one at a time per stage, oldest first', async () => {
      const bed = await setup();
      const stages = ['a', 'b', 'c'];
      const catalog = promotionCatalog({
        stages: Object.fromEntries(stages.map(s => [s, [{ uses: 'work' }]])),
      });
      const runs: Array<{ promotion: string; stage: string }> = [];
      const runningPerStage = new Map<string, number>();
      let maxPerStage = 0;
      const steps = [
        testStep('work', async ctx => {
          const running = (runningPerStage.get(ctx.stage) ?? 0) + 1;
          runningPerStage.set(ctx.stage, running);
          maxPerStage = Math.max(maxPerStage, running);
          runs.push({ promotion: ctx.promotion, stage: ctx.stage });
          await sleep(Math.floor(Math.random() * 10));
          runningPerStage.set(ctx.stage, running - 1);
          return { status: 'Succeeded' };
        }),
      ];
      const created: Record<string, string[]> = { a: [], b: [], c: [] };
      for (let i = 0; i < 8; i++) {
        for (const stage of stages) {
          created[stage].push((await bed.promote(stage)).id);
        }
      }
      const workers = [1, 2].map(n =>
        bed.worker({
          catalog,
          steps,
          workDir,
          workerId: `worker-${n}`,
          settings: { concurrency: 3 },
        }),
      );

      await bed.drain(workers);

      expect(runs).toHaveLength(24);
      expect(new Set(runs.map(r => r.promotion)).size).toBe(24);
      expect(maxPerStage).toBe(1);
      for (const stage of stages) {
        expect(
          runs.filter(r => r.stage === stage).map(r => r.promotion),
        ).toEqual(created[stage]);
        const history = await bed.stores.stages.getStageHistory({
          project: 'shop',
          stage,
          limit: 100,
        });
        expect(history.map(h => h.promotion).reverse()).toEqual(created[stage]);
      }
      const phases = await bed.knex('kargo_promotions').distinct('phase');
      expect(phases).toEqual([{ phase: 'Succeeded' }]);
    });

    it('saves a Running step with its state and runs it again later without holding a slot', async () => {
      const bed = await setup();
      const catalog = promotionCatalog({
        stages: { slow: [{ uses: 'poll' }], fast: [{ uses: 'quick' }] },
      });
      const seenStates: unknown[] = [];
      const steps = [
        testStep('poll', ctx => {
          seenStates.push(ctx.state);
          const n = Number(ctx.state?.n ?? 0) + 1;
          return n < 2
            ? {
                status: 'Running',
                message: 'waiting for the PR',
                state: { n },
                retryAfterMs: 60_000,
              }
            : { status: 'Succeeded', output: { polls: n } };
        }),
        testStep('quick', () => ({ status: 'Succeeded' })),
      ];
      const slow = await bed.promote('slow');
      const fast = await bed.promote('fast');
      const worker = bed.worker({
        catalog,
        steps,
        workDir,
        settings: { concurrency: 1 },
      });

      expect(await worker.runOnce()).toBe(1);
      const waiting: PromotionRunRow = await bed
        .knex('kargo_promotions')
        .where({ id: slow.id })
        .first();
      expect(waiting).toMatchObject({
        phase: 'Running',
        claimed_by: null,
        next_run_at: expect.any(String),
      });
      expect((await bed.promotion(slow.id)).steps[0]).toMatchObject({
        status: 'Running',
        message: 'waiting for the PR',
        attempts: 1,
        nextAttemptAt: waiting.next_run_at,
      });
      expect(fs.existsSync(path.join(workDir, slow.id))).toBe(true);

      // The single slot is free for another stage while the step waits.
      expect(await worker.runOnce()).toBe(1);
      expect((await bed.promotion(fast.id)).phase).toBe('Succeeded');
      expect(await worker.runOnce()).toBe(0);

      // The step's time comes: moved forward in the database rather than waited for.
      await bed
        .knex('kargo_promotions')
        .where({ id: slow.id })
        .update({ next_run_at: '2000-01-01T00:00:00.000Z' });
      expect(await worker.runOnce()).toBe(1);
      const done = await bed.promotion(slow.id);
      expect(done.phase).toBe('Succeeded');
      expect(done.steps[0]).toMatchObject({
        status: 'Succeeded',
        attempts: 2,
        output: { polls: 2 },
      });
      expect(seenStates).toEqual([undefined, { n: 1 }]);
    });

    it('aborts the running step through its signal and ends the promotion Aborted', async () => {
      const bed = await setup();
      const catalog = promotionCatalog({
        stages: { dev: [{ uses: 'block', as: 'block' }, { uses: 'never' }] },
      });
      let sawAbort = false;
      let neverRan = true;
      const steps = [
        testStep(
          'block',
          ctx =>
            new Promise((_, reject) => {
              ctx.signal.addEventListener('abort', () => {
                sawAbort = true;
                reject(new Error('stopped'));
              });
            }),
        ),
        testStep('never', () => {
          neverRan = false;
          return { status: 'Succeeded' };
        }),
      ];
      const first = await bed.promote('dev');
      const second = await bed.promote('dev');
      const worker = bed.worker({
        catalog,
        steps,
        workDir,
        settings: { leaseMs: 600 },
      });
      worker.start();
      try {
        await waitFor(
          async () =>
            (await bed.promotion(first.id)).steps[0]?.status === 'Running',
          'the step to start',
        );
        await bed.stores.promotions.requestAbort({
          project: 'shop',
          id: first.id,
          actor: 'user:default/boss',
          at: new Date(),
        });
        const aborted = await waitFor(async () => {
          const p = await bed.promotion(first.id);
          return p.phase === 'Aborted' && p;
        }, 'the abort');
        expect(aborted.message).toBe(
          'Promotion terminated by user:default/boss',
        );
        expect(aborted.steps.map(s => s.status)).toEqual([
          'Aborted',
          'Pending',
        ]);
        expect(sawAbort).toBe(true);
        expect(neverRan).toBe(true);
        // The stage moves on to the next promotion.
        await waitFor(
          async () =>
            (await bed.promotion(second.id)).steps[0]?.status === 'Running',
          'the next promotion',
        );
        await bed.stores.promotions.requestAbort({
          project: 'shop',
          id: second.id,
          actor: 'user:default/boss',
          at: new Date(),
        });
        await waitFor(
          async () => (await bed.promotion(second.id)).phase === 'Aborted',
          'the second abort',
        );
      } finally {
        await worker.stop();
      }
      const history = await bed.stores.stages.getStageHistory({
        project: 'shop',
        stage: 'dev',
        limit: 10,
      });
      expect(history).toEqual([]);
    });

    it.each([
      [
        'Running',
        () => ({ status: 'Running' as const, retryAfterMs: 3_600_000 }),
      ],
      [
        'Errored, to be retried',
        () => {
          throw new Error('remote hung up');
        },
      ],
    ])(
      'aborts a promotion whose step is waiting (%s)',
      async (status, behave) => {
        const bed = await setup();
        const catalog = promotionCatalog({
          stages: { dev: [{ uses: 'poll', retry: { errorThreshold: 3 } }] },
        });
        const steps = [testStep('poll', behave)];
        const promotion = await bed.promote('dev');
        const worker = bed.worker({
          catalog,
          steps,
          workDir,
          engine: { errorRetryDelayMs: () => 3_600_000 },
        });
        expect(await worker.runOnce()).toBe(1);
        expect((await bed.promotion(promotion.id)).steps[0].status).toBe(
          status.split(',')[0],
        );
        expect(await worker.runOnce()).toBe(0);
        await bed.stores.promotions.requestAbort({
          project: 'shop',
          id: promotion.id,
          actor: 'user:default/boss',
          at: new Date(),
        });
        expect(await worker.runOnce()).toBe(1);
        const aborted = await bed.promotion(promotion.id);
        expect(aborted.phase).toBe('Aborted');
        expect(aborted.steps[0].status).toBe('Aborted');
        expect(fs.existsSync(path.join(workDir, promotion.id))).toBe(false);
      },
    );

    describe('after a crash', () => {
      async function crashedPromotion(options: {
        workDirExists: boolean;
        interruptions?: number;
        leaseExpired?: boolean;
      }) {
        const bed = await setup();
        const catalog = promotionCatalog({
          stages: {
            dev: [
              { uses: 'count', as: 'one' },
              { uses: 'count', as: 'two' },
            ],
          },
        });
        const runs: string[] = [];
        const steps = [
          testStep('count', ctx => {
            runs.push(ctx.alias);
            return { status: 'Succeeded', output: { ran: ctx.alias } };
          }),
        ];
        const promotion = await bed.promote('dev');
        // What a process killed during step "two" leaves behind.
        const repository = bed.stores.promotions;
        const plan = planPromotion({
          project: 'shop',
          stage: catalog.getProject('shop')!.stages[0],
          warehouses: catalog.getProject('shop')!.warehouses,
          tasks: catalog,
        });
        const state = PromotionEngine.initialState(plan);
        const t = new Date(Date.now() - 60_000).toISOString();
        state.steps[0] = {
          ...state.steps[0],
          status: 'Succeeded',
          attempts: 1,
          startedAt: t,
          finishedAt: t,
          output: { ran: 'one' },
        };
        state.outputs.one = { ran: 'one' };
        state.steps[1] = {
          ...state.steps[1],
          status: 'Running',
          attempts: 1,
          startedAt: t,
        };
        state.runtime[1] = {
          inFlight: true,
          interruptions: options.interruptions,
        };
        state.currentStep = 1;
        // Claimed a minute ago, with a lease that has run out (or, if asked, has not yet).
        await repository.claim({
          id: promotion.id,
          workerId: 'crashed-worker',
          now: new Date(Date.now() - 60_000),
          leaseMs: options.leaseExpired === false ? 120_000 : 1_000,
        });
        await repository.saveProgress({
          id: promotion.id,
          workerId: 'crashed-worker',
          plan,
          state,
        });
        if (options.workDirExists) {
          fs.mkdirSync(path.join(workDir, promotion.id));
        }
        const worker = bed.worker({
          catalog,
          steps,
          workDir,
          settings: { maxStepInterruptions: 2 },
        });
        return { bed, promotion, runs, worker };
      }

      it('waits for the lease of the crashed worker to expire', async () => {
        const { worker } = await crashedPromotion({
          workDirExists: true,
          leaseExpired: false,
        });
        expect(await worker.runOnce()).toBe(0);
      });

      it('takes over and runs again the step that was running', async () => {
        const { bed, promotion, runs, worker } = await crashedPromotion({
          workDirExists: true,
        });
        expect(await worker.runOnce()).toBe(1);
        expect(runs).toEqual(['two']);
        const done = await bed.promotion(promotion.id);
        expect(done.phase).toBe('Succeeded');
        expect(done.steps[1]).toMatchObject({
          status: 'Succeeded',
          attempts: 2,
        });
        expect(done.steps[1].log).toEqual([
          expect.objectContaining({
            level: 'warn',
            message: expect.stringContaining('stopped before it ended'),
          }),
        ]);
        const row: PromotionRunRow = await bed
          .knex('kargo_promotions')
          .where({ id: promotion.id })
          .first();
        expect(Number(row.run_count)).toBe(2);
      });

      it('runs again from the first step, keeping outputs, when the work directory is gone', async () => {
        const { bed, promotion, runs, worker } = await crashedPromotion({
          workDirExists: false,
        });
        expect(await worker.runOnce()).toBe(1);
        expect(runs).toEqual(['one', 'two']);
        const done = await bed.promotion(promotion.id);
        expect(done.phase).toBe('Succeeded');
        expect(done.steps.map(s => s.attempts)).toEqual([2, 2]);
        expect(done.steps[0].log).toEqual([
          expect.objectContaining({
            message: expect.stringContaining('runs again from its first step'),
          }),
        ]);
      });

      it('gives up a step that was interrupted too often', async () => {
        const { bed, promotion, runs, worker } = await crashedPromotion({
          workDirExists: true,
          interruptions: 2,
        });
        expect(await worker.runOnce()).toBe(1);
        expect(runs).toEqual([]);
        const done = await bed.promotion(promotion.id);
        expect(done.phase).toBe('Errored');
        expect(done.message).toBe(
          'step "two" was interrupted 3 times by the end of the process running it; it is not run again',
        );
        expect(done.steps[1].status).toBe('Errored');
      });
    });

    it('stops writing when another worker took its claim over', async () => {
      const bed = await setup();
      const catalog = promotionCatalog({
        stages: { dev: [{ uses: 'block' }, { uses: 'block' }] },
      });
      let aborted: unknown;
      const steps = [
        testStep(
          'block',
          ctx =>
            new Promise(resolve => {
              ctx.signal.addEventListener('abort', () => {
                aborted = ctx.signal.reason;
                // Report success late: the worker must not record it.
                resolve({ status: 'Succeeded' });
              });
            }),
        ),
      ];
      const promotion = await bed.promote('dev');
      const worker = bed.worker({
        catalog,
        steps,
        workDir,
        settings: { leaseMs: 600 },
      });
      const run = worker.runOnce();
      await waitFor(
        async () =>
          (await bed.promotion(promotion.id)).steps[0]?.status === 'Running',
        'the step to start',
      );
      await bed
        .knex('kargo_promotions')
        .where({ id: promotion.id })
        .update({ claimed_by: 'other-worker' });
      const before = await bed.promotion(promotion.id);
      expect(await run).toBe(1);
      expect(aborted).toEqual({ kind: 'lease-lost' });
      const after = await bed.promotion(promotion.id);
      expect(after).toEqual(before);
      expect(after.steps[0].status).toBe('Running');
    });

    it('stops gracefully after the current step and another worker continues', async () => {
      const bed = await setup();
      const catalog = promotionCatalog({
        stages: {
          dev: [
            { uses: 'slow', as: 'first' },
            { uses: 'slow', as: 'second' },
          ],
        },
      });
      const runs: string[] = [];
      const steps = [
        testStep('slow', async ctx => {
          runs.push(`${ctx.alias} start`);
          await sleep(300);
          runs.push(`${ctx.alias} end`);
          return { status: 'Succeeded' };
        }),
      ];
      const promotion = await bed.promote('dev');
      const first = bed.worker({ catalog, steps, workDir });
      first.start();
      await waitFor(async () => runs.length > 0, 'the first step');
      await first.stop();
      expect(runs).toEqual(['first start', 'first end']);
      const row: PromotionRunRow = await bed
        .knex('kargo_promotions')
        .where({ id: promotion.id })
        .first();
      expect(row).toMatchObject({
        phase: 'Running',
        claimed_by: null,
        current_step: 1,
      });
      expect(
        (await bed.promotion(promotion.id)).steps.map(s => s.status),
      ).toEqual(['Succeeded', 'Pending']);

      const second = bed.worker({ catalog, steps, workDir });
      expect(await second.runOnce()).toBe(1);
      expect(runs).toEqual([
        'first start',
        'first end',
        'second start',
        'second end',
      ]);
      expect((await bed.promotion(promotion.id)).phase).toBe('Succeeded');
    });

    it('ends a promotion Errored when it cannot be planned', async () => {
      const bed = await setup();
      const catalog = promotionCatalog({
        stages: { dev: [{ task: { name: 'deploy' }, as: 'deploy' }] },
        tasks: [
          {
            name: 'deploy',
            vars: [{ name: 'repoURL' }],
            steps: [{ uses: 'noop' }],
          },
        ],
      });
      const promotion = await bed.promote('dev');
      const worker = bed.worker({
        catalog,
        steps: [testStep('noop', () => ({ status: 'Succeeded' }))],
        workDir,
      });
      expect(await worker.runOnce()).toBe(1);
      expect(await bed.promotion(promotion.id)).toMatchObject({
        phase: 'Errored',
        message:
          'inflate task steps for task "deploy" ("deploy"): missing value for variable "repoURL"',
      });
    });

    it('lets the database refuse a second Running promotion in a stage', async () => {
      const bed = await setup();
      const a = await bed.promote('dev');
      const b = await bed.promote('dev');
      await bed
        .knex('kargo_promotions')
        .where({ id: a.id })
        .update({ phase: 'Running' });
      const second = await bed
        .knex('kargo_promotions')
        .where({ id: b.id })
        .update({ phase: 'Running' })
        .then(
          async updated => ({
            updated,
            rows: await bed
              .knex('kargo_promotions')
              .select('id', 'stage', 'phase'),
          }),
          error => ({ error: String(error) }),
        );
      expect(second).toEqual({
        error: expect.stringMatching(/unique/i),
      });
      const repository = bed.stores.promotions;
      expect(
        await repository.claim({
          id: b.id,
          workerId: 'w',
          now: new Date(),
          leaseMs: 1000,
        }),
      ).toBeUndefined();
    });
  },
);

describe('readPromotionWorkerSettings', () => {
  it('reads kargo.promotions with defaults', () => {
    expect(
      readPromotionWorkerSettings(
        new ConfigReader({
          kargo: {
            promotions: {
              concurrency: 8,
              leaseDuration: { seconds: 30 },
              workDir: '/var/lib/kargo',
            },
          },
        }),
      ),
    ).toEqual({
      concurrency: 8,
      leaseMs: 30_000,
      pollIntervalMs: 5_000,
      workDir: '/var/lib/kargo',
      maxStepInterruptions: 3,
      shutdownTimeoutMs: 30_000,
    });
    expect(readPromotionWorkerSettings(new ConfigReader({})).concurrency).toBe(
      4,
    );
    expect(() =>
      readPromotionWorkerSettings(
        new ConfigReader({ kargo: { promotions: { concurrency: -1 } } }),
      ),
    ).toThrow('kargo.promotions.concurrency');
  });
});

describe.each(databases.eachSupportedId())(
  'set-metadata through the worker on %p',
  databaseId => {
    it('sets Stage and Freight metadata that later steps read', async () => {
      const bed = await promotionTestBed(await databases.init(databaseId));
      await bed.stores.stages.upsertMetadata({
        project: 'shop',
        kind: 'Stage',
        name: 'dev',
        values: { kept: 'yes', team: 'old' },
      });
      const catalog = promotionCatalog({
        stages: {
          dev: [
            {
              uses: 'set-metadata',
              as: 'meta',
              config: {
                updates: [
                  {
                    kind: 'Stage',
                    name: 'dev',
                    values: {
                      team: 'a',
                      build: '${{ ctx.targetFreight.alias }}',
                    },
                  },
                  {
                    kind: 'Freight',
                    // By alias: stored under the freight's id.
                    name: '${{ ctx.targetFreight.alias }}',
                    values: { passed: true, checks: { unit: 3 } },
                  },
                ],
              },
            },
            {
              uses: 'read',
              as: 'read',
              if: "${{ stageMetadata('dev', 'team') == 'a' }}",
              config: {
                team: "${{ stageMetadata('dev', 'team') }}",
                stage: "${{ stageMetadata('dev') }}",
                passed:
                  "${{ freightMetadata(ctx.targetFreight.name, 'passed') }}",
                byAlias: '${{ freightMetadata(ctx.targetFreight.alias) }}',
                none: "${{ stageMetadata('prod') }}",
                status: '${{ freightStatus(ctx.targetFreight.name).metadata }}',
                approvedFor:
                  '${{ freightStatus(ctx.targetFreight.alias).approvedFor }}',
              },
            },
          ],
          prod: [{ uses: 'read' }],
        },
      });
      const seen: Array<Record<string, unknown>> = [];
      const steps = [
        createSetMetadataStep(),
        testStep('read', (_ctx, config) => {
          seen.push(config);
          return { status: 'Succeeded' };
        }),
      ];
      const target = await bed.addFreight();
      const promotion = await bed.promote('dev', target.id);
      await bed.worker({ catalog, steps, workDir }).runOnce();

      const done = await bed.promotion(promotion.id);
      expect(done.steps.map(s => [s.alias, s.status])).toEqual([
        ['meta', 'Succeeded'],
        ['read', 'Succeeded'],
      ]);
      const stageMetadata = { kept: 'yes', team: 'a', build: target.alias };
      const freightMetadata = { passed: true, checks: { unit: 3 } };
      expect(seen).toEqual([
        {
          team: 'a',
          stage: stageMetadata,
          passed: true,
          byAlias: freightMetadata,
          none: null,
          status: freightMetadata,
          approvedFor: {},
        },
      ]);
      expect(
        await bed.stores.stages.getMetadata({ project: 'shop', kind: 'Stage' }),
      ).toEqual({ dev: stageMetadata });
      expect(
        await bed.stores.stages.getMetadata({
          project: 'shop',
          kind: 'Freight',
        }),
      ).toEqual({ [target.id]: freightMetadata });
    });

    it('errors the step, and sets nothing, when a Stage is not defined', async () => {
      const bed = await promotionTestBed(await databases.init(databaseId));
      const catalog = promotionCatalog({
        stages: {
          dev: [
            {
              uses: 'set-metadata',
              as: 'meta',
              config: {
                updates: [
                  { kind: 'Stage', name: 'dev', values: { team: 'a' } },
                  { kind: 'Stage', name: 'qa', values: { team: 'b' } },
                ],
              },
            },
            { uses: 'read', as: 'read' },
          ],
        },
      });
      let reads = 0;
      const steps = [
        createSetMetadataStep(),
        testStep('read', () => {
          reads++;
          return { status: 'Succeeded' };
        }),
      ];
      const promotion = await bed.promote('dev');
      await bed.worker({ catalog, steps, workDir }).runOnce();

      const done = await bed.promotion(promotion.id);
      expect(done.phase).toBe('Errored');
      expect(done.steps.map(s => [s.alias, s.status])).toEqual([
        ['meta', 'Errored'],
        ['read', 'Skipped'],
      ]);
      expect(done.steps[0].message).toContain(
        'Stage "qa" not found in project "shop"',
      );
      expect(reads).toBe(0);
      expect(
        await bed.stores.stages.getMetadata({ project: 'shop', kind: 'Stage' }),
      ).toEqual({});
    });
  },
);

describe.each(databases.eachSupportedId())(
  'set-freight-alias through the worker on %p',
  databaseId => {
    it('renames the promoted freight, and errors without renaming when another freight holds the alias', async () => {
      const bed = await promotionTestBed(await databases.init(databaseId));
      const catalog = promotionCatalog({
        stages: {
          dev: [
            {
              uses: 'set-freight-alias',
              as: 'alias',
              config: {
                // The test ids are all digits: quote() keeps them strings, as in Kargo.
                name: '${{ quote(ctx.targetFreight.name) }}',
                alias: 'release-${{ ctx.stage }}',
              },
            },
          ],
        },
      });
      const steps = [createSetFreightAliasStep()];
      const first = await bed.addFreight();
      const promotion = await bed.promote('dev', first.id);
      await bed.worker({ catalog, steps, workDir }).runOnce();
      const renamed = await bed.promotion(promotion.id);
      expect(renamed.phase).toBe('Succeeded');
      expect(
        await bed.stores.freight.getFreight('shop', 'release-dev'),
      ).toMatchObject({ id: first.id });

      const second = await bed.addFreight();
      const again = await bed.promote('dev', second.id);
      await bed.worker({ catalog, steps, workDir }).runOnce();
      const done = await bed.promotion(again.id);
      expect(done.phase).toBe('Errored');
      expect(done.steps[0].message).toContain(
        `alias "release-dev" already used by another piece of Freight ("${first.id}")`,
      );
      expect(
        (await bed.stores.freight.getFreight('shop', second.id))?.alias,
      ).toBe(second.alias);
    });
  },
);

describe.each(databases.eachSupportedId())(
  'health checks through the worker on %p',
  databaseId => {
    it('keeps a step’s health check across runs and records it with the promotion', async () => {
      const bed = await promotionTestBed(await databases.init(databaseId));
      const catalog = promotionCatalog({
        stages: {
          dev: [{ uses: 'checked' }, { uses: 'slow' }, { uses: 'bad' }],
        },
      });
      const check = { uses: 'argocd-update', config: { apps: [] } };
      let slowRuns = 0;
      const steps = [
        testStep('checked', () => ({
          status: 'Succeeded',
          healthCheck: check,
        })),
        // Waits once: the promotion is put back and a second worker finishes it from the stored state.
        testStep('slow', () =>
          ++slowRuns === 1
            ? { status: 'Running', retryAfterMs: 1 }
            : { status: 'Succeeded' },
        ),
        testStep('bad', () => ({
          status: 'Succeeded',
          healthCheck: { uses: '', config: {} },
        })),
      ];
      const activity: string[] = [];
      const onStageActivity = (project: string, stage: string) =>
        activity.push(`${project}/${stage}`);
      const promotion = await bed.promote('dev');
      await bed.worker({ catalog, steps, workDir, onStageActivity }).runOnce();
      expect((await bed.promotion(promotion.id)).phase).toBe('Running');
      const [subject] = await bed.stores.promotions.getStageHealthSubjects(
        'shop',
        ['dev'],
      );
      expect(subject).toEqual({ stage: 'dev', running: promotion.id });

      await waitFor(async () => {
        await bed
          .worker({ catalog, steps, workDir, onStageActivity })
          .runOnce();
        const done = await bed.promotion(promotion.id);
        return done.phase !== 'Running' && done;
      }, 'the promotion to end');
      const done = await bed.promotion(promotion.id);
      // A malformed health check is refused like malformed effects: the step errors.
      expect(done.phase).toBe('Errored');
      expect(done.steps[2].message).toContain(
        "invalid healthCheck in the step's result: uses",
      );
      const [after] = await bed.stores.promotions.getStageHealthSubjects(
        'shop',
        ['dev'],
      );
      expect(after.lastFinished).toEqual({
        id: promotion.id,
        phase: 'Errored',
        healthChecks: [check],
      });
      expect(activity.slice(0, 2)).toEqual(['shop/dev', 'shop/dev']);
    });
  },
);
