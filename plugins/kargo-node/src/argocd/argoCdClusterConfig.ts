import fs from 'node:fs';
import { Config } from '@backstage/config';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A cluster Argo CD runs on, as configured in `kargo.argocd.clusters` or the Kubernetes plugin's clusters. Holds
 * the service account token: keep it inside the code that talks to the cluster, never log or return it.
 *
 * @public
 */
export interface ArgoCdClusterConfig {
  name: string;
  url: string;
  serviceAccountToken: string;
  caData?: string;
  skipTLSVerify: boolean;
}

/**
 * The `kargo.argocd` settings: clusters by name, the default cluster, the Argo CD namespace and UI URL.
 *
 * @public
 */
export interface ArgoCdSettings {
  clusters: Map<string, ArgoCdClusterConfig>;
  /** The cluster used when none is named: `kargo.argocd.defaultCluster`, or the only configured cluster. */
  defaultCluster: string | undefined;
  /** `kargo.argocd.namespace`, default `argocd`. */
  namespace: string;
  /** `kargo.argocd.url` without trailing slashes. */
  url: string | undefined;
}

/**
 * Reads `kargo.argocd` and, when present, the Kubernetes plugin's `kubernetes.clusterLocatorMethods` of type
 * `config` (a cluster configured in both places is taken from `kargo.argocd.clusters`). Shared by the backend's
 * `argocd-update` step and the scaffolder actions, so that both reach the same clusters.
 *
 * @public
 */
export function readArgoCdSettings(config: Config): ArgoCdSettings {
  const clusters = new Map<string, ArgoCdClusterConfig>();
  for (const method of config.getOptionalConfigArray(
    'kubernetes.clusterLocatorMethods',
  ) ?? []) {
    if (method.getOptionalString('type') !== 'config') continue;
    for (const entry of method.getOptionalConfigArray('clusters') ?? []) {
      const cluster = readCluster(entry, { lenient: true });
      if (cluster) clusters.set(cluster.name, cluster);
    }
  }
  for (const entry of config.getOptionalConfigArray('kargo.argocd.clusters') ??
    []) {
    const cluster = readCluster(entry, { lenient: false });
    if (cluster) clusters.set(cluster.name, cluster);
  }
  const defaultCluster =
    config.getOptionalString('kargo.argocd.defaultCluster') ??
    (clusters.size === 1 ? [...clusters.keys()][0] : undefined);
  if (defaultCluster !== undefined && !clusters.has(defaultCluster)) {
    throw new Error(
      `kargo.argocd.defaultCluster names the cluster "${defaultCluster}", which is not configured in kargo.argocd.clusters or kubernetes.clusterLocatorMethods`,
    );
  }
  return {
    clusters,
    defaultCluster,
    namespace: config.getOptionalString('kargo.argocd.namespace') ?? 'argocd',
    url: config.getOptionalString('kargo.argocd.url')?.replace(/\/+$/, ''),
  };
}

/**
 * A `@kubernetes/client-node` KubeConfig for one cluster: its URL, CA and token; `skipTLSVerify` applies to this
 * cluster only.
 *
 * @public
 */
export function kubeConfigForArgoCdCluster(
  cluster: ArgoCdClusterConfig,
): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.url,
        caData: cluster.caData,
        skipTLSVerify: cluster.skipTLSVerify,
      },
    ],
    users: [{ name: cluster.name, token: cluster.serviceAccountToken }],
    contexts: [
      { name: cluster.name, cluster: cluster.name, user: cluster.name },
    ],
    currentContext: cluster.name,
  });
  return kubeConfig;
}

/**
 * One cluster entry. From the Kubernetes plugin's config (`lenient`), entries this backend cannot use (another
 * auth provider, no token) are left out; in `kargo.argocd.clusters` they are errors.
 */
function readCluster(
  entry: Config,
  { lenient }: { lenient: boolean },
): ArgoCdClusterConfig | undefined {
  const name = entry.getString('name');
  const authProvider =
    entry.getOptionalString('authProvider') ?? 'serviceAccount';
  const token = entry.getOptionalString('serviceAccountToken');
  if (authProvider !== 'serviceAccount' || !token) {
    if (lenient) return undefined;
    throw new Error(
      `Argo CD cluster "${name}" needs authProvider serviceAccount and a serviceAccountToken`,
    );
  }
  const caFile = entry.getOptionalString('caFile');
  let caData = entry.getOptionalString('caData');
  if (!caData && caFile) {
    caData = fs.readFileSync(caFile).toString('base64');
  }
  return {
    name,
    url: entry.getString('url'),
    serviceAccountToken: token,
    caData,
    skipTLSVerify: entry.getOptionalBoolean('skipTLSVerify') ?? false,
  };
}
