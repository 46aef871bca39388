import { TerminalStepError } from './types';

/**
 * One problem a config schema found, as zod (version 3 or 4) reports it. Only `code`, `path` and `message` are
 * required; the details zod adds for some codes (`keys`, `minimum`, `options`, ...) make the message more precise.
 *
 * @public
 */
export interface PromotionStepConfigIssue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
}

/**
 * The schema of a step's config: a zod schema (zod 3 or zod 4; the steps of the Kargo backend use zod), or
 * anything else with zod's `safeParse`. Objects should be `.strict()`, so that unknown fields are rejected as
 * Kargo's JSON schemas (`additionalProperties: false`) reject them.
 *
 * @public
 */
export interface PromotionStepConfigSchema<TConfig> {
  safeParse(input: unknown):
    | { success: true; data: TConfig }
    | {
        success: false;
        error: { issues: readonly PromotionStepConfigIssue[] };
      };
}

/**
 * Validates a step's (already evaluated) config with its schema and returns the typed result. Problems are
 * reported the way Kargo's JSON schema validation words them (`(root): path is required`,
 * `updates.0.key: String length must be greater than or equal to 1`, ...), so that every message names the
 * field it is about and a user moving between Kargo and the portal reads the same words. A missing config is
 * checked as an empty one.
 *
 * Invalid config can never succeed on a retry, so it throws a {@link TerminalStepError}.
 *
 * @public
 */
export function parsePromotionStepConfig<TConfig>(
  step: string,
  schema: PromotionStepConfigSchema<TConfig>,
  config: unknown,
): TConfig {
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

function describeIssue(
  issue: PromotionStepConfigIssue,
  input: unknown,
): string[] {
  const at = fieldName(issue.path);
  const value = valueAt(input, issue.path);
  if (
    issue.path.length > 0 &&
    (issue.code === 'invalid_type' || issue.code === 'custom') &&
    value === undefined
  ) {
    const parent = fieldName(issue.path.slice(0, -1));
    return [`${parent}: ${String(issue.path.at(-1))} is required`];
  }
  switch (issue.code) {
    case 'invalid_type': {
      const expected = 'expected' in issue ? String(issue.expected) : '';
      // zod 3 names the type it was given; zod 4 leaves it to us.
      const given =
        'received' in issue ? String(issue.received) : typeOfValue(value);
      return [
        `${at}: Invalid type. Expected: ${jsonType(
          expected,
        )}, given: ${jsonType(given)}`,
      ];
    }
    case 'too_small': {
      // zod 3 calls what was too small its `type`, zod 4 its `origin`.
      let kind: unknown = '';
      if ('type' in issue) {
        kind = issue.type;
      } else if ('origin' in issue) {
        kind = issue.origin;
      }
      const minimum = 'minimum' in issue ? String(issue.minimum) : '';
      if (kind === 'string') {
        return [
          `${at}: String length must be greater than or equal to ${minimum}`,
        ];
      }
      if (kind === 'array') {
        return [`${at}: Array must have at least ${minimum} items`];
      }
      return [`${at}: ${issue.message}`];
    }
    case 'unrecognized_keys':
      if ('keys' in issue && Array.isArray(issue.keys)) {
        return issue.keys.map(
          key => `${at}: Additional property ${String(key)} is not allowed`,
        );
      }
      return [`${at}: ${issue.message}`];
    case 'invalid_enum_value': // zod 3
    case 'invalid_value': {
      // zod 4
      const options =
        'options' in issue ? issue.options : 'values' in issue && issue.values;
      if (Array.isArray(options)) {
        return [
          `${at}: ${String(
            issue.path.at(-1) ?? at,
          )} must be one of the following: ${options
            .map(option => JSON.stringify(option))
            .join(', ')}`,
        ];
      }
      return [`${at}: ${issue.message}`];
    }
    default:
      return [`${at}: ${issue.message}`];
  }
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = Object.prototype.hasOwnProperty.call(current, part)
      ? Reflect.get(current, part)
      : undefined;
  }
  return current;
}

function typeOfValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  return typeof value;
}

const jsonTypeNames: Record<string, string> = {
  string: 'string',
  number: 'number',
  integer: 'integer',
  int: 'integer',
  bigint: 'integer',
  nan: 'number',
  boolean: 'boolean',
  object: 'object',
  record: 'object',
  array: 'array',
  null: 'null',
  undefined: 'null',
};

function jsonType(zodType: string): string {
  return jsonTypeNames[zodType] ?? zodType;
}
