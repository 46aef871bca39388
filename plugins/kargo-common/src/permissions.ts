import { createPermission } from '@backstage/plugin-permission-common';

/** Resource type of a Kargo project; its resource ref is the project name. @public */
export const KARGO_PROJECT_RESOURCE_TYPE = 'kargo-project';

/** Resource type of a Kargo stage; its resource ref is `<project>/<stage>`. @public */
export const KARGO_STAGE_RESOURCE_TYPE = 'kargo-stage';

/** The resource ref of a stage, as the permission framework receives it. @public */
export function stageResourceRef(project: string, stage: string): string {
  return `${project}/${stage}`;
}

/** Splits a stage resource ref; undefined when it is not one. @public */
export function parseStageResourceRef(
  ref: string,
): { project: string; stage: string } | undefined {
  const parts = ref.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { project: parts[0], stage: parts[1] };
}

/** See a project: its pipeline, freight and promotions. @public */
export const kargoProjectReadPermission = createPermission({
  name: 'kargo.project.read',
  attributes: { action: 'read' },
  resourceType: KARGO_PROJECT_RESOURCE_TYPE,
});

/** Create a project from manifests through the API. @public */
export const kargoProjectCreatePermission = createPermission({
  name: 'kargo.project.create',
  attributes: { action: 'create' },
});

/** Replace or delete a project's manifests through the API. @public */
export const kargoProjectUpdatePermission = createPermission({
  name: 'kargo.project.update',
  attributes: { action: 'update' },
  resourceType: KARGO_PROJECT_RESOURCE_TYPE,
});

/** Promote freight to a stage (also rollback, which promotes earlier freight). @public */
export const kargoStagePromotePermission = createPermission({
  name: 'kargo.stage.promote',
  attributes: { action: 'update' },
  resourceType: KARGO_STAGE_RESOURCE_TYPE,
});

/** Approve freight for a stage. @public */
export const kargoFreightApprovePermission = createPermission({
  name: 'kargo.freight.approve',
  attributes: { action: 'update' },
  resourceType: KARGO_STAGE_RESOURCE_TYPE,
});

/** Abort a promotion of a stage. @public */
export const kargoPromotionAbortPermission = createPermission({
  name: 'kargo.promotion.abort',
  attributes: { action: 'update' },
  resourceType: KARGO_STAGE_RESOURCE_TYPE,
});

/** Re-verify a stage's current freight, or abort its verification. @public */
export const kargoStageVerifyPermission = createPermission({
  name: 'kargo.stage.verify',
  attributes: { action: 'update' },
  resourceType: KARGO_STAGE_RESOURCE_TYPE,
});

/** Ask a project's warehouse to discover new artifacts now. @public */
export const kargoWarehouseRefreshPermission = createPermission({
  name: 'kargo.warehouse.refresh',
  attributes: { action: 'update' },
  resourceType: KARGO_PROJECT_RESOURCE_TYPE,
});

/** Every permission of the Kargo plugin. @public */
export const kargoPermissions = [
  kargoProjectReadPermission,
  kargoProjectCreatePermission,
  kargoProjectUpdatePermission,
  kargoStagePromotePermission,
  kargoFreightApprovePermission,
  kargoPromotionAbortPermission,
  kargoStageVerifyPermission,
  kargoWarehouseRefreshPermission,
];
