import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { readManifestSource } from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { applicationManifest } from '../__testUtils__/doubles/argoCdApplications';
import { ArgoCdSimulator } from '../__testUtils__/doubles/argoCdSimulator';
import { KubernetesApiServerDouble } from '../__testUtils__/doubles/kubernetesApiServer';
import { ArgoCdClusters } from '../argocd/ArgoCdClusters';
import {
  argoCdContextChecks,
  createArgoCdHealthChecker,
} from '../argocd/ArgoCdHealthChecker';
import {
  GitTestServer,
  TestRepository,
  runGit,
} from '../__testUtils__/services/gitServer';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { evaluateExpression } from '../expressions';
import { GitClient } from '../git';
import { HealthCheckers } from '../health/HealthCheckers';
import { StageHealthMonitor } from '../health/StageHealthMonitor';
import { builtinPromotionSteps } from '../promotion/builtinSteps';
import { StepRegistry } from '../promotion/engine';
import { createPromotionWorker } from '../promotion/worker';
import { PromotionService } from '../services/PromotionService';
import { VerificationWorker } from '../verification/VerificationWorker';
import { createDiscoverers } from '../warehouses/discoverers';
import { WarehouseService } from '../warehouses/WarehouseService';
import { artifactSources } from '../warehouses/sources';
import { AutoPromoter } from './AutoPromoter';
import { AUTO_PROMOTION_ACTOR, AUTO_ROLLBACK_ACTOR } from './policies';
import { StageEvents } from './StageEvents';

jest.setTimeout(120_000);

const databases = kargoTestDatabases();

/** The web check's endpoint: answers `{ ok }` per stage and freight commit, as the test sets it. */
async function startHealthEndpoint() {
  const failing = new Set<string>();
  const server = http.createServer((req, res) => {
    // /health/<stage>/<commit>
    const [, , stage, commit] = (req.url ?? '').split('/');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: !failing.has(`${stage}/${commit}`) }));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fail: (stage: string, commit: string) => failing.add(`${stage}/${commit}`),
    stop: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

/** An iCal UTC date-time (`20261203T101500Z`). */
const ical = (date: Date) =>
  `${date.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;

/**
 * The seeds' pipeline: a warehouse on an application repository; dev takes its freight directly and auto-promotes;
 * staging follows dev (MatchUpstream), auto-promotes and rolls back by itself when its verification fails; prod
 * follows staging and is promoted by hand only, and a deny window freezes it. Each stage's promotion writes the
 * application commit into the GitOps repository and syncs the stage's Argo CD application; each verification, once
 * the stage is healthy, is a web check.
 */
function manifests(options: {
  appURL: string;
  gitopsURL: string;
  /** The Argo CD applications are `<argoCdApps>-<stage>`. */
  argoCdApps: string;
  checkURL: string;
  freeze: { start: Date; end: Date };
}) {
  const stage = (name: string, sources: string, verify: boolean) => `
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: ${name}, namespace: shop }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: app }
      sources: ${sources}
  promotionTemplate:
    spec:
      steps:
        - task: { name: deploy }
${
  verify
    ? `  verification:
    analysisTemplates: [{ name: web-check }]
    args:
      - name: stage
        value: \${{ ctx.stage }}
      - name: commit
        value: \${{ commitFrom("${options.appURL}").ID }}`
    : ''
}`;
  return `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: shop }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: ProjectConfig
metadata: { name: shop, namespace: shop }
spec:
  promotionPolicies:
    - stageSelector: { name: dev }
      autoPromotionEnabled: true
    - stageSelector: { name: staging }
      autoPromotionEnabled: true
      autoRollback:
        onVerification: [Failed]
  promotionWindows:
    - name: prod-freeze
      kind: Deny
      stageSelector: { name: prod }
      dtstart: ${ical(options.freeze.start)}
      dtend: ${ical(options.freeze.end)}
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: shop }
spec:
  subscriptions:
    - git: { repoURL: '${options.appURL}', branch: main }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: PromotionTask
