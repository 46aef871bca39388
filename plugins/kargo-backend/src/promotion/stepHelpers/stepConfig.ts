import { realpathSync } from 'node:fs';
import { z } from 'zod';
import { isError } from '@backstage/errors';

/** The message zod schemas use for a property that must be present but may hold any value. */
export const requiredValue = () =>
  z.custom<unknown>(value => value !== undefined, { message: 'is required' });

/** JSON schema's `minProperties: 1`, for maps whose keys are free. */
export const atLeastOneProperty = (value: Record<string, unknown>) =>
  Object.keys(value).length > 0;
export const atLeastOnePropertyMessage = 'Must have at least 1 properties';

/**
 * The message of an error from a step's file work, with the promotion's work directory left out of the paths
 * it names (as Kargo's `SanitizePathError` does): users see paths relative to the work directory.
 */
export function workDirErrorMessage(error: unknown, workDir: string): string {
  const message = messageOf(error);
  let real = workDir;
  try {
    real = realpathSync(workDir);
  } catch {
    // The work directory is gone; the plain path is all there is to remove.
  }
  return [...new Set([real, workDir])]
    .filter(prefix => prefix !== '' && prefix !== '/')
    .reduce(
      (text, prefix) =>
        text.split(`${prefix}/`).join('').split(prefix).join('.'),
      message,
    );
}

/** The message of anything thrown (errors from Node's own modules included, which are not `instanceof Error` everywhere). */
export function messageOf(error: unknown): string {
  return isError(error) ? error.message : String(error);
}

/**
 * The config of `yaml-update` and `json-update`, the same in Kargo's schemas (yaml-update-config.json,
 * json-update-config.json): a file and the keys to set in it.
 */
export const updateFileConfigSchema = z
  .object({
    path: z.string().min(1),
    updates: z
      .array(
        z.object({ key: z.string().min(1), value: requiredValue() }).strict(),
      )
      .min(1),
  })
  .strict();

/** The checked config of `yaml-update` and `json-update`. */
export type UpdateFileConfig = z.infer<typeof updateFileConfigSchema>;
