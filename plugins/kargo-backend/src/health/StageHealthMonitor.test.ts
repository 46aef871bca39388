import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { StageHealth, parseManifests } from '@kargo-portal/plugin-kargo-common';
import { PromotionHealthCheck } from '@kargo-portal/plugin-kargo-node';
import { applicationManifest } from '../__testUtils__/doubles/argoCdApplications';
import { KubernetesApiServerDouble } from '../__testUtils__/doubles/kubernetesApiServer';
import { Json, isJsonObject } from '../__testUtils__/doubles/kubernetesPatch';
import { promotionManifests } from '../__testUtils__/promotionFixtures';
import {
  createStores,
  freight,
  uniqueAlias,
} from '../__testUtils__/storeFixtures';
import { ArgoCdClusters } from '../argocd/ArgoCdClusters';
import {
  argoCdContextChecks,
  argoCdHealthCheck,
  createArgoCdHealthChecker,
} from '../argocd/ArgoCdHealthChecker';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { HealthCheckers } from './HealthCheckers';
import { StageHealthMonitor } from './StageHealthMonitor';

const REPO = 'https://github.com/example/deploy.git';

function catalog(): DefinitionCatalog {
  const text = promotionManifests({
    stages: { dev: [{ uses: 'fail' }], prod: [{ uses: 'fail' }] },
  }).replace(
    '  name: prod\n  namespace: shop\n',
    `  name: prod\n  namespace: shop\n  annotations:\n    kargo.akuity.io/argocd-context: '[{"name":"prod-web","namespace":"argocd"}]'\n`,
  );
  return DefinitionCatalog.fromManifests(
    parseManifests({ source: 'test.yaml', text }),
  );
}

