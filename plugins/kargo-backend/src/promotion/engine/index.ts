export { StepRegistry, DEFAULT_ERROR_THRESHOLD } from './StepRegistry';
export { PromotionEngine } from './PromotionEngine';
export type { PromotionEngineOptions } from './PromotionEngine';
export { planPromotion, PromotionPlanError } from './plan';
export type {
  PlannedOrigin,
  PlannedStep,
  PromotionPlan,
  PromotionTaskLookup,
} from './plan';
export { createStepExpressions } from './defaultExpressions';
export type { ProjectSecretsSource } from './defaultExpressions';
export type {
  StepExpressionEnv,
  StepExpressionFunction,
  StepExpressions,
} from './expressions';
export type {
  FinishedOutcome,
  PromotionRunContext,
  PromotionRunState,
  RunInterruption,
  RunOutcome,
  StepRuntime,
} from './types';
