import {
  DefinitionSourceStatus,
  Pipeline,
  StageHealth,
  kargoFreightApprovePermission,
  kargoProjectCreatePermission,
  kargoProjectReadPermission,
  kargoProjectUpdatePermission,
  kargoPromotionAbortPermission,
  kargoStagePromotePermission,
} from '@kargo-portal/plugin-kargo-common';
import { KargoAuthorizer } from './KargoAuthorizer';
import { ProjectService, ProjectSummary } from './ProjectService';
import { Caller, originOf } from './types';

/** The permissions of the actions a client offers on each stage of the pipeline, decided with it. */
const STAGE_ACTION_PERMISSIONS = [
  kargoStagePromotePermission,
  kargoFreightApprovePermission,
  kargoPromotionAbortPermission,
];

/**
 * {@link ProjectService} for callers with credentials. Creating needs `kargo.project.create`; replacing and
 * deleting `kargo.project.update`; reads `kargo.project.read`. Lists leave out what the caller may not read
 * instead of refusing.
 */
export class AuthorizedProjectService {
  static create(options: {
    projects: ProjectService;
    authorizer: KargoAuthorizer;
  }): AuthorizedProjectService {
    return new AuthorizedProjectService(options.projects, options.authorizer);
  }

  private constructor(
    private readonly inner: ProjectService,
    private readonly authorizer: KargoAuthorizer,
  ) {}

  async listProjects(caller: Caller): Promise<ProjectSummary[]> {
    const projects = await this.inner.listProjects();
    const allowed = new Set(
      await this.authorizer.filterProjects(
        kargoProjectReadPermission,
        projects.map(p => p.name),
        caller.credentials,
      ),
    );
    return projects.filter(p => allowed.has(p.name));
  }

  async getProject(name: string, caller: Caller): Promise<ProjectSummary> {
    await this.requireRead(name, caller);
    return this.inner.getProject(name);
  }

  /** The pipeline, each stage with the caller's permissions on its actions (see `PipelineStage.permissions`). */
  async getPipeline(name: string, caller: Caller): Promise<Pipeline> {
    await this.requireRead(name, caller);
    const pipeline = await this.inner.getPipeline(name);
    const decided = await this.authorizer.decideForStages(
      STAGE_ACTION_PERMISSIONS,
      name,
      pipeline.stages.map(s => s.name),
      caller.credentials,
    );
    return {
      ...pipeline,
      stages: pipeline.stages.map(stage => ({
        ...stage,
        permissions: decided[stage.name],
      })),
    };
  }

  async getStageHealth(
    request: { project: string; stage: string },
    caller: Caller,
  ): Promise<StageHealth> {
    await this.requireRead(request.project, caller);
    return this.inner.getStageHealth(request);
  }

  async createProject(
    request: { manifests: string },
    caller: Caller,
  ): Promise<ProjectSummary> {
    await this.authorizer.requireBasic(
      kargoProjectCreatePermission,
      caller.credentials,
    );
    return this.inner.createProject({ ...request, origin: originOf(caller) });
  }

  async replaceProject(
    request: { project: string; manifests: string },
    caller: Caller,
  ): Promise<ProjectSummary> {
    await this.requireUpdate(request.project, caller);
    return this.inner.replaceProject({ ...request, origin: originOf(caller) });
  }

  async deleteProject(
    request: { project: string },
    caller: Caller,
  ): Promise<void> {
    await this.requireUpdate(request.project, caller);
    await this.inner.deleteProject({ ...request, origin: originOf(caller) });
  }

  /**
   * Manifest sources that define a project the caller may read. A source that defines none (or none yet,
   * failing) is shown to project creators only.
   */
  async listDefinitionSources(
    caller: Caller,
  ): Promise<DefinitionSourceStatus[]> {
    const sources = await this.inner.listDefinitionSources();
    const projects = [...new Set(sources.flatMap(s => s.projects))];
    const readable = new Set(
      await this.authorizer.filterProjects(
        kargoProjectReadPermission,
        projects,
        caller.credentials,
      ),
    );
    const creator = await this.authorizer.isAllowedBasic(
      kargoProjectCreatePermission,
      caller.credentials,
    );
    return sources.filter(s =>
      s.projects.length > 0 ? s.projects.some(p => readable.has(p)) : creator,
    );
  }

  private requireRead(project: string, caller: Caller) {
    return this.authorizer.requireProject(
      kargoProjectReadPermission,
      project,
      caller.credentials,
    );
  }

  private requireUpdate(project: string, caller: Caller) {
    return this.authorizer.requireProject(
      kargoProjectUpdatePermission,
      project,
      caller.credentials,
    );
  }
}