async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 8_000;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: still ${JSON.stringify(value)}`);
    }
    await new Promise(resolve => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

describe('StageHealthMonitor against the Kubernetes API double', () => {
  let server: KubernetesApiServerDouble;
  let stores: Awaited<ReturnType<typeof createStores>>;
  let monitor: StageHealthMonitor;
  let changes: string[];

  beforeAll(async () => {
    server = await KubernetesApiServerDouble.start({ bookmarkIntervalMs: 0 });
  });
  afterAll(() => server.close());

  beforeEach(async () => {
    const apps = server.store.resourceTypes.application;
    for (const app of server.store.list(apps)) {
      server.store.delete(apps, 'argocd', app.metadata.name, {
        manager: 'test',
      });
    }
    stores = await createStores('SQLITE_3');
    await stores.freight.insertFreight(freight(1), uniqueAlias);
    const clusters = ArgoCdClusters.fromConfig(
      new ConfigReader({
        kargo: {
          argocd: {
            clusters: [{ ...server.cluster }],
            url: 'https://argocd.example',
            title: 'simulated Argo CD',
          },
        },
      }),
    );
    changes = [];
    const definitions = catalog();
    monitor = StageHealthMonitor.create({
      stores,
      definitions: { getCatalog: async () => definitions },
      checkers: HealthCheckers.create(
        createArgoCdHealthChecker({
          clusters,
          logger: mockServices.logger.mock(),
          backoff: { initialMs: 20, maxMs: 200 },
        }),
      ),
      linkOnlyChecks: argoCdContextChecks,
      logger: mockServices.logger.mock(),
      onHealthChanged: ({ stage, health }) => {
        changes.push(`${stage}:${health.status}`);
      },
      resyncIntervalMs: 60_000,
    });
  });
  afterEach(() => monitor.stop());

  const health = async (stage = 'dev'): Promise<StageHealth | undefined> =>
    (await stores.stages.getStageHealth({ project: 'shop' }))[stage];
  const healthBecomes = (
    status: StageHealth['status'],
    stage = 'dev',
    also: (h: StageHealth) => boolean = () => true,
  ) =>
    eventually(
      () => health(stage),
      h => h?.status === status && also(h),
      `health of ${stage} becoming ${status}`,
    ) as Promise<StageHealth>;

  const modifyStatus = (change: (status: { [key: string]: Json }) => void) =>
    server.store.modify(
      server.store.resourceTypes.application,
      'argocd',
      'web',
      'argocd-application-controller',
      object => {
        const status = isJsonObject(object.status) ? object.status : {};
        change(status);
        object.status = status;
      },
    );
  const setHealth = (value: string) =>
    modifyStatus(status => {
      status.health = { status: value };
    });

  /** A promotion of dev that ran and ended with `phase`, recording `checks`. */
  async function promotion(
    phase: 'Succeeded' | 'Failed',
    checks: PromotionHealthCheck[],
    options: { finish?: boolean } = {},
  ): Promise<string> {
    const created = await stores.promotions.createPromotion({
      project: 'shop',
      stage: 'dev',
      freightId: freight(1).id,
      at: new Date(),
    });
    await stores.promotions.claim({
      id: created.id,
      workerId: 'w',
      now: new Date(),
      leaseMs: 60_000,
    });
    if (options.finish === false) return created.id;
    await stores.promotions.finish({
      id: created.id,
      workerId: 'w',
      phase,
      now: new Date(),
      state: {
        currentStep: checks.length,
        steps: checks.map((_, i) => ({
          alias: `step-${i + 1}`,
          uses: 'argocd-update',
          status: 'Succeeded' as const,
        })),
        runtime: checks.map(healthCheck => ({ healthCheck })),
        outputs: {},
      },
    });
    return created.id;
  }

  const webCheck = (desired = 'abc') =>
    argoCdHealthCheck([
      {
        cluster: server.cluster.name,
        namespace: 'argocd',
        name: 'web',
        desiredRevisions: [desired],
      },
    ]);

  function deployWeb(revision = 'abc') {
    server.store.put(
      applicationManifest({
        name: 'web',
        source: { repoURL: REPO, path: 'web', targetRevision: revision },
        deployedRevisions: [revision],
      }),
    );
  }

  it('moves through Kargo’s states as the app, the promotions and the watch change', async () => {
    deployWeb();
    await monitor.start();
    // Not promoted yet: no health checks.
    expect(await health()).toMatchObject({
      status: 'NotApplicable',
      applications: [],
    });

    // A promotion runs: Unknown.
    const running = await promotion('Succeeded', [], { finish: false });
    monitor.notifyStage('shop', 'dev');
    await healthBecomes('Unknown', 'dev', h => h.promotion === running);
    await stores.promotions.finish({
      id: running,
      workerId: 'w',
      phase: 'Failed',
      now: new Date(),
    });

    // Its health check is recorded by a successful promotion: Healthy, with the app's state and link.
    const id = await promotion('Succeeded', [webCheck()]);
    monitor.notifyStage('shop', 'dev');
    expect(await healthBecomes('Healthy')).toEqual({
      status: 'Healthy',
      promotion: id,
      updatedAt: expect.any(String),
      applications: [
        {
          cluster: server.cluster.name,
          namespace: 'argocd',
          name: 'web',
          status: 'Healthy',
          syncStatus: 'Synced',
          revision: 'abc',
          desiredRevisions: ['abc'],
          healthStatus: 'Healthy',
          link: {
            url: 'https://argocd.example/applications/argocd/web',
            title: 'simulated Argo CD',
          },
        },
      ],
    });

    // Progressing, then Healthy again: from watch events alone.
    setHealth('Progressing');
    await healthBecomes('Progressing');
    setHealth('Healthy');
    await healthBecomes('Healthy');

    // Degraded: Unhealthy.
    setHealth('Degraded');
    const degraded = await healthBecomes('Unhealthy');
    expect(degraded.message).toContain('has health state Degraded');

    // A sync to another revision than the promoted one: Unhealthy, naming the desired revision.
    setHealth('Healthy');
    await healthBecomes('Healthy');
    modifyStatus(status => {
      status.sync = { status: 'Synced', revision: 'def' };
    });
    const mismatch = await healthBecomes('Unhealthy');
    expect(mismatch.message).toContain('not to the desired revision abc');
    expect(mismatch.applications[0]).toMatchObject({ revision: 'def' });

    // A ComparisonError condition: Unhealthy.
    modifyStatus(status => {
      status.sync = { status: 'Synced', revision: 'abc' };
      status.conditions = [
        { type: 'ComparisonError', message: 'repository not found' },
      ];
    });
    await healthBecomes('Unhealthy', 'dev', h =>
      (h.message ?? '').includes(
        'ComparisonError condition: repository not found',
      ),
    );

    // Not reconciled since its last operation finished: Unknown.
    modifyStatus(status => {
      delete status.conditions;
      status.reconciledAt = '2025-12-31T00:00:00Z';
    });
    await healthBecomes('Unknown', 'dev', h =>
      (h.message ?? '').includes('was not reconciled'),
    );

    // The app goes: Unknown, naming it and its cluster.
    server.store.delete(
      server.store.resourceTypes.application,
      'argocd',
      'web',
      {
        manager: 'test',
      },
    );
    const missing = await healthBecomes('Unknown', 'dev', h =>
      (h.message ?? '').includes('was not found'),
    );
    expect(missing.message).toBe(
      `Argo CD Application argocd/web on cluster "${server.cluster.name}" was not found`,
    );

    // Back: Healthy. Every change was announced (a state may repeat with another message, e.g. Unknown while
    // promoting, then Unknown after that promotion failed, when an evaluation falls in between).
    deployWeb();
    await healthBecomes('Healthy');
    const announced = changes
      .filter(c => c.startsWith('dev:'))
      .filter((c, i, all) => i === 0 || all[i - 1] !== c);
    expect(announced).toEqual([
      'dev:NotApplicable',
      'dev:Unknown',
      'dev:Healthy',
      'dev:Progressing',
      'dev:Healthy',
      'dev:Unhealthy',
      'dev:Healthy',
      'dev:Unhealthy',
      'dev:Unknown',
      'dev:Healthy',
    ]);
  }, 30_000);

  it('links the apps of the argocd-context annotation without letting them change the stage’s health', async () => {
    server.store.put(
      applicationManifest({ name: 'prod-web', deployedRevisions: ['HEAD'] }),
    );
    await monitor.start();
    const prod = await healthBecomes('NotApplicable', 'prod', h =>
      h.applications.some(a => a.healthStatus === 'Healthy'),
    );
    expect(prod.applications).toEqual([
      expect.objectContaining({
        name: 'prod-web',
        status: 'NotApplicable',
        syncStatus: 'Synced',
        link: {
          url: 'https://argocd.example/applications/argocd/prod-web',
          title: 'simulated Argo CD',
        },
      }),
    ]);
  });

  it('reconnects a dropped watch, lists again after 410 Gone, and health recovers', async () => {
    deployWeb();
    await promotion('Succeeded', [webCheck()]);
    await monitor.start();
    await healthBecomes('Healthy');

    // The connection drops abruptly: the watch reconnects from its resourceVersion.
    server.dropWatches({ abrupt: true });
    await server.waitForWatches(1);
    setHealth('Degraded');
    await healthBecomes('Unhealthy');

    // While the watch is down the app changes and the history is compacted: the watch that comes back from its
    // old resourceVersion gets 410 Gone and lists again.
    server.setUnreachable(true);
    server.dropWatches({ abrupt: true });
    setHealth('Healthy');
    server.expireResourceVersions();
    server.clearRequests();
    server.setUnreachable(false);
    await healthBecomes('Healthy');
    await eventually(
      async () => server.requests.map(r => r.status),
      statuses => statuses.includes(200),
      'a successful request',
    );
    const watches = server.requests.filter(r => r.query.watch);
    const lists = server.requests.filter(
      r => r.method === 'GET' && !r.query.watch && r.status === 200,
    );
    expect(lists.length).toBeGreaterThan(0);
    expect(watches.length).toBeGreaterThan(0);
  }, 30_000);

  it('reports a cluster it cannot read as Unknown, and recovers when it can', async () => {
    deployWeb();
    await promotion('Succeeded', [webCheck()]);
    server.setUnreachable(true);
    await monitor.start();
    const unknown = await healthBecomes('Unknown', 'dev', h =>
      (h.message ?? '').includes('could not be reached'),
    );
    expect(unknown.message).toContain(`on cluster "${server.cluster.name}"`);
    expect(JSON.stringify(unknown)).not.toContain(server.token);
    server.setUnreachable(false);
    await healthBecomes('Healthy');
  }, 30_000);
});
