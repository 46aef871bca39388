import {
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  KARGO_PROJECT_ANNOTATION,
  parseStageResourceRef,
} from '@kargo-portal/plugin-kargo-common';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import {
  KargoProjectResource,
  KargoStageResource,
  kargoProjectRules,
  kargoStageRules,
} from '@kargo-portal/plugin-kargo-node';

// Conditional decisions name rules and their params; these apply them to a loaded resource.
const applyProjectConditions = createConditionAuthorizer(
  Object.values(kargoProjectRules),
);
const applyStageConditions = createConditionAuthorizer(
  Object.values(kargoStageRules),
);

const OWNERS_TTL_MS = 10_000;

/**
 * Backend permission checks of the Kargo routes. Conditional decisions are applied here with the same rules the
 * permission backend would use, on resources whose owners come from the catalog.
 */
export class KargoAuthorizer {
  private readonly owners = new Map<
    string,
    { at: number; owners: Promise<string[]> }
  >();

  constructor(
    private readonly options: {
      permissions: PermissionsService;
      catalog: CatalogService;
      auth: AuthService;
    },
  ) {}

  /** Entity refs (lowercase) owning catalog entities annotated with the project. */
  private projectOwners(project: string): Promise<string[]> {
    const cached = this.owners.get(project);
    if (cached && Date.now() - cached.at < OWNERS_TTL_MS) return cached.owners;
    const owners = (async () => {
      const { items } = await this.options.catalog.getEntities(
        {
          filter: {
            [`metadata.annotations.${KARGO_PROJECT_ANNOTATION}`]: project,
          },
          fields: ['relations'],
        },
        { credentials: await this.options.auth.getOwnServiceCredentials() },
      );
      const refs = items.flatMap(e =>
        (e.relations ?? [])
          .filter(r => r.type === 'ownedBy')
          .map(r => r.targetRef.toLocaleLowerCase('en-US')),
      );
      return [...new Set(refs)];
    })();
    this.owners.set(project, { at: Date.now(), owners });
    owners.catch(() => this.owners.delete(project));
    return owners;
  }

  async projectResource(project: string): Promise<KargoProjectResource> {
    return { project, owners: await this.projectOwners(project) };
  }

  async stageResource(
    project: string,
    stage: string,
  ): Promise<KargoStageResource> {
    return { project, stage, owners: await this.projectOwners(project) };
  }

  /** Resources by ref, for the permission registry (`<project>` and `<project>/<stage>`). */
  async getProjectResources(refs: string[]) {
    return Promise.all(refs.map(ref => this.projectResource(ref)));
  }

  async getStageResources(refs: string[]) {
    return Promise.all(
      refs.map(async ref => {
        const parsed = parseStageResourceRef(ref);
        return parsed
          ? this.stageResource(parsed.project, parsed.stage)
          : undefined;
      }),
    );
  }

  private async decision(
    permission: ResourcePermission,
    credentials: BackstageCredentials,
  ) {
    const [decision] = await this.options.permissions.authorizeConditional(
      [{ permission }],
      { credentials },
    );
    return decision;
  }

  async isAllowedForProject(
    permission: ResourcePermission,
    project: string,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const decision = await this.decision(permission, credentials);
    if (decision.result !== AuthorizeResult.CONDITIONAL) {
      return decision.result === AuthorizeResult.ALLOW;
    }
    return applyProjectConditions(
      decision,
      await this.projectResource(project),
    );
  }

  async isAllowedForStage(
    permission: ResourcePermission,
    project: string,
    stage: string,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const decision = await this.decision(permission, credentials);
    if (decision.result !== AuthorizeResult.CONDITIONAL) {
      return decision.result === AuthorizeResult.ALLOW;
    }
    return applyStageConditions(
      decision,
      await this.stageResource(project, stage),
    );
  }

  async requireProject(
    permission: ResourcePermission,
    project: string,
    credentials: BackstageCredentials,
  ): Promise<void> {
    if (!(await this.isAllowedForProject(permission, project, credentials))) {
      throw new NotAllowedError(
        `Not allowed to ${permission.name} on Kargo project "${project}"`,
      );
    }
  }

  async requireStage(
    permission: ResourcePermission,
    project: string,
    stage: string,
    credentials: BackstageCredentials,
  ): Promise<void> {
    if (
      !(await this.isAllowedForStage(permission, project, stage, credentials))
    ) {
      throw new NotAllowedError(
        `Not allowed to ${permission.name} on stage "${stage}" of Kargo project "${project}"`,
      );
    }
  }

  async isAllowedBasic(
    permission: BasicPermission,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const [decision] = await this.options.permissions.authorize(
      [{ permission }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  async requireBasic(
    permission: BasicPermission,
    credentials: BackstageCredentials,
  ): Promise<void> {
    if (!(await this.isAllowedBasic(permission, credentials))) {
      throw new NotAllowedError(`Not allowed to ${permission.name}`);
    }
  }

  /** The projects among `projects` the caller may act on; one decision, applied to each. */
  async filterProjects(
    permission: ResourcePermission,
    projects: string[],
    credentials: BackstageCredentials,
  ): Promise<string[]> {
    const decision = await this.decision(permission, credentials);
    if (decision.result === AuthorizeResult.ALLOW) return projects;
    if (decision.result !== AuthorizeResult.CONDITIONAL) return [];
    const allowed: string[] = [];
    for (const project of projects) {
      if (
        applyProjectConditions(decision, await this.projectResource(project))
      ) {
        allowed.push(project);
      }
    }
    return allowed;
  }
}
