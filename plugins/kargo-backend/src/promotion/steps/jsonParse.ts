import fs from 'node:fs/promises';
import { PromotionStepRunner } from '@kargo-portal/plugin-kargo-node';
import {
  messageOf,
  parseStepConfig,
  workDirErrorMessage,
} from './fileStepsConfig';
import {
  ExpressionEvaluator,
  extractOutputs,
  ParseFileConfig,
  parseFileConfigSchema,
} from './fileParseOutputs';
import { goQuote } from './goFormat';
import { resolveInWorkDir } from './paths';

/**
 * `json-parse`: reads a JSON file and sets one output per `outputs[]` entry to the value of its
 * `fromExpression` (an expr-lang expression without `${{ }}`), evaluated with the document as environment
 * (`image.tag`, `$env[0]`).
 */
export function createJsonParseStep(options: {
  evaluateExpression: ExpressionEvaluator;
}): PromotionStepRunner<ParseFileConfig> {
  return {
    name: 'json-parse',
    parseConfig: config =>
      parseStepConfig<ParseFileConfig>(
        'json-parse',
        parseFileConfigSchema,
        config,
      ),
    async run(context, config) {
      if (config.outputs.length === 0) {
        throw new Error('invalid json-parse config: outputs is required');
      }
      const file = await resolveInWorkDir(context.workDir, config.path, 'path');
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (error) {
        throw new Error(
          `error reading JSON file ${goQuote(
            config.path,
          )}: ${workDirErrorMessage(error, context.workDir)}`,
          { cause: error },
        );
      }
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (error) {
        throw new Error(`could not parse JSON file: ${messageOf(error)}`, {
          cause: error,
        });
      }
      return {
        status: 'Succeeded',
        output: extractOutputs(
          data,
          config.outputs,
          options.evaluateExpression,
        ),
      };
    },
  };
}
