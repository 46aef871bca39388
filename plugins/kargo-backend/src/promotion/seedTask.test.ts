import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { applicationManifest } from '../__testUtils__/doubles/argoCdApplications';
import { ArgoCdSimulator } from '../__testUtils__/doubles/argoCdSimulator';
import { KubernetesApiServerDouble } from '../__testUtils__/doubles/kubernetesApiServer';
import { ArgoCdClusters } from '../argocd/ArgoCdClusters';
import {
  argoCdContextChecks,
  createArgoCdHealthChecker,
} from '../argocd/ArgoCdHealthChecker';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { GitClient } from '../git';
import { HealthCheckers } from '../health/HealthCheckers';
import { StageHealthMonitor } from '../health/StageHealthMonitor';
import { StepRegistry } from './engine';
import { evaluateExpression } from '../expressions';
import { builtinPromotionSteps } from './builtinSteps';
import { createPromotionWorker } from './worker';

const databases = kargoTestDatabases();
const seed = path.resolve(
  __dirname,
  '../../../kargo-common/src/manifests/__fixtures__/valid/seed-002-kargo-poc.yaml',
);
const IMAGE = '123456789012.dkr.ecr.eu-central-1.amazonaws.com/application';

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Seed',
      '-c',
      'user.email=seed@example.invalid',
      '-c',
      'init.defaultBranch=main',
      ...args,
    ],
    { cwd, encoding: 'utf8' },
  ).trim();
}

