import { InputError } from '@backstage/errors';
import { z } from 'zod/v3';

/**
 * Parses an action's input with its zod schema. The scaffolder checks the input against the JSON schema derived
 * from it but applies neither defaults nor transforms, so the handler parses again; the error names each field.
 */
export function parseActionInput<T extends z.ZodTypeAny>(
  action: string,
  schema: T,
  input: unknown,
): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new InputError(
      `${action}: ${result.error.issues
        .map(issue => `${issue.path.join('.') || 'input'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  return result.data;
}
