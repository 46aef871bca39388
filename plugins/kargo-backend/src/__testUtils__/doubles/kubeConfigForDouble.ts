/*
 * TEST DOUBLE SUPPORT: a `@kubernetes/client-node` KubeConfig for a cluster entry (such as the Kubernetes API
 * double's `cluster`), built with `loadFromOptions` as production code builds one from app-config: server URL,
 * CA data, bearer token. Nothing about the double is special-cased; overrides make a wrong token or CA.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesClusterDouble } from './kubernetesApiServer';

export function kubeConfigForDouble(
  cluster: KubernetesClusterDouble,
  overrides: { token?: string; caData?: string; skipTLSVerify?: boolean } = {},
): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.url,
        caData: overrides.caData ?? cluster.caData,
        skipTLSVerify: overrides.skipTLSVerify ?? false,
      },
    ],
    users: [
      {
        name: `${cluster.name}-user`,
        token: overrides.token ?? cluster.serviceAccountToken,
      },
    ],
    contexts: [
      {
        name: cluster.name,
        cluster: cluster.name,
        user: `${cluster.name}-user`,
      },
    ],
    currentContext: cluster.name,
  });
  return kubeConfig;
}
