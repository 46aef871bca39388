import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import {
  PromotionStepContext,
  PromotionStepResult,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import { applicationManifest } from '../../__testUtils__/doubles/argoCdApplications';
import { ArgoCdSimulator } from '../../__testUtils__/doubles/argoCdSimulator';
import {
  isJsonObject,
  Json,
} from '../../__testUtils__/doubles/kubernetesPatch';
import { KubernetesApiServerDouble } from '../../__testUtils__/doubles/kubernetesApiServer';
import { generateUnrelatedCaPem } from '../../__testUtils__/doubles/kubernetesTls';
import { kargoTestDatabases } from '../../__testUtils__/databases';
import {
  promotionCatalog,
  promotionTestBed,
} from '../../__testUtils__/promotionFixtures';
import { createStepContext } from '../../__testUtils__/stepContext';
import { ArgoCdClusters } from '../../argocd/ArgoCdClusters';
import { ArgoCdUpdateConfig, createArgoCdUpdateStep } from './argocd-update';

const REPO = 'https://github.com/example/deploy.git';
const databases = kargoTestDatabases();

function operationStateOf(status: unknown): { [key: string]: Json } {
  const state = isJsonObject(status) ? status.operationState : undefined;
  return isJsonObject(state) ? { ...state } : {};
}

describe('argocd-update', () => {
  let server: KubernetesApiServerDouble;
  let simulator: ArgoCdSimulator;

  beforeAll(async () => {
    server = await KubernetesApiServerDouble.start({ bookmarkIntervalMs: 0 });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    const apps = server.store.resourceTypes.application;
    for (const app of server.store.list(apps)) {
      server.store.delete(apps, 'argocd', app.metadata.name, {
        manager: 'test',
      });
    }
    simulator = new ArgoCdSimulator({ store: server.store });
    server.clearRequests();
  });

  function clusters(
    overrides: Record<string, unknown> = {},
    requestTimeoutMs = 2_000,
  ): ArgoCdClusters {
    return ArgoCdClusters.fromConfig(
      new ConfigReader({
        kargo: {
          argocd: { clusters: [{ ...server.cluster, ...overrides }] },
        },
      }),
      { requestTimeoutMs },
    );
  }

  function stepWith(
    argo: ArgoCdClusters = clusters(),
  ): PromotionStepRunner<ArgoCdUpdateConfig> {
    return createArgoCdUpdateStep({ clusters: () => argo, pollIntervalMs: 10 });
  }

  const context = (overrides: Partial<PromotionStepContext> = {}) =>
    createStepContext({ actor: 'user:default/alice', ...overrides });

  const run = (
    step: PromotionStepRunner<ArgoCdUpdateConfig>,
    config: unknown,
    ctx: PromotionStepContext = context(),
  ): Promise<PromotionStepResult> => step.run(ctx, step.parseConfig(config));

  /** Runs the step until it is no longer Running, letting the simulator settle in between. */
  async function runToEnd(
    step: PromotionStepRunner<ArgoCdUpdateConfig>,
    config: unknown,
    ctx: PromotionStepContext = context(),
  ): Promise<PromotionStepResult> {
    for (let runs = 0; runs < 10; runs++) {
      const result = await run(step, config, ctx);
      if (result.status !== 'Running') return result;
      simulator.settle();
    }
    throw new Error('the step kept running');
  }

  const patches = () =>
    server.requests.filter(
      request => request.method === 'PATCH' && request.status < 300,
    );
  const app = (name: string) =>
    server.store.get(server.store.resourceTypes.application, 'argocd', name);

  it('updates a named app’s source, syncs it with the promotion’s actor and waits for the sync', async () => {
    server.store.put(
      applicationManifest({
        name: 'web',
        authorizedStage: 'other:prod, demo:test',
        source: { repoURL: REPO, path: 'web', targetRevision: 'main' },
        deployedRevisions: ['main'],
      }),
    );
    simulator.settle();
    const step = stepWith();
    const config = {
      apps: [
        {
          name: 'web',
          sources: [
            {
              repoURL: 'https://GitHub.com/example/deploy/',
              desiredRevision: 'abc123',
              updateTargetRevision: true,
            },
          ],
        },
      ],
    };

    const first = await run(step, config);
    expect(first.status).toBe('Running');
    expect(first.message).toContain(
      'Argo CD Application argocd/web on cluster "kubernetes-double"',
    );
    expect(patches()).toHaveLength(1);
    const body = patches()[0].body;
    expect(body).toMatchObject({
      metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } },
      spec: { source: { targetRevision: 'abc123' } },
      operation: {
        initiatedBy: { username: 'user:default/alice' },
        sync: { revision: 'abc123' },
        info: expect.arrayContaining([
          {
            name: 'kargo.akuity.io/promotion',
            value: 'test.01j0000000000000000000000.abcdef0',
          },
        ]),
      },
    });

    // Run again before the controller moved (as after a crash): the sync is not requested twice.
    expect((await run(step, config)).status).toBe('Running');
    expect(patches()).toHaveLength(1);

    const result = await runToEnd(step, config);
    expect(result.status).toBe('Succeeded');
    expect(patches()).toHaveLength(1);
    expect(app('web')?.status).toMatchObject({
      sync: { status: 'Synced', revision: 'abc123' },
    });
    // Its health check, as Kargo's: the app and the revision each source must be synced to.
    expect(result.healthCheck).toEqual({
      uses: 'argocd-update',
      config: {
        apps: [
          {
            name: 'web',
            namespace: 'argocd',
            cluster: 'kubernetes-double',
            desiredRevisions: ['abc123'],
          },
        ],
      },
    });
  });

  it('updates only the authorized apps of a selector', async () => {
    for (const [name, stage] of [
      ['a', 'demo:test'],
      ['b', 'demo:prod'],
      ['c', 'demo:*'],
      ['d', 'demo:test'],
    ]) {
      server.store.put(
        applicationManifest({
          name,
          labels: { team: 'shop' },
          authorizedStage: stage,
        }),
      );
    }
    server.store.put(
      applicationManifest({ name: 'e', labels: { team: 'other' } }),
    );
    simulator.settle();
    const ctx = context();
    const result = await runToEnd(
      stepWith(),
      { apps: [{ selector: { matchLabels: { team: 'shop' } } }] },
      ctx,
    );
    expect(result.status).toBe('Succeeded');
    expect(
      patches()
        .map(request => request.path)
        .sort(),
    ).toEqual([
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/a',
      '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/d',
    ]);
    expect(ctx.log.warn.join('\n')).toContain(
      'skipping Argo CD Application argocd/b on cluster "kubernetes-double"',
    );
  });

  it('refuses a selector without an authorized app and a named unauthorized app, patching nothing', async () => {
    server.store.put(
      applicationManifest({
        name: 'web',
        labels: { team: 'shop' },
        authorizedStage: 'demo:prod',
      }),
    );
    server.store.put(applicationManifest({ name: 'bare' }));
    await expect(
      run(stepWith(), {
        apps: [{ selector: { matchLabels: { team: 'shop' } } }],
      }),
    ).rejects.toThrow(
      'no Argo CD Application in argocd on cluster "kubernetes-double" matching "team=shop" is authorized for stage demo:test (1 matched)',
    );
    await expect(run(stepWith(), { apps: [{ name: 'bare' }] })).rejects.toThrow(
      'Argo CD Application argocd/bare on cluster "kubernetes-double" is not authorized for stage demo:test',
    );
    await expect(
      run(stepWith(), { apps: [{ name: 'missing' }] }),
    ).rejects.toThrow(
      'Argo CD Application argocd/missing on cluster "kubernetes-double" was not found',
    );
    expect(patches()).toHaveLength(0);
  });

  it('touches no app when one of them cannot take its source updates', async () => {
    server.store.put(
      applicationManifest({ name: 'a', authorizedStage: 'demo:test' }),
    );
    server.store.put(
      applicationManifest({ name: 'b', authorizedStage: 'demo:test' }),
    );
    await expect(
      run(stepWith(), {
        apps: [
          { name: 'a', sources: [{ repoURL: REPO, desiredRevision: 'x' }] },
          {
            name: 'b',
            sources: [{ repoURL: 'https://github.com/example/other.git' }],
          },
        ],
      }),
    ).rejects.toThrow(
      'Argo CD Application argocd/b on cluster "kubernetes-double": no source of the app has repoURL https://github.com/example/other.git; no app was changed',
    );
    expect(patches()).toHaveLength(0);
  });

  it('updates a multi-source app matched by repoURL and chart: Kustomize images and Helm parameters', async () => {
    server.store.put(
      applicationManifest({
        name: 'multi',
        authorizedStage: 'demo:test',
        sources: [
          {
            repoURL: 'https://charts.example.com',
            chart: 'shop',
            targetRevision: '1.0.0',
            helm: { parameters: [{ name: 'image.tag', value: '1' }] },
          },
          {
            repoURL: REPO,
            path: 'overlays/test',
            targetRevision: 'main',
            kustomize: { images: ['ghcr.io/example/shop:1', 'redis:7'] },
          },
        ],
      }),
    );
    const result = await runToEnd(stepWith(), {
      apps: [
        {
          name: 'multi',
          sources: [
            {
              repoURL: 'https://charts.example.com/',
              chart: 'shop',
              desiredRevision: '1.1.0',
              updateTargetRevision: true,
              helm: { images: [{ key: 'image.tag', value: '2' }] },
            },
            {
              repoURL: 'git@github.com:example/deploy.git',
              kustomize: {
                images: [{ repoURL: 'ghcr.io/example/shop', tag: '2' }],
              },
            },
          ],
        },
      ],
    });
    expect(result.status).toBe('Succeeded');
    expect(patches()[0].body).toMatchObject({
      spec: {
        sources: [
          {
            targetRevision: '1.1.0',
            helm: { parameters: [{ name: 'image.tag', value: '2' }] },
          },
          { kustomize: { images: ['ghcr.io/example/shop:2', 'redis:7'] } },
        ],
      },
      operation: { sync: { revisions: ['1.1.0', 'main'] } },
    });
  });

  it('reads the app again and retries when its patch answers 409', async () => {
    server.store.put(
      applicationManifest({ name: 'web', authorizedStage: 'demo:test' }),
    );
    server.failNextRequests({ method: 'PATCH', code: 409, times: 2 });
    const ctx = context();
    expect(
      (await run(stepWith(), { apps: [{ name: 'web' }] }, ctx)).status,
    ).toBe('Running');
    expect(
      server.requests.filter(request => request.method === 'PATCH'),
    ).toHaveLength(3);
    expect(patches()).toHaveLength(1);
    expect(app('web')?.operation).toBeDefined();
    expect(ctx.log.info.join('\n')).toContain('reading it again');
  });

  it('ends Errored when the sync fails, naming the app and the cluster', async () => {
    server.store.put(
      applicationManifest({ name: 'web', authorizedStage: 'demo:test' }),
    );
    simulator.configure('web', { failWith: 'Failed', failMessage: 'boom' });
    await expect(
      runToEnd(stepWith(), { apps: [{ name: 'web' }] }),
    ).rejects.toThrow(
      'Argo CD Application argocd/web on cluster "kubernetes-double": the sync ended Failed: boom',
    );
  });

  it('syncs again when the sync reached another revision', async () => {
    server.store.put(
      applicationManifest({ name: 'web', authorizedStage: 'demo:test' }),
    );
    const config = {
      apps: [
        { name: 'web', sources: [{ repoURL: REPO, desiredRevision: 'abc' }] },
      ],
    };
    const step = stepWith();
    expect((await run(step, config)).status).toBe('Running');
    simulator.settle();
    server.store.modify(
      server.store.resourceTypes.application,
      'argocd',
      'web',
      'test',
      object => {
        object.status = {
          ...(isJsonObject(object.status) ? object.status : {}),
          operationState: {
            ...operationStateOf(object.status),
            syncResult: { revision: 'old' },
          },
        };
      },
    );
    const ctx = context();
    expect((await run(step, config, ctx)).status).toBe('Running');
    expect(ctx.log.warn.join('\n')).toContain('wanted abc, synced old');
    expect(patches()).toHaveLength(2);
    expect((await runToEnd(step, config)).status).toBe('Succeeded');
  });

  it('waits out an operation someone else started before syncing', async () => {
    server.store.put(
      applicationManifest({ name: 'web', authorizedStage: 'demo:test' }),
    );
    server.store.modify(
      server.store.resourceTypes.application,
      'argocd',
      'web',
      'test',
      object => {
        object.operation = {
          sync: { revision: 'HEAD' },
          initiatedBy: { username: 'bob' },
        };
      },
    );
    const first = await run(stepWith(), { apps: [{ name: 'web' }] });
    expect(first.message).toContain('not started by this promotion');
    expect(patches()).toHaveLength(0);
    simulator.settle();
    expect(
      (await runToEnd(stepWith(), { apps: [{ name: 'web' }] })).status,
    ).toBe('Succeeded');
    expect(patches()).toHaveLength(1);
  });

  describe('cluster faults', () => {
    beforeEach(() => {
      server.store.put(
        applicationManifest({ name: 'web', authorizedStage: 'demo:test' }),
      );
    });

    it('reports a missing app, naming it and its cluster', async () => {
      await expect(
        run(stepWith(), { apps: [{ name: 'ghost' }] }),
      ).rejects.toThrow(
        'Argo CD Application argocd/ghost on cluster "kubernetes-double" was not found',
      );
    });

    it('ends the promotion Errored, naming the app and the cluster, when the API server is too slow', async () => {
      const bed = await promotionTestBed(await databases.init('SQLITE_3'));
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-argocd-'));
      server.setLatency(2_000);
      try {
        const promotion = await bed.promote('test');
        const started = Date.now();
        await bed
          .worker({
            catalog: promotionCatalog({
              stages: {
                test: [
                  {
                    uses: 'argocd-update',
                    config: { apps: [{ name: 'web' }] },
                  },
                ],
              },
            }),
            steps: [
              createArgoCdUpdateStep({
                clusters: () => clusters({}, 300),
                pollIntervalMs: 10,
              }),
            ],
            workDir,
          })
          .runOnce();
        const done = await bed.promotion(promotion.id);
        expect(done.phase).toBe('Errored');
        expect(done.steps[0].message).toContain(
          'reading Argo CD Application argocd/web on cluster "kubernetes-double": no answer within 300 ms',
        );
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        server.setLatency(0);
        fs.rmSync(workDir, { recursive: true, force: true });
      }
    });

    it('refuses an unknown cluster, naming it', async () => {
      await expect(
        run(stepWith(), { apps: [{ name: 'web', cluster: 'elsewhere' }] }),
      ).rejects.toThrow(
        'Argo CD Application web: unknown Argo CD cluster "elsewhere" (configured: kubernetes-double)',
      );
    });

    it('reports a refused token without the token', async () => {
      const error = await run(
        stepWith(clusters({ serviceAccountToken: 'wrong-token-123' })),
        { apps: [{ name: 'web' }] },
      ).catch((e: Error) => e);
      expect(String(error)).toContain(
        'reading Argo CD Application argocd/web on cluster "kubernetes-double": the API server answered 401',
      );
      expect(String(error)).not.toContain('wrong-token-123');
      expect(String(error)).not.toContain(server.cluster.serviceAccountToken);
    });

    it('does not trust a server whose CA is not the configured one', async () => {
      const caData = Buffer.from(await generateUnrelatedCaPem()).toString(
        'base64',
      );
      await expect(
        run(stepWith(clusters({ caData })), { apps: [{ name: 'web' }] }),
      ).rejects.toThrow(/on cluster "kubernetes-double": .*TLS certificate/);
      expect(patches()).toHaveLength(0);
    });

    it('bounds a hanging server by the request timeout and by the step’s signal', async () => {
      server.setHanging(true);
      try {
        const started = Date.now();
        await expect(
          run(stepWith(clusters({}, 300)), { apps: [{ name: 'web' }] }),
        ).rejects.toThrow(
          'reading Argo CD Application argocd/web on cluster "kubernetes-double": no answer within 300 ms',
        );
        const aborted = new AbortController();
        setTimeout(() => aborted.abort(), 200);
        await expect(
          run(
            stepWith(clusters({}, 60_000)),
            { apps: [{ name: 'web' }] },
            context({ signal: aborted.signal }),
          ),
        ).rejects.toThrow(
          'on cluster "kubernetes-double": the step was stopped',
        );
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        server.setHanging(false);
      }
    });
  });

  it('has Kargo’s default timeout of 5 minutes', () => {
    expect(stepWith().defaultTimeoutMs).toBe(300_000);
  });
});
