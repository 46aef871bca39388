import fs from 'node:fs/promises';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import {
  UpdateFileConfig,
  updateFileConfigSchema,
  workDirErrorMessage,
} from '../stepHelpers/stepConfig';
import { goQuote } from '../stepHelpers/goFormat';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { quoteIfNecessary, setYamlValues } from '../stepHelpers/yamlValues';

/** The checked config of `yaml-update` (Kargo's `YAMLUpdateConfig`). */
export type YamlUpdateConfig = UpdateFileConfig;

/**
 * `yaml-update`: sets the values of existing scalar keys of a YAML file in place. Keys are Kargo's key paths
 * (`image.tag`, `containers.0.image`, `example\.com/version`). Everything the update does not touch keeps its
 * bytes: comments, ordering, quoting, indentation. Output: `commitMessage`.
 */
export function createYamlUpdateStep(): PromotionStepRunner<YamlUpdateConfig> {
  return createPromotionStep({
    name: 'yaml-update',
    schema: updateFileConfigSchema,
    async run(context, config) {
      if (config.updates.length === 0) {
        return { status: 'Succeeded' };
      }
      const file = await resolveInWorkDir(context.workDir, config.path, 'path');
      try {
        const text = await fs.readFile(file, 'utf8');
        await fs.writeFile(file, setYamlValues(text, config.updates));
      } catch (error) {
        throw new Error(
          `values file update failed: error updating values file ${goQuote(
            config.path,
          )}: ${workDirErrorMessage(error, context.workDir)}`,
          { cause: error },
        );
      }
      return {
        status: 'Succeeded',
        output: {
          commitMessage: yamlUpdateCommitMessage(config.path, config.updates),
        },
      };
    },
  });
}

/**
 * Kargo's commit message for `yaml-update`: `Updated <path>`, a blank line, then `- <key>: <value>` per update,
 * strings quoted when Kargo's `QuoteIfNecessary` quotes them. Empty without updates.
 */
export function yamlUpdateCommitMessage(
  path: string,
  updates: { key: string; value?: unknown }[],
): string {
  if (updates.length === 0) {
    return '';
  }
  const lines = updates.map(
    ({ key, value }) => `\n- ${key}: ${describeValue(value)}`,
  );
  return `Updated ${path}\n${lines.join('')}`;
}

function describeValue(value: unknown): string {
  return String(quoteIfNecessary(value));
}
