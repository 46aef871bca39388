import { ConfigReader } from '@backstage/config';
import {
  PromotionStepResult,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import { applicationManifest } from '../../__testUtils__/doubles/argoCdApplications';
import { ArgoCdSimulator } from '../../__testUtils__/doubles/argoCdSimulator';
import { KubernetesApiServerDouble } from '../../__testUtils__/doubles/kubernetesApiServer';
import { createStepContext } from '../../__testUtils__/stepContext';
import { ArgoCdClusters } from '../../argocd/ArgoCdClusters';
import { ArgoCdWaitConfig, createArgoCdWaitStep } from './argocd-wait';

describe('argocd-wait', () => {
  let server: KubernetesApiServerDouble;
  let simulator: ArgoCdSimulator;
  let step: PromotionStepRunner<ArgoCdWaitConfig>;

  beforeAll(async () => {
    server = await KubernetesApiServerDouble.start({ bookmarkIntervalMs: 0 });
    const { name, url, serviceAccountToken, caData } = server.cluster;
    const clusters = ArgoCdClusters.fromConfig(
      new ConfigReader({
        kargo: {
          argocd: {
            url: 'https://argocd.example.com',
            clusters: [{ name, url, serviceAccountToken, caData }],
          },
        },
      }),
    );
    step = createArgoCdWaitStep({
      clusters: () => clusters,
      pollIntervalMs: 10,
    });
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
  });

  const run = (config: unknown): Promise<PromotionStepResult> =>
    step.run(createStepContext(), step.parseConfig(config));

  /** Starts a sync of `name` as someone else would. */
  const sync = (name: string) =>
    server.store.modify(
      server.store.resourceTypes.application,
      'argocd',
      name,
      'test',
      object => {
        object.operation = { sync: {}, initiatedBy: { username: 'bob' } };
      },
    );

  it('waits for health by default, through a sync', async () => {
    server.store.put(applicationManifest({ name: 'web' }));
    simulator.settle();
    sync('web');
    simulator.step();
    const running = await run({ apps: [{ name: 'web' }] });
    expect(running.status).toBe('Running');
    expect(running.message).toBe(
      'Argo CD Application argocd/web on cluster "kubernetes-double": health is Missing',
    );
    simulator.settle();
    const done = await run({ apps: [{ name: 'web' }] });
    expect(done).toMatchObject({
      status: 'Succeeded',
      output: {
        apps: [
          {
            cluster: 'kubernetes-double',
            namespace: 'argocd',
            name: 'web',
            health: 'Healthy',
            sync: 'Synced',
            revision: 'HEAD',
            url: 'https://argocd.example.com/applications/argocd/web',
          },
        ],
      },
    });
  });

  it('waits for sync and the end of an operation of apps selected by labels', async () => {
    server.store.put(
      applicationManifest({ name: 'a', labels: { team: 'shop' } }),
    );
    server.store.put(
      applicationManifest({
        name: 'b',
        labels: { team: 'shop' },
        deployedRevisions: ['HEAD'],
      }),
    );
    simulator.settle();
    sync('a');
    simulator.step();
    const config = {
      apps: [{ selector: { matchLabels: { team: 'shop' } } }],
      waitFor: ['sync', 'operation'],
    };
    const running = await run(config);
    expect(running.message).toContain(
      'argocd/a on cluster "kubernetes-double": sync is OutOfSync, an operation is in progress',
    );
    expect(running.message).not.toContain('argocd/b');
    simulator.settle();
    expect((await run(config)).status).toBe('Succeeded');
  });

  it('waits for degraded or suspended health when asked', async () => {
    server.store.put(applicationManifest({ name: 'web' }));
    simulator.configure('web', { degraded: 'crash loop' });
    sync('web');
    simulator.settle();
    expect(
      (await run({ apps: [{ name: 'web' }], waitFor: 'degraded' })).status,
    ).toBe('Succeeded');
    const healthy = await run({ apps: [{ name: 'web' }] });
    expect(healthy.message).toContain('health is Degraded (crash loop)');
    expect(
      (await run({ apps: [{ name: 'web' }], waitFor: 'suspended' })).message,
    ).toContain('health is Degraded, not Suspended');
  });

  it('errors on a missing app, an empty selector and an unknown cluster', async () => {
    await expect(run({ apps: [{ name: 'nope' }] })).rejects.toThrow(
      'Argo CD Application argocd/nope on cluster "kubernetes-double" was not found',
    );
    await expect(
      run({ apps: [{ selector: { matchLabels: { team: 'x' } } }] }),
    ).rejects.toThrow('matches "team=x"');
    await expect(
      run({ apps: [{ name: 'web', cluster: 'far' }] }),
    ).rejects.toThrow('unknown Argo CD cluster "far"');
    expect(() =>
      step.parseConfig({ apps: [{ name: 'web' }], waitFor: 'ready' }),
    ).toThrow();
  });
});
