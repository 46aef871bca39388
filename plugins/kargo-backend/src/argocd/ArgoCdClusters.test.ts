import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { applicationManifest } from '../__testUtils__/doubles/argoCdApplications';
import { KubernetesApiServerDouble } from '../__testUtils__/doubles/kubernetesApiServer';
import { ArgoCdClusters } from './ArgoCdClusters';

describe('ArgoCdClusters', () => {
  let server: KubernetesApiServerDouble;

  beforeAll(async () => {
    server = await KubernetesApiServerDouble.start({ bookmarkIntervalMs: 0 });
    server.store.put(
      applicationManifest({ name: 'web', authorizedStage: 'demo:test' }),
    );
  });
  afterAll(() => server.close());

  /** The double's cluster as a config entry. */
  function clusterEntry(): { [key: string]: string } {
    const { name, url, authProvider, serviceAccountToken, caData } =
      server.cluster;
    return { name, url, authProvider, serviceAccountToken, caData };
  }

  it('uses the Kubernetes plugin’s configured clusters without repeating them', async () => {
    const clusters = ArgoCdClusters.fromConfig(
      new ConfigReader({
        kubernetes: {
          clusterLocatorMethods: [
            { type: 'catalog' },
            {
              type: 'config',
              clusters: [
                clusterEntry(),
                { name: 'oidc', url: 'https://x', authProvider: 'oidc' },
              ],
            },
          ],
        },
      }),
    );
    expect(clusters.names).toEqual(['kubernetes-double']);
    expect(clusters.defaultCluster).toBe('kubernetes-double');
    expect(clusters.namespace).toBe('argocd');
    const app = await clusters.client().get('argocd', 'web');
    expect(app?.metadata.name).toBe('web');
  });

  it('reads kargo.argocd: default cluster, namespace, UI URL, a CA file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'argocd-ca-'));
    try {
      const caFile = path.join(dir, 'ca.pem');
      fs.writeFileSync(caFile, server.caCertificate);
      const { caData: _unused, ...withoutCaData } = clusterEntry();
      const clusters = ArgoCdClusters.fromConfig(
        new ConfigReader({
          kargo: {
            argocd: {
              defaultCluster: 'second',
              namespace: 'gitops',
              url: 'https://argocd.example.com/',
              clusters: [
                clusterEntry(),
                { ...withoutCaData, name: 'second', caFile },
              ],
            },
          },
        }),
      );
      expect(clusters.defaultCluster).toBe('second');
      expect(clusters.namespace).toBe('gitops');
      expect(clusters.url).toBe('https://argocd.example.com');
      expect(clusters.applicationUrl('argocd', 'web')).toBe(
        'https://argocd.example.com/applications/argocd/web',
      );
      expect(
        (await clusters.client().get('argocd', 'web'))?.metadata.name,
      ).toBe('web');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips TLS verification only for the cluster that asks for it', async () => {
    const { caData: _unused, ...withoutCaData } = clusterEntry();
    const clusters = ArgoCdClusters.fromConfig(
      new ConfigReader({
        kargo: {
          argocd: {
            defaultCluster: 'trusting',
            clusters: [
              { ...withoutCaData, name: 'trusting', skipTLSVerify: true },
              { ...withoutCaData, name: 'verifying' },
            ],
          },
        },
      }),
    );
    expect(
      (await clusters.client('trusting').get('argocd', 'web'))?.metadata.name,
    ).toBe('web');
    await expect(
      clusters.client('verifying').get('argocd', 'web'),
    ).rejects.toThrow(
      /on cluster "verifying": the server's TLS certificate is not trusted/,
    );
  });

  it('refuses an unknown default cluster, a cluster without a token and an unknown cluster', () => {
    expect(() =>
      ArgoCdClusters.fromConfig(
        new ConfigReader({
          kargo: {
            argocd: { defaultCluster: 'nope', clusters: [clusterEntry()] },
          },
        }),
      ),
    ).toThrow('kargo.argocd.defaultCluster names the cluster "nope"');
    expect(() =>
      ArgoCdClusters.fromConfig(
        new ConfigReader({
          kargo: { argocd: { clusters: [{ name: 'a', url: 'https://a' }] } },
        }),
      ),
    ).toThrow('Argo CD cluster "a" needs authProvider serviceAccount');
    const none = ArgoCdClusters.fromConfig(new ConfigReader({}));
    expect(() => none.client()).toThrow('no Argo CD cluster is configured');
    expect(() => none.client('x')).toThrow(
      'unknown Argo CD cluster "x" (configured: none)',
    );
  });
});
