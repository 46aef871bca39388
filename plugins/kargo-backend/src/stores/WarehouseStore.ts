import {
  DiscoveredArtifacts,
  WarehouseStatus,
} from '@kargo-portal/plugin-kargo-common';

/** The runtime state of warehouses: refresh requests and discovery results. */
export interface WarehouseStore {
  requestRefresh(options: {
    project: string;
    warehouse: string;
    actor: string;
    at: Date;
  }): Promise<WarehouseStatus>;
  /**
   * Records a discovery attempt: what it found and when, and why it failed if it did. A failed discovery
   * without results keeps the last good result, so users can still create freight from it.
   */
  recordDiscovery(options: {
    project: string;
    warehouse: string;
    at: Date;
    result: { discovered?: DiscoveredArtifacts; error?: string };
  }): Promise<WarehouseStatus>;
  getWarehouse(
    project: string,
    warehouse: string,
  ): Promise<WarehouseStatus | undefined>;
  listWarehouses(project: string): Promise<WarehouseStatus[]>;
}
