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
import { goQuote } from '../stepHelpers/goFormat';
import { readTomlData } from '../stepHelpers/toml';

/** The checked config of `toml-parse` (Kargo's `TOMLParseConfig`, the same shape as `yaml-parse`'s). */
export type TomlParseConfig = ParseFileConfig;

/**
 * `toml-parse`: reads a TOML (1.0) file and sets one output per `outputs[]` entry to the value of its
 * `fromExpression` (an expr-lang expression without `${{ }}`), evaluated with the document as environment
 * (`package.version`, `dependencies.serde`). Date-times are given as their RFC 3339 text.
 */
export function createTomlParseStep(options: {
  evaluateExpression: ExpressionEvaluator;
}): PromotionStepRunner<TomlParseConfig> {
  return createPromotionStep({
    name: 'toml-parse',
    schema: parseFileConfigSchema,
    run: (context, config) =>
      parseFileOutputs(context, config, {
        name: 'toml-parse',
        format: 'TOML',
        read: (text, path) => {
          if (text.length === 0) {
            throw new Error(
              `could not parse empty TOML file: ${goQuote(path)}`,
            );
          }
          try {
            return readTomlData(text);
          } catch (error) {
            throw new Error(`could not parse TOML file: ${messageOf(error)}`, {
              cause: error,
            });
          }
        },
        evaluateExpression: options.evaluateExpression,
      }),
  });
}
