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

/**
 * The leaves of nested arrays, in order, walked with an explicit stack: no recursion, and no spreading of a long
 * array into arguments (either overflows the call stack on large values).
 */
function leavesOf(
  values: unknown[],
  depth: number,
  tooDeep: string,
  visit: (leaf: unknown) => void,
): void {
  const stack: Array<{ items: unknown[]; index: number }> = [
    { items: values, index: 0 },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.items.length) {
      stack.pop();
      continue;
    }
    const item = top.items[top.index++];
    if (Array.isArray(item)) {
      if (depth + stack.length > MAX_DATA_DEPTH) fail(tooDeep);
      stack.push({ items: item, index: 0 });
    } else {
      visit(item);
    }
  }
}

export function numbersOf(name: string, args: unknown[], depth = 0): number[] {
  const out: number[] = [];
  leavesOf(args, depth, `${name}: value is nested too deeply`, arg => {
    if (typeof arg === 'number') out.push(arg);
    else fail(`invalid argument for ${name} (type ${goTypeName(arg)})`);
  });
  return out;
}

export function flatten(values: unknown[], depth: number): unknown[] {
  const out: unknown[] = [];
  leavesOf(values, depth, 'flatten: value is nested too deeply', value =>
    out.push(value),
  );
  return out;
}

export function toInt64(name: string, value: unknown): bigint {
  const n = num(name, value);
  if (!Number.isInteger(n)) fail(`invalid argument for ${name} (type float64)`);
  return BigInt.asIntN(64, BigInt(n));
}
