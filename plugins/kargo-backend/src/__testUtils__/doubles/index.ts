/**
 * Test doubles of the Kargo Portal backend, for other packages' tests, browser tests and the demo: the Kubernetes
 * API server double (server-side apply with field managers), the Argo CD controller simulator and a
 * `@kubernetes/client-node` KubeConfig for the double. They live here; this index only
 * exports them (`@kargo-portal/plugin-kargo-backend/testUtils`). Never for production use.
 *
 * @packageDocumentation
 */

export {
  KubernetesApiServerDouble,
  type KubernetesApiServerOptions,
  type KubernetesClusterDouble,
  type RecordedKubernetesRequest,
  type InjectedFailure,
} from './kubernetesApiServer';
export {
  ArgoCdSimulator,
  type ArgoCdSimulatorOptions,
  type ArgoCdAppSwitches,
  ARGOCD_CONTROLLER_MANAGER,
} from './argoCdSimulator';
export {
  ArgoCdApplicationSetController,
  type ArgoCdApplicationSetControllerOptions,
  APPLICATIONSET_CONTROLLER_MANAGER,
} from './argoCdApplicationSetController';
export { kubeConfigForDouble } from './kubeConfigForDouble';
