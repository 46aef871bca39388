import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import { createComposeOutputStep } from './compose-output';
import { createCopyStep } from './copy';
import { createDeleteStep } from './delete';
import { createFailStep } from './fail';
import { ExpressionEvaluator } from '../stepHelpers/parseFileOutputs';
import { createFileWriteStep } from './file-write';
import { createJsonParseStep } from './json-parse';
import { createJsonUpdateStep } from './json-update';
import { createKustomizeSetImageStep } from './kustomize-set-image';
import { createSetMetadataStep } from './set-metadata';
import { createYamlMergeStep } from './yaml-merge';
import { createYamlParseStep } from './yaml-parse';
import { createYamlUpdateStep } from './yaml-update';

/**
 * Kargo's built-in steps that work on files of the promotion's work directory (`copy`, `delete`, `file-write`,
 * `yaml-update`, `json-update`, `yaml-parse`, `json-parse`, `yaml-merge`, `kustomize-set-image`) and the
 * steps that only shape the promotion (`compose-output`, `set-metadata`, `fail`). `yaml-parse` and
 * `json-parse` evaluate their `fromExpression`s with `evaluateExpression`.
 */
export function fileSteps(deps: {
  evaluateExpression: ExpressionEvaluator;
}): PromotionStepRunner[] {
  return [
    createCopyStep(),
    createDeleteStep(),
    createFileWriteStep(),
    createYamlUpdateStep(),
    createJsonUpdateStep(),
    createYamlParseStep({ evaluateExpression: deps.evaluateExpression }),
    createJsonParseStep({ evaluateExpression: deps.evaluateExpression }),
    createYamlMergeStep(),
    createKustomizeSetImageStep(),
    createComposeOutputStep(),
    createSetMetadataStep(),
    createFailStep(),
  ];
}
