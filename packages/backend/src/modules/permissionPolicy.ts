import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PolicyDecision,
  isPermission,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  KARGO_PROJECT_RESOURCE_TYPE,
  KARGO_STAGE_RESOURCE_TYPE,
  kargoProjectCreatePermission,
  kargoProjectReadPermission,
} from '@kargo-portal/plugin-kargo-common';
import {
  createKargoProjectConditionalDecision,
  createKargoStageConditionalDecision,
  kargoProjectConditions,
  kargoStageConditions,
} from '@kargo-portal/plugin-kargo-node';

/** Members of this group may do everything Kargo offers, production included. */
export const RELEASE_MANAGERS = 'group:default/release-managers';
/**
 * Members of these groups may create Kargo projects (the "New service" template registers one on their behalf).
 * Creating a project gives no rights over others: what its creator may then do in it is decided, like for every
 * project, by the owners its `kargo-portal/owners` annotation names (the template names the owner it was given).
 */
export const PROJECT_CREATORS = ['group:default/guests', RELEASE_MANAGERS];
/** Stages whose name matches one of these count as production. */
export const PRODUCTION_STAGES = ['prod*', 'production*'];
/**
 * Catalog permissions that add entities to the catalog (registering a location, or an entity through one). Only
 * release managers have them: whoever registers entities chooses their owners and annotations.
 */
export const CATALOG_REGISTRATION_PERMISSIONS = [
  'catalog.location.create',
  'catalog.entity.create',
];

/**
 * The demo's policy: everyone reads; the owners of a project (the user or one of their groups is named by the
 * project's `kargo-portal/owners` annotation, or owns an entity named there) promote, approve, abort, verify and
 * refresh in non-production stages; members of guests and release-managers create projects; the group
 * release-managers does all of that in production too and registers catalog locations. Other plugins: allowed.
 */
export class KargoDemoPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const claims = user?.info.ownershipEntityRefs ?? [];
    const releaseManager = claims.includes(RELEASE_MANAGERS);
    const { permission } = request;

    if (isResourcePermission(permission, KARGO_STAGE_RESOURCE_TYPE)) {
      if (releaseManager) return { result: AuthorizeResult.ALLOW };
      return createKargoStageConditionalDecision(permission, {
        allOf: [
          kargoStageConditions.isProjectOwner({ claims }),
          { not: kargoStageConditions.isStage({ stages: PRODUCTION_STAGES }) },
        ],
      });
    }
    if (isResourcePermission(permission, KARGO_PROJECT_RESOURCE_TYPE)) {
      if (
        releaseManager ||
        isPermission(permission, kargoProjectReadPermission)
      ) {
        return { result: AuthorizeResult.ALLOW };
      }
      return createKargoProjectConditionalDecision(
        permission,
        kargoProjectConditions.isProjectOwner({ claims }),
      );
    }
    if (CATALOG_REGISTRATION_PERMISSIONS.includes(permission.name)) {
      return {
        result: releaseManager ? AuthorizeResult.ALLOW : AuthorizeResult.DENY,
      };
    }
    if (isPermission(permission, kargoProjectCreatePermission)) {
      return {
        result: PROJECT_CREATORS.some(group => claims.includes(group))
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

/** Installs {@link KargoDemoPolicy} as the permission policy. */
export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'kargo-demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new KargoDemoPolicy());
      },
    });
  },
});
