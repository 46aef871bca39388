import { Knex } from 'knex';
import {
  DiscoveredArtifacts,
  WarehouseStatus,
} from '@kargo-portal/plugin-kargo-common';
import { WarehouseStore } from '../stores/WarehouseStore';
import { warehouseFromRow } from './mappers';
import { WarehouseRow } from './tables';
import { toDbTime } from './time';

/** The {@link WarehouseStore} on the plugin's database. */
export class DatabaseWarehouseStore implements WarehouseStore {
  /** On a migrated database. */
  static create(options: { knex: Knex }): DatabaseWarehouseStore {
    return new DatabaseWarehouseStore(options.knex);
  }

  private constructor(private readonly db: Knex) {}

  async requestRefresh(options: {
    project: string;
    warehouse: string;
    actor: string;
    at: Date;
  }): Promise<WarehouseStatus> {
    const values = {
      refresh_requested_at: toDbTime(options.at),
      refresh_requested_by: options.actor,
    };
    await this.db('kargo_warehouses')
      .insert({ project: options.project, name: options.warehouse, ...values })
      .onConflict(['project', 'name'])
      .merge(Object.keys(values));
    const row: WarehouseRow = await this.db('kargo_warehouses')
      .where({ project: options.project, name: options.warehouse })
      .first();
    return warehouseFromRow(row);
  }

  /**
   * Records a discovery attempt: what it found and when, and why it failed if it did. A failed discovery
   * without results keeps the last good result, so users can still create freight from it.
   */
  async recordDiscovery(options: {
    project: string;
    warehouse: string;
    at: Date;
    result: { discovered?: DiscoveredArtifacts; error?: string };
  }): Promise<WarehouseStatus> {
    const at = toDbTime(options.at);
    const { discovered, error } = options.result;
    const values = {
      last_attempt_at: at,
      last_error: error ?? null,
      last_error_at: error ? at : null,
      ...(discovered
        ? { last_discovery_at: at, discovered: JSON.stringify(discovered) }
        : {}),
    };
    await this.db('kargo_warehouses')
      .insert({ project: options.project, name: options.warehouse, ...values })
      .onConflict(['project', 'name'])
      .merge(Object.keys(values));
    return (await this.getWarehouse(options.project, options.warehouse))!;
  }

  async getWarehouse(
    project: string,
    warehouse: string,
  ): Promise<WarehouseStatus | undefined> {
    const row: WarehouseRow | undefined = await this.db('kargo_warehouses')
      .where({ project, name: warehouse })
      .first();
    return row && warehouseFromRow(row);
  }

  async listWarehouses(project: string): Promise<WarehouseStatus[]> {
    const rows: WarehouseRow[] = await this.db('kargo_warehouses')
      .where({ project })
      .orderBy('name');
    return rows.map(warehouseFromRow);
  }
}
