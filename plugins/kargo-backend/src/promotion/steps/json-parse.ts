import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import { messageOf } from '../stepHelpers/stepConfig';
import {
  ExpressionEvaluator,
  ParseFileConfig,
  parseFileConfigSchema,
  parseFileOutputs,
} from '../stepHelpers/parseFileOutputs';

/**
 * `json-parse`: reads a JSON file and sets one output per `outputs[]` entry to the value of its
 * `fromExpression` (an expr-lang expression without `${{ }}`), evaluated with the document as environment
 * (`image.tag`, `$env[0]`).
 */
export function createJsonParseStep(options: {
  evaluateExpression: ExpressionEvaluator;
}): PromotionStepRunner<ParseFileConfig> {
  return createPromotionStep({
    name: 'json-parse',
    schema: parseFileConfigSchema,
    run: (context, config) =>
      parseFileOutputs(context, config, {
        name: 'json-parse',
        format: 'JSON',
        read: text => {
          try {
            return JSON.parse(text);
          } catch (error) {
            throw new Error(`could not parse JSON file: ${messageOf(error)}`, {
              cause: error,
            });
          }
        },
        evaluateExpression: options.evaluateExpression,
      }),
  });
}
