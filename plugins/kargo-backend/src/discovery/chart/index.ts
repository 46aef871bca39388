export { discoverCharts } from './discoverCharts';
export type { ChartDiscoveryDeps } from './discoverCharts';
