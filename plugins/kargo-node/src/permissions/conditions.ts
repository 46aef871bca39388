import { createConditionExports } from '@backstage/plugin-permission-node';
import { kargoProjectRules, kargoStageRules } from './rules';
import { kargoProjectResourceRef, kargoStageResourceRef } from './resources';

const projectExports = createConditionExports({
  resourceRef: kargoProjectResourceRef,
  rules: kargoProjectRules,
});

const stageExports = createConditionExports({
  resourceRef: kargoStageResourceRef,
  rules: kargoStageRules,
});

/**
 * Conditions on Kargo projects, for permission policies.
 *
 * @public
 */
export const kargoProjectConditions = projectExports.conditions;

/** Wraps project conditions into a conditional decision. @public */
export const createKargoProjectConditionalDecision =
  projectExports.createConditionalDecision;

/**
 * Conditions on Kargo stages, for permission policies: e.g.
 * `kargoStageConditions.isStage({ stages: ['prod*'] })`.
 *
 * @public
 */
export const kargoStageConditions = stageExports.conditions;

/** Wraps stage conditions into a conditional decision. @public */
export const createKargoStageConditionalDecision =
  stageExports.createConditionalDecision;
