import { realpathSync } from 'node:fs';
import { z } from 'zod';
import { isError } from '@backstage/errors';
import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';

/**
 * Validates a step's (already evaluated) config with a zod schema and returns the typed result. Problems are
 * reported the way Kargo's JSON schema validation reports them (`(root): path is required`,
 * `updates.0.key: String length must be greater than or equal to 1`, ...), so that every message names the
 * field it is about, and a user moving between Kargo and the portal sees the same words.
 *
 * Invalid config can never succeed on a retry, so it is a {@link TerminalStepError}.
 */
export function parseStepConfig<T>(
  step: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  config: unknown,
): T {
  const input = config ?? {};
  const result = schema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  const problems = result.error.issues.flatMap(issue =>
    describeIssue(issue, input),
  );
  throw new TerminalStepError(
    `invalid ${step} config: ${[...new Set(problems)].join('; ')}`,
  );
}

/** The message zod schemas use for a property that must be present but may hold any value. */
export const requiredValue = () =>
  z.custom<unknown>(value => value !== undefined, { message: 'is required' });

/** JSON schema's `minProperties: 1`, for maps whose keys are free. */
export const atLeastOneProperty = (value: Record<string, unknown>) =>
  Object.keys(value).length > 0;
export const atLeastOnePropertyMessage = 'Must have at least 1 properties';

function describeIssue(issue: z.ZodIssue, input: unknown): string[] {
  const at = fieldName(issue.path);
  if (
    issue.path.length > 0 &&
    (issue.code === 'invalid_type' || issue.code === 'custom') &&
    valueAt(input, issue.path) === undefined
  ) {
    const parent = fieldName(issue.path.slice(0, -1));
    return [`${parent}: ${String(issue.path.at(-1))} is required`];
  }
  switch (issue.code) {
    case 'invalid_type':
      return [
        `${at}: Invalid type. Expected: ${jsonType(
          issue.expected,
        )}, given: ${jsonType(issue.received)}`,
      ];
    case 'too_small':
      if (issue.type === 'string') {
        return [
          `${at}: String length must be greater than or equal to ${issue.minimum}`,
        ];
      }
      if (issue.type === 'array') {
        return [`${at}: Array must have at least ${issue.minimum} items`];
      }
      return [`${at}: ${issue.message}`];
    case 'unrecognized_keys':
      return issue.keys.map(
        key => `${at}: Additional property ${key} is not allowed`,
      );
    case 'invalid_enum_value':
      return [
        `${at}: ${String(
          issue.path.at(-1) ?? at,
        )} must be one of the following: ${issue.options
          .map(option => JSON.stringify(option))
          .join(', ')}`,
      ];
    default:
      return [`${at}: ${issue.message}`];
  }
}

function fieldName(path: (string | number)[]): string {
  return path.length === 0 ? '(root)' : path.join('.');
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = Object.prototype.hasOwnProperty.call(current, part)
      ? (current as Record<string | number, unknown>)[part]
      : undefined;
  }
  return current;
}

const jsonTypeNames: Record<string, string> = {
  string: 'string',
  number: 'number',
  integer: 'integer',
  bigint: 'integer',
  nan: 'number',
  boolean: 'boolean',
  object: 'object',
  array: 'array',
  null: 'null',
  undefined: 'null',
};

function jsonType(zodType: string): string {
  return jsonTypeNames[zodType] ?? zodType;
}

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
