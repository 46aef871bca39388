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
import {
  assertValidYaml,
  firstYamlDocument,
  yaml11Options,
} from '../stepHelpers/yamlDocuments';

/**
 * `yaml-parse`: reads a YAML file and sets one output per `outputs[]` entry to the value of its
 * `fromExpression` (an expr-lang expression without `${{ }}`), evaluated with the document as environment
 * (`image.tag`, `$env[0].name`). The file is read as Kargo reads it (sigs.k8s.io/yaml, YAML 1.1 scalars such
 * as `yes`/`on`, timestamps left as strings; only the first document).
 */
export function createYamlParseStep(options: {
  evaluateExpression: ExpressionEvaluator;
}): PromotionStepRunner<ParseFileConfig> {
  return createPromotionStep({
    name: 'yaml-parse',
    schema: parseFileConfigSchema,
    run: (context, config) =>
      parseFileOutputs(context, config, {
        name: 'yaml-parse',
        format: 'YAML',
        read: (text, path) => {
          if (text.length === 0) {
            throw new Error(
              `could not parse empty YAML file: ${goQuote(path)}`,
            );
          }
          return readYamlData(text);
        },
        evaluateExpression: options.evaluateExpression,
      }),
  });
}

/** The first document of a YAML file as plain data, with YAML 1.1 scalars as Kargo's YAML reader has them. */
export function readYamlData(text: string): unknown {
  try {
    const doc = firstYamlDocument(text, yaml11Options);
    if (!doc) {
      return null;
    }
    assertValidYaml(doc);
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new Error(`could not parse YAML file: ${messageOf(error)}`, {
      cause: error,
    });
  }
}
