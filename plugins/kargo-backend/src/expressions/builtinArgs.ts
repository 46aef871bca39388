import { fail } from './errors';
import { goTypeName, isPlainObject, MAX_DATA_DEPTH } from './values';

/* Argument checks of the builtins, with expr-lang's messages. */

export function arity(
  name: string,
  args: unknown[],
  min: number,
  max = min,
): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    fail(
      `invalid number of arguments for ${name} (expected ${expected}, got ${args.length})`,
    );
  }
}

export function str(name: string, value: unknown): string {
  if (typeof value !== 'string') {
    return fail(
      `invalid argument for ${name} (type ${goTypeName(
        value,
      )}, expected string)`,
    );
  }
  return value;
}

export function num(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    return fail(
      `invalid argument for ${name} (type ${goTypeName(
        value,
      )}, expected number)`,
    );
  }
  return value;
}

export function int(name: string, value: unknown): number {
  return Math.trunc(num(name, value));
}

export function arr(name: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) {
    return fail(
      `invalid argument for ${name} (type ${goTypeName(
        value,
      )}, expected array)`,
    );
  }
  return value;
}

export function map(name: string, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) {
    return fail(
      `invalid argument for ${name} (type ${goTypeName(value)}, expected map)`,
    );
  }
  return value;
}

export function numbersOf(name: string, args: unknown[], depth = 0): number[] {
  if (depth > MAX_DATA_DEPTH) fail(`${name}: value is nested too deeply`);
  const out: number[] = [];
  for (const arg of args) {
    if (Array.isArray(arg)) out.push(...numbersOf(name, arg, depth + 1));
    else if (typeof arg === 'number') out.push(arg);
    else fail(`invalid argument for ${name} (type ${goTypeName(arg)})`);
  }
  return out;
}

export function flatten(values: unknown[], depth: number): unknown[] {
  if (depth > MAX_DATA_DEPTH) fail('flatten: value is nested too deeply');
  const out: unknown[] = [];
  for (const value of values) {
    if (Array.isArray(value)) out.push(...flatten(value, depth + 1));
    else out.push(value);
  }
  return out;
}

export function toInt64(name: string, value: unknown): bigint {
  const n = num(name, value);
  if (!Number.isInteger(n)) fail(`invalid argument for ${name} (type float64)`);
  return BigInt.asIntN(64, BigInt(n));
}
