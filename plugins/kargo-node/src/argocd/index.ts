export {
  readArgoCdSettings,
  kubeConfigForArgoCdCluster,
} from './argoCdClusterConfig';
export type {
  ArgoCdClusterConfig,
  ArgoCdSettings,
} from './argoCdClusterConfig';
