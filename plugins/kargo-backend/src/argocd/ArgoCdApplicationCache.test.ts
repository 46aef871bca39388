import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { applicationManifest } from '../__testUtils__/doubles/argoCdApplications';
import { KubernetesApiServerDouble } from '../__testUtils__/doubles/kubernetesApiServer';
import { ArgoCdApplicationCache } from './ArgoCdApplicationCache';
import { ArgoCdClusters } from './ArgoCdClusters';

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

describe('ArgoCdApplicationCache', () => {
  let server: KubernetesApiServerDouble;
  beforeAll(async () => {
    server = await KubernetesApiServerDouble.start({
      bookmarkIntervalMs: 0,
      namespaces: ['argocd', 'team-a'],
    });
  });
  afterAll(() => server.close());

  it('watches only the namespaces it is asked to, on configured clusters, and stops the others', async () => {
    server.store.put(applicationManifest({ name: 'web' }));
    server.store.put(applicationManifest({ name: 'api', namespace: 'team-a' }));
    const cache = new ArgoCdApplicationCache({
      clusters: ArgoCdClusters.fromConfig(
        new ConfigReader({
          kargo: { argocd: { clusters: [{ ...server.cluster }] } },
        }),
      ),
      logger: mockServices.logger.mock(),
    });
    const changed: string[] = [];
    cache.onChange((target, name) =>
      changed.push(`${target.namespace}/${name ?? '*'}`),
    );
    const argocd = { cluster: server.cluster.name, namespace: 'argocd' };
    const teamA = { cluster: server.cluster.name, namespace: 'team-a' };
    try {
      cache.track([argocd, { cluster: 'elsewhere', namespace: 'argocd' }]);
      await until(() => cache.view(argocd)?.synced === true, 'the list');
      await server.waitForWatches(1);
      expect(cache.view(argocd)?.get('web')?.metadata.name).toBe('web');
      expect(cache.view(argocd)?.get('api')).toBeUndefined();
      expect(cache.watched).toEqual([argocd]);

      cache.track([teamA]);
      await until(() => cache.view(teamA)?.synced === true, 'team-a');
      expect(cache.view(argocd)).toBeUndefined();
      await until(() => server.openWatches === 1, 'one watch left');
      expect(cache.view(teamA)?.get('api')?.metadata.name).toBe('api');
      expect(changed).toEqual(['argocd/*', 'team-a/*']);
    } finally {
      await cache.stop();
    }
    await until(() => server.openWatches === 0, 'no watch left');
  });
});
