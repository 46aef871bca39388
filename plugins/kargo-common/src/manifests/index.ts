/**
 * The Kargo manifest model: types, schemas' helpers and the manifest parser.
 */

export * from './types';
export { KARGO_API_VERSION } from './constants';
export { namePatternProblem, parseNamePattern } from './namePattern';
export type { NameMatcher } from './namePattern';
export {
  findPromotionPolicy,
  matchesLabelSelector,
  matchesStageSelector,
} from './stageSelector';
export type { SelectableStage } from './stageSelector';
export {
  KUBE_DURATION_PATTERN,
  parseDuration,
  parseGoDuration,
  parseGoDurationNanos,
} from './duration';
export { isValidSemverConstraint } from './semverConstraint';
export { genericSubscriptionOf, subscriptionTypeOf } from './subscriptions';
export * from './parse';
export * from './analysisTemplate';
export { urlCredentialsProblem } from './credentials';
