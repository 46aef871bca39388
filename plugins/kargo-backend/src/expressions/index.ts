/**
 * Kargo's expression language: expr-lang expressions in `${{ }}` / `${% %}` templates, evaluated by a parser and a
 * tree-walking evaluator (never JavaScript `eval`), with Kargo's typing rules and functions.
 *
 * @packageDocumentation
 */
export {
  evaluateCondition,
  evaluateConfig,
  evaluateExpression,
  evaluateJSONTemplate,
  evaluateTemplate,
} from './templates';
export type { ExpressionEnv } from './templates';
export { ExpressionError } from './errors';
export type { ExpressionErrorPosition } from './errors';
export type { ExpressionFunction } from './evaluator';
export { ExprStruct } from './values';
export {
  asJSON,
  asYAML,
  configMapFunctions,
  freightFunctions,
  freightStatusFunctions,
  metadataFunctions,
  quote,
  secretFunctions,
  semverDiff,
  semverParse,
  sharedSecretFunctions,
  statusFunctions,
  templateFunctions,
  unsafeQuote,
  utilityFunctions,
} from './functions';
export type {
  ExpressionFreight,
  ExpressionFreightOrigin,
  ExpressionFunctions,
  ExpressionMetadata,
  ExpressionWarehouseSubscription,
  RequestedFreightOrigin,
  StepStatusRecord,
} from './functions';
export { parse } from './parser';
export {
  GoDuration,
  GoTime,
  formatDuration,
  formatTime,
  parseTime,
  timeFromDate,
} from './time';
export { printExpression } from './printer';
export type { Node as ExpressionNode } from './ast';
