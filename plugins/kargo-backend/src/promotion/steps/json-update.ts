import fs from 'node:fs/promises';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import {
  messageOf,
  UpdateFileConfig,
  updateFileConfigSchema,
  workDirErrorMessage,
} from '../stepHelpers/stepConfig';
import { goQuote } from '../stepHelpers/goFormat';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { setJsonValue } from '../stepHelpers/sjson';

/** The checked config of `json-update` (Kargo's `JSONUpdateConfig`). */
export type JsonUpdateConfig = UpdateFileConfig;

/**
 * `json-update`: sets values in a JSON file in place, with sjson's path syntax (`app.version`, `items.0`,
 * `items.-1` to append, `example\.com/version`). Existing values are replaced where they stand and the rest of
 * the file keeps its formatting; missing keys are created (compactly, as sjson writes them). Values must be
 * strings, numbers or booleans. Output: `commitMessage`.
 */
export function createJsonUpdateStep(): PromotionStepRunner<JsonUpdateConfig> {
  return createPromotionStep({
    name: 'json-update',
    schema: updateFileConfigSchema,
    async run(context, config) {
      if (config.updates.length === 0) {
        return { status: 'Succeeded' };
      }
      const file = await resolveInWorkDir(context.workDir, config.path, 'path');
      try {
        let text = await fs.readFile(file, 'utf8');
        for (const { key, value } of config.updates) {
          if (
            typeof value !== 'string' &&
            typeof value !== 'number' &&
            typeof value !== 'boolean'
          ) {
            throw new Error(
              `value for key ${goQuote(key)} is not a scalar type`,
            );
          }
          try {
            text = setJsonValue(text, key, value);
          } catch (error) {
            throw new Error(
              `error setting key ${goQuote(key)} in JSON file: ${messageOf(
                error,
              )}`,
            );
          }
        }
        await fs.writeFile(file, text);
      } catch (error) {
        throw new Error(
          `JSON file update failed: ${workDirErrorMessage(
            error,
            context.workDir,
          )}`,
          { cause: error },
        );
      }
      return {
        status: 'Succeeded',
        output: {
          commitMessage: jsonUpdateCommitMessage(config.path, config.updates),
        },
      };
    },
  });
}

/**
 * Kargo's commit message for `json-update`: `Updated <path>`, a blank line, then `- <key>: <value>` per update,
 * every string quoted (Go `%q`). Empty without updates.
 */
export function jsonUpdateCommitMessage(
  path: string,
  updates: { key: string; value?: unknown }[],
): string {
  if (updates.length === 0) {
    return '';
  }
  const lines = updates.map(
    ({ key, value }) =>
      `\n- ${key}: ${
        typeof value === 'string' ? goQuote(value) : String(value)
      }`,
  );
  return `Updated ${path}\n${lines.join('')}`;
}