metadata: { name: deploy, namespace: shop }
spec:
  steps:
    - uses: git-clone
      config:
        repoURL: ${options.gitopsURL}
        checkout: [{ branch: main, path: ./out }]
    - uses: yaml-update
      config:
        path: ./out/env/\${{ ctx.stage }}/values.yaml
        updates:
          - key: app.commit
            value: \${{ commitFrom("${options.appURL}").ID }}
    - uses: git-commit
      config:
        path: ./out
        message: \${{ 'deploy ' + commitFrom("${
          options.appURL
        }").ID + ' to ' + ctx.stage }}
    - uses: git-push
      config: { path: ./out }
    - uses: argocd-update
      config:
        apps:
          - name: ${options.argoCdApps}-\${{ ctx.stage }}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: { name: web-check, namespace: shop }
spec:
  args: [{ name: stage }, { name: commit }]
  metrics:
    - name: ok
      successCondition: result == true
      provider:
        web:
          url: ${options.checkURL}/health/{{args.stage}}/{{args.commit}}
          jsonPath: '{$.ok}'
${stage('dev', '{ direct: true }', true)}
${stage(
  'staging',
  '{ stages: [dev], autoPromotionOptions: { selectionPolicy: MatchUpstream } }',
  true,
)}
${stage('prod', '{ stages: [staging] }', false)}
`;
}

// The seeds' story (issue 12), on the real engine: Git discovery and promotion steps against local repositories
// (git CLI), Argo CD applications in the Kubernetes API double synced by the Argo CD simulator, the promotion
// worker, stage health from the Argo CD watch, the verifier with a local web check, and auto-promotion woken by
// stage events, as the plugin wires them. The sweep is an hour: everything
// below happens by reaction to events.
describe.each(databases.eachSupportedId())('the seeds story on %p', id => {
  let git: GitTestServer;
  let check: Awaited<ReturnType<typeof startHealthEndpoint>>;
  let kube: KubernetesApiServerDouble;
  let simulator: ArgoCdSimulator;
  const stops: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    [git, check, kube] = await Promise.all([
      GitTestServer.create(),
      startHealthEndpoint(),
      KubernetesApiServerDouble.start({ bookmarkIntervalMs: 0 }),
    ]);
    simulator = new ArgoCdSimulator({ store: kube.store });
    simulator.startRealTime(20);
  });
  afterAll(async () => {
    simulator?.stopRealTime();
    await kube?.close();
    await check?.stop();
    await git?.stop();
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('a commit makes freight; dev and staging auto-promote and verify; staging fails verification and rolls back by itself; prod waits, frozen', async () => {
    const repoSuffix = id.toLowerCase().replace(/[^a-z0-9]/g, '');
    const app: TestRepository = await git.createRepository(`app-${repoSuffix}`);
    const gitops = await git.createRepository(`gitops-${repoSuffix}`);
    const [c1] = await app.commit([{ files: { 'main.go': 'v1\n' } }]);
    await gitops.commit([
      {
        files: Object.fromEntries(
          ['dev', 'staging', 'prod'].map(s => [
            `env/${s}/values.yaml`,
            'app:\n  commit: none\n',
          ]),
        ),
      },
    ]);
    const appURL = git.fileUrl(`app-${repoSuffix}`);
    const gitopsURL = git.fileUrl(`gitops-${repoSuffix}`);
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const freeze = {
      start: new Date(now.getTime() - 3_600_000),
      end: new Date(now.getTime() + 2 * 3_600_000),
    };
    const argoCdApps = `shop-${repoSuffix}`;
    for (const stage of ['dev', 'staging', 'prod']) {
      kube.store.put(
        applicationManifest({
          name: `${argoCdApps}-${stage}`,
          authorizedStage: `shop:${stage}`,
          source: {
            repoURL: gitopsURL,
            path: `env/${stage}`,
            targetRevision: 'main',
          },
          deployedRevisions: ['main'],
        }),
      );
    }
    const argocd = new ConfigReader({
      kargo: { argocd: { clusters: [{ ...kube.cluster }] } },
    });
    const contents = readManifestSource({
      source: 'shop.yaml',
      text: manifests({
        appURL,
        gitopsURL,
        argoCdApps,
        checkURL: check.url,
        freeze,
      }),
    });
    const catalog = DefinitionCatalog.fromManifests(
      contents.manifests,
      contents.analysisTemplates,
    );
    const definitions = { getCatalog: async () => catalog };

    const knex = await databases.init(id);
    // Stopped last (stops run in reverse order), once no loop uses it.
    stops.push(() => knex.destroy());
    await applyDatabaseMigrations(knex);
    const stores = DatabaseKargoStores.fromKnex(knex);
    const logger = mockServices.logger.mock();
    const audits: Array<{ eventId: string; meta?: unknown }> = [];
    const auditor = mockServices.auditor.mock({
      createEvent: async ({ eventId, meta }) => {
        audits.push({ eventId, meta });
        return { success: async () => {}, fail: async () => {} };
      },
    });
    const workDir = await git.tempDir('seed-story-');

    // Wired as plugin.ts wires them.
    const stageEvents = StageEvents.create();
    const warehouses = new WarehouseService({
      stores,
      getCatalog: definitions.getCatalog,
      sources: artifactSources(
        await createDiscoverers({
          config: new ConfigReader({}),
          logger,
          cacheDir: path.join(workDir, 'mirrors'),
        }),
      ),
      logger,
      onFreightCreated: project => stageEvents.changed(project),
    });
    const health = StageHealthMonitor.create({
      stores,
      definitions,
      checkers: HealthCheckers.create(
        createArgoCdHealthChecker({
          clusters: ArgoCdClusters.fromConfig(argocd),
          logger,
        }),
      ),
      linkOnlyChecks: argoCdContextChecks,
      logger,
    });
    const worker = createPromotionWorker({
      stores,
      definitions,
      registry: StepRegistry.create(
        builtinPromotionSteps({
          config: argocd,
          argoCdPollIntervalMs: 20,
          git: await GitClient.create({
            identity: { name: 'Kargo', email: 'kargo@example.com' },
            tmpDir: await git.tempDir('client-'),
          }),
          evaluateExpression,
        }),
      ),
      logger,
      config: new ConfigReader({
        kargo: { promotions: { workDir: path.join(workDir, 'promotions') } },
      }),
      // argocd-update waits for the sync between runs: the worker looks again at its poll.
      settings: { pollIntervalMs: 100 },
      engine: { minRetryAfterMs: 20 },
      onStageActivity: (project, stage) => {
        health.notifyStage(project, stage);
        stageEvents.changed(project);
      },
    });
    const verifier = VerificationWorker.create({
      stores,
      definitions,
      secret: () => undefined,
      logger,
      pollIntervalMs: 100,
      onChange: ({ project }) => stageEvents.changed(project),
    });
    const promotions = PromotionService.create({
      stores,
      definitions,
      auditor,
      onPromotionCreated: () => worker.notify(),
    });
    const autoPromoter = AutoPromoter.create({
      stores,
      definitions,
      promotions,
      logger,
      sweepIntervalMs: 3_600_000,
    });
    stageEvents.listen(project => autoPromoter.notify(project));
    await health.start();
    stops.push(() => health.stop());
    worker.start();
    stops.push(() => worker.stop());
    verifier.start();
    stops.push(() => verifier.stop());
    autoPromoter.start();
    stops.push(() => autoPromoter.stop());

    const history = async (stage: string) =>
      (
        await stores.promotions.listPromotions({
          project: 'shop',
          stage,
          limit: 20,
        })
      ).items.reverse();
    const verificationOf = async (stage: string) =>
      (await stores.verifications.getCurrent('shop', [stage]))[stage];
    const deployed = (stage: string) =>
      runGit([
        '--git-dir',
        gitops.dir,
        'show',
        `main:env/${stage}/values.yaml`,
      ]);
    /** Waits until `probe` holds (the loops run on their own). */
    async function until<T>(
      what: string,
      probe: () => Promise<T | undefined | false>,
    ): Promise<T> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const value = await probe();
        if (value) return value;
        if (Date.now() > deadline) {
          const state = {
            promotions: (
              await stores.promotions.listPromotions({
                project: 'shop',
                limit: 20,
              })
            ).items.map(p => [p.stage, p.freight, p.phase, p.message]),
            verifications: await stores.verifications.getCurrent('shop', [
              'dev',
              'staging',
            ]),
            health: await stores.stages.getStageHealth({ project: 'shop' }),
            logs: [logger.warn, logger.error].flatMap(f =>
              (f as jest.Mock).mock.calls.map(c => String(c[0])),
            ),
          };
          throw new Error(
            `timed out: ${what}; ${JSON.stringify(state, null, 1)}`,
          );
        }
        await new Promise(resolve => setTimeout(resolve, 50));
      }
    }

    // A commit makes freight, and the pipeline takes it: dev, then staging (both verified by the web check).
    const first = (await warehouses.discover('shop', 'app')).freight!;
    expect(first.commits.map(c => c.id)).toEqual([c1]);
    await until('f1 verified in staging', async () => {
      const v = await verificationOf('staging');
      return v?.phase === 'Successful' && v.freightIds.includes(first.id);
    });
    expect(
      (await history('dev')).map(p => [p.freight, p.phase, p.createdBy]),
    ).toEqual([[first.id, 'Succeeded', AUTO_PROMOTION_ACTOR]]);
    expect(await verificationOf('dev')).toMatchObject({ phase: 'Successful' });

    // A new commit; staging's web check fails for it.
    const [c2] = await app.commit([{ files: { 'main.go': 'v2\n' } }]);
    check.fail('staging', c2);
    const second = (await warehouses.discover('shop', 'app')).freight!;
    expect(second.commits.map(c => c.id)).toEqual([c2]);
    await until('dev verified f2', async () => {
      const v = await verificationOf('dev');
      return v?.phase === 'Successful' && v.freightIds.includes(second.id);
    });
    // staging follows dev, fails verification, and rolls back to f1 by itself.
    const rollback = await until('staging rolled back', async () => {
      const last = (await history('staging')).at(-1);
      return last?.createdBy === AUTO_ROLLBACK_ACTOR &&
        last.phase === 'Succeeded'
        ? last
        : undefined;
    });
    expect(
      (await history('staging')).map(p => [
        p.freight,
        p.phase,
        p.createdBy,
        p.rollback ?? false,
      ]),
    ).toEqual([
      [first.id, 'Succeeded', AUTO_PROMOTION_ACTOR, false],
      [second.id, 'Succeeded', AUTO_PROMOTION_ACTOR, false],
      [first.id, 'Succeeded', AUTO_ROLLBACK_ACTOR, true],
    ]);
    const failed = await stores.verifications.getCollectionOutcomes({
      project: 'shop',
      stage: 'staging',
      collectionIds: (
        await stores.stages.getStageHistory({
          project: 'shop',
          stage: 'staging',
          limit: 10,
        })
      ).map(h => h.collection.id),
    });
    expect(Object.values(failed).sort()).toEqual([false, true]);
    expect((await stores.autoPromotions.getHolds('shop')).staging).toEqual([
      expect.objectContaining({
        origin: 'app',
        freightId: first.id,
        promotionId: rollback.id,
        actor: AUTO_ROLLBACK_ACTOR,
        rollback: true,
      }),
    ]);
    expect(audits).toContainEqual({
      eventId: 'promotion-create',
      meta: expect.objectContaining({
        stage: 'staging',
        freight: first.id,
        rollback: true,
        auto: true,
      }),
    });
    // The GitOps repository shows it: dev runs c2, staging is back on c1, prod was never deployed.
    expect(await deployed('dev')).toContain(`commit: ${c2}`);
    expect(await deployed('staging')).toContain(`commit: ${c1}`);
    expect(await deployed('prod')).toContain('commit: none');
    // Each promotion synced its stage's Argo CD application, and the stages are healthy from the watch.
    for (const stage of ['dev', 'staging']) {
      expect(
        kube.store.get(
          kube.store.resourceTypes.application,
          'argocd',
          `${argoCdApps}-${stage}`,
        )?.status,
      ).toMatchObject({
        sync: { status: 'Synced' },
        operationState: { phase: 'Succeeded' },
      });
    }
    await until('dev and staging healthy', async () => {
      const stageHealth = await stores.stages.getStageHealth({
        project: 'shop',
      });
      return (
        stageHealth.dev?.status === 'Healthy' &&
        stageHealth.staging?.status === 'Healthy' &&
        stageHealth.staging.promotion === rollback.id
      );
    });
    // Held, staging stays on f1 (auto-promotion does not move f2 back in), and nothing rolls back again.
    autoPromoter.notify('shop');
    await autoPromoter.idle();
    expect(await history('staging')).toHaveLength(3);

    // prod has no auto-promotion: it waits for a user, and the deny window refuses the user with its reason and
    // when it opens next.
    expect(await history('prod')).toEqual([]);
    await expect(
      promotions.promote({
        project: 'shop',
        stage: 'prod',
        freight: first.id,
        origin: { actor: 'user:default/release-manager' },
      }),
    ).rejects.toThrow(
      `Promotions to stage "prod" are closed: promotion window "prod-freeze" (Deny) is active; they next open at ${freeze.end.toISOString()}`,
    );
    expect(await history('prod')).toEqual([]);
  });
});
