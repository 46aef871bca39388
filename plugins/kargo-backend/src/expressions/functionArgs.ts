import { fail } from './errors';
import type { ExpressionFunction } from './evaluator';
import {
  defineEntry,
  goTypeName,
  isPlainObject,
  ownKeys,
  ownValue,
} from './values';

/* Argument checks and value helpers shared by the expression function tables; messages are Kargo's. */

/** A table of functions for {@link ExpressionEnv.functions}. @public */
export type ExpressionFunctions = Record<string, ExpressionFunction>;

export function expectArgs(args: unknown[], count: number): void {
  if (args.length !== count) {
    fail(
      `expected ${count} argument${count === 1 ? '' : 's'}, got ${args.length}`,
    );
  }
}

export function expectArgRange(
  args: unknown[],
  min: number,
  max: number,
): void {
  if (args.length < min || args.length > max) {
    fail(`expected ${min}-${max} arguments, got ${args.length}`);
  }
}

export function stringArg(value: unknown, which: string): string {
  if (typeof value !== 'string') {
    return fail(`${which} must be string, got ${goTypeName(value)}`);
  }
  return value;
}

/** A copy of a string map with own entries only (nothing an expression does reaches the original). */
export function plainCopy(
  record: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (isPlainObject(record)) {
    for (const key of ownKeys(record))
      defineEntry(out, key, ownValue(record, key));
  }
  return out;
}
