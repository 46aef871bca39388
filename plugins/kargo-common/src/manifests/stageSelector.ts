import { parseNamePattern } from './namePattern';
import type { LabelSelector, StageSelector } from './types';

/*
 * Selecting stages the way Kargo's ProjectConfig promotion policies do (akuity/kargo pkg/api/auto_promotion.go):
 * a name pattern (see namePattern.ts) ANDed with a Kubernetes label selector.
 */

const hasLabel = (labels: Record<string, string>, key: string) =>
  Object.prototype.hasOwnProperty.call(labels, key);

/**
 * Whether labels satisfy a Kubernetes label selector: every `matchLabels` pair and every `matchExpressions`
 * requirement (`In`, `NotIn`, `Exists`, `DoesNotExist`). An empty selector matches everything.
 *
 * @public
 */
export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Record<string, string> = {},
): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!hasLabel(labels, key) || labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ??
    []) {
    const present = hasLabel(labels, key);
    switch (operator) {
      case 'In':
        if (!present || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The parts of a Stage that a stage selector looks at. @public */
export interface SelectableStage {
  metadata: { name: string; labels?: Record<string, string> };
}

/**
 * Whether a stage matches a ProjectConfig stage selector: its name matches `name` (exact, `regex:`, `regexp:` or
 * `glob:`) when `name` is set, and its labels match `matchLabels` / `matchExpressions` when they are set. A
 * selector with neither matches every stage.
 *
 * @throws InputError if the selector's name pattern is invalid (validated manifests never have one).
 * @public
 */
export function matchesStageSelector(
  selector: StageSelector,
  stage: SelectableStage,
): boolean {
  if (selector.name && !parseNamePattern(selector.name)(stage.metadata.name)) {
    return false;
  }
  return matchesLabelSelector(selector, stage.metadata.labels);
}

/**
 * The promotion policy that applies to a stage: the first policy, in order, whose selector matches it. A policy
 * with the legacy `stage` field selects that exact name. Works for `ProjectConfig.spec.promotionPolicies` and the
 * legacy `Project.spec.promotionPolicies`.
 *
 * @public
 */
export function findPromotionPolicy<
  P extends { stage?: string; stageSelector?: StageSelector },
>(policies: readonly P[] | undefined, stage: SelectableStage): P | undefined {
  return policies?.find(policy =>
    matchesStageSelector(policy.stageSelector ?? { name: policy.stage }, stage),
  );
}
