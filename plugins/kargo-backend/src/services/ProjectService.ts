import { AuditorService } from '@backstage/backend-plugin-api';
import {
  DefinitionSourceStatus,
  Pipeline,
  StageHealth,
} from '@kargo-portal/plugin-kargo-common';
import { ProjectDefinition } from '../definitions/DefinitionCatalog';
import { DefinitionService } from '../definitions/DefinitionService';
import { FreightQueries, FreightQueriesStore } from './FreightQueries';
import { loadProject, requireStage } from './lookups';
import { withoutStepDetails } from './PromotionService';
import { ChangeOrigin, auditedChange } from './types';

/** A project as the API lists it. */
export interface ProjectSummary {
  name: string;
  stageCount: number;
  warehouseCount: number;
  /** Where its manifests come from; only `api` projects can be replaced through the API. */
  source: DefinitionSourceStatus['kind'];
  /** The Project manifest's annotations (a scaffolder template marks the projects it creates there). */
  annotations: Record<string, string>;
}

function summary(
  project: ProjectDefinition,
  sources: DefinitionSourceStatus[],
): ProjectSummary {
  const manifest = project.manifests.find(m => m.kind === 'Project');
  const source = sources.find(
    s => s.version !== undefined && s.projects.includes(project.name),
  );
  return {
    name: project.name,
    stageCount: project.stages.length,
    warehouseCount: project.warehouses.length,
    // A project is only in the catalog through a source; `file` stands for the configured files otherwise.
    source: source?.kind ?? 'file',
    annotations: manifest?.metadata.annotations ?? {},
  };
}

/** Options of {@link ProjectService.create}. */
export interface ProjectServiceOptions {
  /** Read for the pipeline view. */
  stores: FreightQueriesStore;
  definitions: Pick<
    DefinitionService,
    | 'getCatalog'
    | 'createProject'
    | 'replaceProject'
    | 'deleteProject'
    | 'listSources'
  >;
  auditor: AuditorService;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
}

/**
 * Kargo projects: created, replaced and deleted through the {@link DefinitionService} (API-made projects only;
 * file and URL sources are changed at their source), listed, and shown as a pipeline. Permissions are checked by
 * {@link AuthorizedProjectService}.
 */
export class ProjectService {
  private readonly queries: FreightQueries;
  private readonly now: () => Date;

  static create(options: ProjectServiceOptions): ProjectService {
    return new ProjectService(options);
  }

  private constructor(private readonly options: ProjectServiceOptions) {
    this.queries = new FreightQueries(options.stores);
    this.now = options.now ?? (() => new Date());
  }

  /** Every project, by name. */
  async listProjects(): Promise<ProjectSummary[]> {
    const sources = await this.options.definitions.listSources();
    return (await this.options.definitions.getCatalog())
      .listProjects()
      .map(project => summary(project, sources));
  }

  async getProject(name: string): Promise<ProjectSummary> {
    return summary(
      await loadProject(this.options.definitions, name),
      await this.options.definitions.listSources(),
    );
  }

  /** Creates a project from manifests (multi-document YAML holding one Project). */
  async createProject(request: {
    manifests: string;
    origin: ChangeOrigin;
  }): Promise<ProjectSummary> {
    const name = await auditedChange(
      this.options.auditor,
      { eventId: 'project-create', origin: request.origin, meta: {} },
      async () => {
        const project = await this.options.definitions.createProject(
          request.manifests,
          request.origin.actor,
        );
        return { result: project, meta: { project } };
      },
    );
    return this.getProject(name);
  }

  /** Replaces the manifests of a project created through the API. */
  async replaceProject(request: {
    project: string;
    manifests: string;
    origin: ChangeOrigin;
  }): Promise<ProjectSummary> {
    const { project, manifests, origin } = request;
    await auditedChange(
      this.options.auditor,
      { eventId: 'project-update', origin, meta: { project } },
      async () => {
        await this.options.definitions.replaceProject(
          project,
          manifests,
          origin.actor,
        );
        return { result: undefined };
      },
    );
    return this.getProject(project);
  }

  /** Deletes a project created through the API; its freight history stays. */
  async deleteProject(request: {
    project: string;
    origin: ChangeOrigin;
  }): Promise<void> {
    const { project, origin } = request;
    await auditedChange(
      this.options.auditor,
      { eventId: 'project-delete', origin, meta: { project } },
      async () => {
        await this.options.definitions.deleteProject(project);
        return { result: undefined };
      },
    );
  }

  /** The stages in pipeline order with their current freight, last promotion (without step details) and counts. */
  async getPipeline(name: string): Promise<Pipeline> {
    const project = await loadProject(this.options.definitions, name);
    const pipeline = await this.queries.getPipeline(project, this.now());
    return {
      ...pipeline,
      stages: pipeline.stages.map(stage =>
        stage.lastPromotion
          ? { ...stage, lastPromotion: withoutStepDetails(stage.lastPromotion) }
          : stage,
      ),
    };
  }

  /**
   * A stage's health and its Argo CD applications, as the stage health monitor last stored it (no cluster is
   * called). An unknown stage is a `NotFoundError`; a stage not evaluated yet is Unknown.
   */
  async getStageHealth(request: {
    project: string;
    stage: string;
  }): Promise<StageHealth> {
    const project = await loadProject(
      this.options.definitions,
      request.project,
    );
    requireStage(project, request.stage);
    const stored = await this.options.stores.stages.getStageHealth({
      project: project.name,
      stages: [request.stage],
    });
    return (
      stored[request.stage] ?? {
        status: 'Unknown',
        message: 'The health of this stage has not been evaluated yet',
        applications: [],
      }
    );
  }

  /** Every manifest source with its version, projects and last error. */
  async listDefinitionSources(): Promise<DefinitionSourceStatus[]> {
    return this.options.definitions.listSources();
  }
}
