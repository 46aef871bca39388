import {
  ProjectConfigManifest,
  ProjectManifest,
  SelectableStage,
  findPromotionPolicy,
} from '@kargo-portal/plugin-kargo-common';

/** The actor auto-promotion's promotions and holds are recorded under. */
export const AUTO_PROMOTION_ACTOR = 'system:kargo/auto-promotion';

/** The actor automatic rollbacks (a policy's `autoRollback`) and their holds are recorded under. */
export const AUTO_ROLLBACK_ACTOR = 'system:kargo/auto-rollback';

/** When a stage rolls back by itself: the terminal phases of its promotions and verifications that trigger it. */
export interface AutoRollbackTriggers {
  onPromotion: ReadonlySet<string>;
  onVerification: ReadonlySet<string>;
}

/**
 * The promotion policy that governs the stage: the first that selects it (by `stage`, or `stageSelector` by name,
 * `regex:`, `glob:` or labels), as in Kargo. ProjectConfig `spec.promotionPolicies` are read, else the legacy
 * Project `spec.promotionPolicies`.
 */
function policyOf(
  project: { manifests: Array<{ kind: string }> },
  stage: SelectableStage,
) {
  const config = project.manifests.find(
    (m): m is ProjectConfigManifest => m.kind === 'ProjectConfig',
  );
  const legacy = project.manifests.find(
    (m): m is ProjectManifest => m.kind === 'Project',
  );
  return config?.spec?.promotionPolicies
    ? findPromotionPolicy(config.spec.promotionPolicies, stage)
    : findPromotionPolicy(legacy?.spec?.promotionPolicies, stage);
}

/**
 * Whether the project's promotion policies let the stage auto-promote: the first policy that selects it decides
 * (see {@link policyOf}); no policy means no.
 */
export function isAutoPromotionEnabled(
  project: { manifests: Array<{ kind: string }> },
  stage: SelectableStage,
): boolean {
  return policyOf(project, stage)?.autoPromotionEnabled === true;
}

/**
 * The stage's automatic rollback triggers, from the `autoRollback` of the policy that governs it; undefined when it
 * has none. As in Kargo's `AutoRollbackConfig` (api/v1alpha1/project_config_types.go), `onPromotion` defaults to
 * nothing and `onVerification` to `[Failed]` when absent or empty.
 */
export function autoRollbackOf(
  project: { manifests: Array<{ kind: string }> },
  stage: SelectableStage,
): AutoRollbackTriggers | undefined {
  const policy = policyOf(project, stage);
  // The legacy Project policies have no autoRollback.
  const config =
    policy && 'autoRollback' in policy ? policy.autoRollback : undefined;
  if (!config) return undefined;
  return {
    onPromotion: new Set(config.onPromotion ?? []),
    onVerification: new Set(
      config.onVerification?.length ? config.onVerification : ['Failed'],
    ),
  };
}
