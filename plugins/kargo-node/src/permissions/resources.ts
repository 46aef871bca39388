import { createPermissionResourceRef } from '@backstage/plugin-permission-node';
import {
  KARGO_PROJECT_RESOURCE_TYPE,
  KARGO_STAGE_RESOURCE_TYPE,
} from '@kargo-portal/plugin-kargo-common';

/**
 * A Kargo project as the permission rules see it.
 *
 * @public
 */
export interface KargoProjectResource {
  project: string;
  /** Entity refs owning a catalog entity annotated `kargo/project: <project>` (users and groups). */
  owners: string[];
}

/**
 * A stage of a Kargo project as the permission rules see it.
 *
 * @public
 */
export interface KargoStageResource extends KargoProjectResource {
  stage: string;
}

/**
 * The query form of a rule: one field of the resource and the values that match it. `stage` values may be globs.
 *
 * @public
 */
export interface KargoResourceFilter {
  key: 'project' | 'stage' | 'owner';
  values: string[];
}

/** Resource ref of the `kargo-project` resource type. @public */
export const kargoProjectResourceRef = createPermissionResourceRef<
  KargoProjectResource,
  KargoResourceFilter
>().with({ pluginId: 'kargo', resourceType: KARGO_PROJECT_RESOURCE_TYPE });

/** Resource ref of the `kargo-stage` resource type. @public */
export const kargoStageResourceRef = createPermissionResourceRef<
  KargoStageResource,
  KargoResourceFilter
>().with({ pluginId: 'kargo', resourceType: KARGO_STAGE_RESOURCE_TYPE });