// The PromotionTask of the article in ../shared/seeds/002 ("Argo CD and Kargo in practice"), unchanged
// (git-clone, yaml-update with imageFrom, git-clone of a commit with commitFrom, copy, git-commit with a
// conditional message, git-push, argocd-update), run against a local repository instead of GitHub and the
// Kubernetes API double with the Argo CD simulator instead of a cluster. The stage takes both warehouses, and
// keeps the freight of one while the other's is promoted.
describe.each(databases.eachSupportedId())(
  "the seed article's PromotionTask on %p",
  id => {
    let root: string;
    let server: KubernetesApiServerDouble;
    let simulator: ArgoCdSimulator;
    beforeAll(async () => {
      server = await KubernetesApiServerDouble.start({ bookmarkIntervalMs: 0 });
      simulator = new ArgoCdSimulator({ store: server.store });
      simulator.startRealTime(20);
    });
    afterAll(async () => {
      simulator.stopRealTime();
      await server.close();
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it('promotes an image and GitOps commits into a local repository keeping both origins, syncs the Argo CD app, and the stage becomes healthy', async () => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-seed-'));
      const work = path.join(root, 'work');
      fs.mkdirSync(path.join(work, 'env/dev'), { recursive: true });
      fs.mkdirSync(path.join(work, 'base'), { recursive: true });
      fs.writeFileSync(
        path.join(work, 'env/dev/values.yaml'),
        '# dev\nimage:\n  tag: 1.0.0 # the running version\n',
      );
      fs.writeFileSync(
        path.join(work, 'base/feature-flags.yaml'),
        'beta: false\n',
      );
      git(work, 'init', '-q');
      git(work, 'add', '.');
      git(work, 'commit', '-q', '-m', 'initial');
      fs.writeFileSync(
        path.join(work, 'base/feature-flags.yaml'),
        'beta: true\n',
      );
      git(work, 'commit', '-q', '-am', 'enable beta');
      const flagsCommit = git(work, 'rev-parse', 'HEAD');
      fs.writeFileSync(
        path.join(work, 'base/feature-flags.yaml'),
        'beta: true\ngamma: true\n',
      );
      git(work, 'commit', '-q', '-am', 'enable gamma');
      const gammaCommit = git(work, 'rev-parse', 'HEAD');
      const bare = path.join(root, 'kargo-poc.git');
      git(root, 'clone', '-q', '--bare', work, bare);
      const repoURL = `file://${bare}`;

      const text = fs
        .readFileSync(seed, 'utf8')
        .replaceAll('https://github.com/example-org/kargo-poc.git', repoURL);
      expect(text).toContain('- uses: argocd-update');
      const catalog = DefinitionCatalog.fromManifests(
        parseManifests({ source: 'seed-002.yaml', text }),
      );
      // The app the task's argocd-update names (`akargo-poc-${{ ctx.stage }}`), authorized for the stage.
      server.store.put(
        applicationManifest({
          name: 'akargo-poc-dev',
          authorizedStage: 'kargo-poc:dev',
          source: { repoURL, path: 'env/dev', targetRevision: 'main' },
          deployedRevisions: ['main'],
        }),
      );
      const argocd = new ConfigReader({
        kargo: { argocd: { clusters: [{ ...server.cluster }] } },
      });

      const knex = await databases.init(id);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      const image = await stores.freight.insertFreight(
        {
          project: 'kargo-poc',
          id: 'a'.repeat(40),
          origin: { kind: 'Warehouse', name: 'application' },
          commits: [],
          images: [{ repoURL: IMAGE, tag: '1.4.0', digest: 'sha256:1' }],
          charts: [],
          createdAt: new Date('2026-01-01T00:00:00Z'),
        },
        { generateAlias: async () => 'image-freight' },
      );
      const gitops = await stores.freight.insertFreight(
        {
          project: 'kargo-poc',
          id: 'b'.repeat(40),
          origin: { kind: 'Warehouse', name: 'gitops' },
          commits: [{ repoURL, id: flagsCommit, branch: 'main' }],
          images: [],
          charts: [],
          createdAt: new Date('2026-01-01T00:01:00Z'),
        },
        { generateAlias: async () => 'gitops-freight' },
      );
      const gamma = await stores.freight.insertFreight(
        {
          project: 'kargo-poc',
          id: 'c'.repeat(40),
          origin: { kind: 'Warehouse', name: 'gitops' },
          commits: [{ repoURL, id: gammaCommit, branch: 'main' }],
          images: [],
          charts: [],
          createdAt: new Date('2026-01-01T00:02:00Z'),
        },
        { generateAlias: async () => 'gamma-freight' },
      );
      const worker = createPromotionWorker({
        stores,
        definitions: { getCatalog: async () => catalog },
        registry: StepRegistry.create(
          builtinPromotionSteps({
            config: argocd,
            git: await GitClient.create(),
            evaluateExpression,
            argoCdPollIntervalMs: 20,
          }),
        ),
        logger: mockServices.logger.mock(),
        config: new ConfigReader({
          kargo: { promotions: { workDir: path.join(root, 'promotions') } },
        }),
        engine: { minRetryAfterMs: 20 },
      });

      // The image, then a GitOps commit, then a newer GitOps commit: the stage keeps the image throughout.
      for (const freight of [image.freight, gitops.freight, gamma.freight]) {
        const promotion = await stores.promotions.createPromotion({
          project: 'kargo-poc',
          stage: 'dev',
          freightId: freight.id,
          actor: 'user:default/amy',
          at: new Date(),
        });
        // Until the promotion has run: argocd-update waits for the simulated sync between runs.
        const deadline = Date.now() + 30_000;
        let done = await stores.promotions.getPromotion(
          'kargo-poc',
          promotion.id,
        );
        while (
          (done?.phase === 'Pending' || done?.phase === 'Running') &&
          Date.now() < deadline
        ) {
          if ((await worker.runOnce()) === 0) {
            await new Promise(resolve => setTimeout(resolve, 20));
          }
          done = await stores.promotions.getPromotion(
            'kargo-poc',
            promotion.id,
          );
        }
        expect({
          freight: freight.alias,
          phase: done?.phase,
          message: done?.message,
          steps: done?.steps.map(s => [s.alias, s.status]),
        }).toEqual({
          freight: freight.alias,
          phase: 'Succeeded',
          message: done?.message,
          steps:
            freight === image.freight
              ? [
                  ['step-1', 'Succeeded'],
                  ['update-image', 'Succeeded'],
                  ['step-3', 'Skipped'],
                  ['step-4', 'Skipped'],
                  ['commit', 'Succeeded'],
                  ['step-6', 'Succeeded'],
                  ['step-7', 'Succeeded'],
                ].map(([alias, status]) => [`task-1::${alias}`, status])
              : [
                  ['step-1', 'Succeeded'],
                  ['update-image', 'Skipped'],
                  ['step-3', 'Succeeded'],
                  ['step-4', 'Succeeded'],
                  ['commit', 'Succeeded'],
                  ['step-6', 'Succeeded'],
                  ['step-7', 'Succeeded'],
                ].map(([alias, status]) => [`task-1::${alias}`, status]),
        });
      }
      const [dev] = await stores.stages.getStageSummaries('kargo-poc', ['dev']);
      expect(dev.current.map(c => c.freight.alias)).toEqual([
        'image-freight',
        'gamma-freight',
      ]);
      expect(dev.freightHistory.map(h => h.collection.items)).toEqual([
        [
          {
            origin: { kind: 'Warehouse', name: 'application' },
            name: 'a'.repeat(40),
          },
          {
            origin: { kind: 'Warehouse', name: 'gitops' },
            name: 'c'.repeat(40),
          },
        ],
        [
          {
            origin: { kind: 'Warehouse', name: 'application' },
            name: 'a'.repeat(40),
          },
          {
            origin: { kind: 'Warehouse', name: 'gitops' },
            name: 'b'.repeat(40),
          },
        ],
        [
          {
            origin: { kind: 'Warehouse', name: 'application' },
            name: 'a'.repeat(40),
          },
        ],
      ]);

      const show = (file: string) =>
        git(root, `--git-dir=${bare}`, 'show', `main:${file}`);
      expect(show('env/dev/values.yaml')).toBe(
        '# dev\nimage:\n  tag: 1.4.0 # the running version',
      );
      expect(show('env/dev/feature-flags.yaml')).toBe(
        'beta: true\ngamma: true',
      );
      expect(
        git(root, `--git-dir=${bare}`, 'log', '--format=%s', '-3').split('\n'),
      ).toEqual([
        `updates dev gitops.yaml from ${gammaCommit}`,
        `updates dev gitops.yaml from ${flagsCommit}`,
        'updated dev application to 1.4.0',
      ]);

      // argocd-update synced the app as the promotion's actor and recorded its health check with the promotion.
      // The app's health may still be Progressing when the promotion ends (the simulator's controller makes it
      // Healthy on a later reconciliation, as Argo CD does): the stage's health is awaited below.
      const app = server.store.get(
        server.store.resourceTypes.application,
        'argocd',
        'akargo-poc-dev',
      );
      expect(app?.status).toMatchObject({
        sync: { status: 'Synced' },
        operationState: {
          phase: 'Succeeded',
          operation: { initiatedBy: { username: 'user:default/amy' } },
        },
      });
      const [subject] = await stores.promotions.getStageHealthSubjects(
        'kargo-poc',
        ['dev'],
      );
      expect(subject.lastFinished).toMatchObject({
        phase: 'Succeeded',
        healthChecks: [
          {
            uses: 'argocd-update',
            config: {
              apps: [
                {
                  name: 'akargo-poc-dev',
                  namespace: 'argocd',
                  cluster: server.cluster.name,
                  desiredRevisions: [''],
                },
              ],
            },
          },
        ],
      });

      // And the stage is healthy, as the stage health monitor evaluates it from the watch.
      const monitor = StageHealthMonitor.create({
        stores,
        definitions: { getCatalog: async () => catalog },
        checkers: HealthCheckers.create(
          createArgoCdHealthChecker({
            clusters: ArgoCdClusters.fromConfig(argocd),
            logger: mockServices.logger.mock(),
          }),
        ),
        linkOnlyChecks: argoCdContextChecks,
        logger: mockServices.logger.mock(),
      });
      await monitor.start();
      try {
        const healthDeadline = Date.now() + 10_000;
        let health = await stores.stages.getStageHealth({
          project: 'kargo-poc',
        });
        while (
          health.dev?.status !== 'Healthy' &&
          Date.now() < healthDeadline
        ) {
          await new Promise(resolve => setTimeout(resolve, 20));
          health = await stores.stages.getStageHealth({ project: 'kargo-poc' });
        }
        expect(health.dev).toMatchObject({
          status: 'Healthy',
          applications: [
            expect.objectContaining({
              name: 'akargo-poc-dev',
              status: 'Healthy',
              syncStatus: 'Synced',
            }),
            // The stage's argocd-context names another app, which does not exist: linked, not counted.
            expect.objectContaining({
              name: 'argo-kargo-poc-dev',
              status: 'NotApplicable',
            }),
          ],
        });
      } finally {
        await monitor.stop();
      }
      await knex.destroy();
    }, 60_000);
  },
);
