import fs from 'node:fs/promises';
import { z } from 'zod';
import {
  PromotionStepRunner,
  createPromotionStep,
} from '@kargo-portal/plugin-kargo-node';
import {
  messageOf,
  requiredValue,
  workDirErrorMessage,
} from '../stepHelpers/stepConfig';
import { goQuote } from '../stepHelpers/goFormat';
import { resolveInWorkDir } from '../stepHelpers/paths';
import { formatTomlValueForMessage, setTomlValues } from '../stepHelpers/toml';

/** Kargo's `TOMLUpdateConfig` (schemas/toml-update-config.json). */
const tomlUpdateConfigSchema = z
  .object({
    path: z.string().min(1),
    updates: z
      .array(
        z.object({ key: z.string().min(1), value: requiredValue() }).strict(),
      )
      .min(1),
  })
  .strict();

/** The checked config of `toml-update`. */
export type TomlUpdateConfig = z.infer<typeof tomlUpdateConfigSchema>;

/**
 * `toml-update`: sets existing scalar values of a TOML file in place (`package.version`, `servers.0.port`,
 * `\.` for a dot within a key). Only the bytes of the values change: comments, whitespace, key order and
 * quoting elsewhere stay as they were. A missing key, or one addressing a table or an array, is an error, as
 * is a value that is not a string, number or boolean. Output: `commitMessage`.
 */
export function createTomlUpdateStep(): PromotionStepRunner<TomlUpdateConfig> {
  return createPromotionStep({
    name: 'toml-update',
    schema: tomlUpdateConfigSchema,
    async run(context, config) {
      const file = await resolveInWorkDir(context.workDir, config.path, 'path');
      try {
        let text: string;
        try {
          text = await fs.readFile(file, 'utf8');
        } catch (error) {
          throw new Error(
            `error reading file ${goQuote(config.path)}: ${messageOf(error)}`,
            { cause: error },
          );
        }
        const updated = setTomlValues(
          text,
          config.updates.map(({ key, value }) => ({ key, value })),
        );
        await fs.writeFile(file, updated);
      } catch (error) {
        throw new Error(
          `TOML file update failed: error updating TOML file ${goQuote(
            config.path,
          )}: ${workDirErrorMessage(error, context.workDir)}`,
          { cause: error },
        );
      }
      return {
        status: 'Succeeded',
        output: {
          commitMessage: tomlUpdateCommitMessage(config.path, config.updates),
        },
      };
    },
  });
}

/** Kargo's commit message for `toml-update`: `Updated <path>`, a blank line, then `- <key>: <TOML value>` each. */
export function tomlUpdateCommitMessage(
  path: string,
  updates: TomlUpdateConfig['updates'],
): string {
  return [
    `Updated ${path}\n`,
    ...updates.map(
      ({ key, value }) => `- ${key}: ${formatTomlValueForMessage(value)}`,
    ),
  ].join('\n');
}
