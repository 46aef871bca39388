import { AuditorService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  FreightRecord,
  FreightSelection,
  FreightView,
  Page,
} from '@kargo-portal/plugin-kargo-common';
import { WarehouseService } from '../warehouses/WarehouseService';
import { FreightQueries, FreightQueriesStore } from './FreightQueries';
import { DefinitionsReader, loadProject, requireStage } from './lookups';
import { ChangeOrigin, auditedChange } from './types';

/** What {@link FreightService} reads of the store. */
export type FreightServiceStore = FreightQueriesStore;

/** Options of {@link FreightService.create}. */
export interface FreightServiceOptions {
  stores: FreightServiceStore;
  definitions: DefinitionsReader;
  /** Makes freight from what a warehouse discovered. */
  warehouses: Pick<WarehouseService, 'createFromSelection'>;
  auditor: AuditorService;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

/**
 * Freight of a project: lists (all of it, or what a stage may receive now), single freight, and manual freight
 * made from artifacts a warehouse discovered. Permissions are checked by {@link AuthorizedFreightService}.
 */
export class FreightService {
  private readonly queries: FreightQueries;
  private readonly now: () => Date;

  static create(options: FreightServiceOptions): FreightService {
    return new FreightService(options);
  }

  private constructor(private readonly options: FreightServiceOptions) {
    this.queries = new FreightQueries(options.stores);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Freight newest first. `origins` narrows to those warehouses; `stage` to the freight that stage may receive
   * now (a `NotFoundError` when the project has no such stage).
   */
  async listFreight(request: {
    project: string;
    stage?: string;
    origins?: string[];
    limit: number;
    cursor?: string;
  }): Promise<Page<FreightView>> {
    const project = await loadProject(
      this.options.definitions,
      request.project,
    );
    const { origins, limit, cursor } = request;
    if (request.stage) {
      return this.queries.listEligible({
        project: project.name,
        stage: requireStage(project, request.stage),
        origins,
        limit,
        cursor,
        now: this.now(),
      });
    }
    return this.options.stores.freight.listFreight({
      project: project.name,
      origins,
      limit,
      cursor,
    });
  }

  /** A freight by id or alias, with its status and metadata. */
  async getFreight(request: {
    project: string;
    freight: string;
  }): Promise<FreightView> {
    const project = await loadProject(
      this.options.definitions,
      request.project,
    );
    const freight = await this.options.stores.freight.getFreight(
      project.name,
      request.freight,
    );
    if (!freight) {
      throw new NotFoundError(
        `Freight "${request.freight}" not found in Kargo project "${project.name}"`,
      );
    }
    return freight;
  }

  /**
   * Makes freight from artifacts the warehouse discovered, one per subscription (for Manual warehouses). Freight
   * with the same artifacts exists at most once: then it is returned with `created: false`.
   */
  async createManualFreight(request: {
    project: string;
    warehouse: string;
    selection: FreightSelection;
    origin: ChangeOrigin;
  }): Promise<{ freight: FreightRecord; created: boolean }> {
    const { project, warehouse, selection, origin } = request;
    await loadProject(this.options.definitions, project);
    return auditedChange(
      this.options.auditor,
      { eventId: 'freight-create', origin, meta: { project, warehouse } },
      async () => {
        const result = await this.options.warehouses.createFromSelection(
          project,
          warehouse,
          selection,
        );
        return {
          result,
          meta: { freight: result.freight.id, created: result.created },
        };
      },
    );
  }
}
