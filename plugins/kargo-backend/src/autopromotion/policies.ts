import {
  ProjectConfigManifest,
  ProjectManifest,
  SelectableStage,
  findPromotionPolicy,
} from '@kargo-portal/plugin-kargo-common';

/** The actor auto-promotion's promotions and holds are recorded under. */
export const AUTO_PROMOTION_ACTOR = 'system:kargo/auto-promotion';

/**
 * Whether the project's promotion policies let the stage auto-promote: the first policy that selects it (by
 * `stage`, or `stageSelector` by name, `regex:`, `glob:` or labels) decides, as in Kargo; no policy means no.
 * ProjectConfig `spec.promotionPolicies` are read, else the legacy Project `spec.promotionPolicies`.
 */
export function isAutoPromotionEnabled(
  project: { manifests: Array<{ kind: string }> },
  stage: SelectableStage,
): boolean {
  const config = project.manifests.find(
    (m): m is ProjectConfigManifest => m.kind === 'ProjectConfig',
  );
  const legacy = project.manifests.find(
    (m): m is ProjectManifest => m.kind === 'Project',
  );
  const policy = config?.spec?.promotionPolicies
    ? findPromotionPolicy(config.spec.promotionPolicies, stage)
    : findPromotionPolicy(legacy?.spec?.promotionPolicies, stage);
  return policy?.autoPromotionEnabled === true;
}
