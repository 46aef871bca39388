import {
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  PermissionCondition,
  PermissionCriteria,
  PermissionRuleParams,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { parseStageResourceRef } from '@kargo-portal/plugin-kargo-common';
import {
  ConditionTransformer,
  createConditionAuthorizer,
  createConditionTransformer,
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';
import {
  KargoProjectResource,
  KargoResourceFilter,
  KargoStageResource,
  kargoProjectRules,
  kargoStageRules,
  matchesCriteria,
} from '@kargo-portal/plugin-kargo-node';

// Conditional decisions name rules and their params; these apply them to a loaded resource.
const applyProjectConditions = createConditionAuthorizer(
  Object.values(kargoProjectRules),
);
const applyStageConditions = createConditionAuthorizer(
  Object.values(kargoStageRules),
);
const stageConditionFilter: ConditionTransformer<KargoResourceFilter> =
  createConditionTransformer(Object.values(kargoStageRules));

type Conditions = PermissionCriteria<
  PermissionCondition<string, PermissionRuleParams>
>;

/**
 * A conditional decision's conditions as a test of stage resources, for many stages: the same answer as
 * `applyStageConditions` (the same order and short-circuits; a condition's rule is looked up and its params validated
 * when it is first reached, so a bad condition fails where it failed), but each condition is turned into its filter
 * once rather than once per stage (each rule applies `matchesFilter` to its `toQuery`).
 */
function stageConditionsTest(
  conditions: Conditions,
): (resource: KargoStageResource) => boolean {
  const filters = new Map<
    Conditions,
    PermissionCriteria<KargoResourceFilter>
  >();
  const test = (
    criteria: Conditions,
    resource: KargoStageResource,
  ): boolean => {
    if (isAndCriteria(criteria)) {
      return criteria.allOf.every(c => test(c, resource));
    }
    if (isOrCriteria(criteria)) {
      return criteria.anyOf.some(c => test(c, resource));
    }
    if (isNotCriteria(criteria)) return !test(criteria.not, resource);
    let filter = filters.get(criteria);
    if (!filter) {
      filter = stageConditionFilter(criteria);
      filters.set(criteria, filter);
    }
    return matchesCriteria(filter, resource);
  };
  return resource => test(conditions, resource);
}

const OWNERS_TTL_MS = 10_000;
/** Entity kinds that own things themselves; entities of other kinds lend their owners. */
const DIRECT_OWNER_KINDS = /^(user|group):/;

/**
 * Backend permission checks of the Kargo routes. Conditional decisions are applied here with the same rules the
 * permission backend would use, on resources whose owners the project itself names.
 *
 * Ownership comes from the project, not from whoever claims it: the owners of a project are the entity refs its
 * Project manifest names in the annotation `kargo-portal/owners`. A user or group named there owns it; any other
 * entity named there (a component, a system) lends it the owners the catalog gives that entity. A catalog entity
 * annotated `kargo/project` gives no rights: anybody who may register a catalog location could write one.
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
      /** The owner refs a project's manifests name (see `DefinitionCatalog.getProjectOwners`). */
      declaredOwners: (project: string) => Promise<string[]>;
    },
  ) {}

  /** Entity refs (lowercase) owning the project: the users and groups it names, and the owners of the other entities it names. */
  private projectOwners(project: string): Promise<string[]> {
    const cached = this.owners.get(project);
    if (cached && Date.now() - cached.at < OWNERS_TTL_MS) return cached.owners;
    const owners = (async () => {
      const declared = await this.options.declaredOwners(project);
      const direct = declared.filter(ref => DIRECT_OWNER_KINDS.test(ref));
      const lending = declared.filter(ref => !DIRECT_OWNER_KINDS.test(ref));
      const refs = [...direct];
      if (lending.length > 0) {
        const { items } = await this.options.catalog.getEntitiesByRefs(
          { entityRefs: lending, fields: ['relations'] },
          {
            credentials: await this.options.auth.getOwnServiceCredentials(),
          },
        );
        for (const entity of items) {
          for (const relation of entity?.relations ?? []) {
            if (relation.type === 'ownedBy') {
              refs.push(relation.targetRef.toLocaleLowerCase('en-US'));
            }
          }
        }
      }
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

  /**
   * The caller's decision on each of `permissions` for each of `stages` of `project`, by stage and permission
   * name: one request to the permission framework for all of them, its conditions applied to each stage here.
   */
  async decideForStages(
    permissions: ResourcePermission[],
    project: string,
    stages: string[],
    credentials: BackstageCredentials,
  ): Promise<Record<string, Record<string, boolean>>> {
    const decisions =
      permissions.length > 0
        ? await this.options.permissions.authorizeConditional(
            permissions.map(permission => ({ permission })),
            { credentials },
          )
        : [];
    // Each decision is read once for all the stages, and the project's owners once.
    const tests = decisions.map(decision =>
      decision.result === AuthorizeResult.CONDITIONAL
        ? stageConditionsTest(decision.conditions)
        : decision.result === AuthorizeResult.ALLOW,
    );
    const owners =
      stages.length > 0 && tests.some(t => typeof t === 'function')
        ? await this.projectOwners(project)
        : [];
    const result: Record<string, Record<string, boolean>> = {};
    for (const stage of stages) {
      const resource: KargoStageResource = { project, stage, owners };
      const decided: Record<string, boolean> = {};
      for (const [i, permission] of permissions.entries()) {
        const test = tests[i];
        decided[permission.name] =
          typeof test === 'function' ? test(resource) : test;
      }
      result[stage] = decided;
    }
    return result;
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
