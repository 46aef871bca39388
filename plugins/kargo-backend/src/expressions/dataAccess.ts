import type { ExpressionFunction } from './evaluator';
import { fail } from './errors';
import { formatGo } from './golang';
import {
  ExprStruct,
  goTypeName,
  hasOwnData,
  isNil,
  isPlainObject,
  ownValue,
} from './values';

/* How expressions read data: fields, elements and methods, with Go's rules and nothing of JavaScript's. */

/** Names that must never be read from an object unless they are its own data (they lead to prototypes). */
export const FORBIDDEN_NAMES = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

/** A method of a struct, or a function the caller placed in a plain object of the environment. */
export function methodOf(
  object: unknown,
  name: string,
): ExpressionFunction | undefined {
  if (object instanceof ExprStruct) return object.method(name);
  if (isPlainObject(object) && hasOwnData(object, name)) {
    const fn = ownValue(object, name);
    if (typeof fn === 'function') return fn as ExpressionFunction;
  }
  return undefined;
}

export function sumOf(values: unknown[]): number {
  let total = 0;
  for (const value of values) {
    if (typeof value !== 'number') {
      return fail(`invalid argument for sum (type ${goTypeName(value)})`);
    }
    total += value;
  }
  return total;
}

export function clampSlice(
  fromIn: number,
  toIn: number,
  length: number,
): [number, number] {
  let from = fromIn < 0 ? length + fromIn : fromIn;
  let to = toIn < 0 ? length + toIn : toIn;
  from = Math.max(0, from);
  to = Math.min(Math.max(0, to), length);
  if (from > to) from = to;
  return [from, to];
}

/** Reads `object[key]` with Go's rules for maps, slices and structs, and nothing else. */
export function fetch(object: unknown, key: unknown): unknown {
  const keyText = typeof key === 'string' ? key : formatGo(key);
  if (isNil(object)) {
    return fail(`cannot fetch ${keyText} from <nil>`);
  }
  if (object instanceof ExprStruct) {
    if (typeof key === 'string' && object.hasField(key)) {
      return object.field(key) ?? null;
    }
    return fail(`type ${object.typeName} has no field ${keyText}`);
  }
  if (Array.isArray(object)) {
    if (typeof key !== 'number') {
      return fail(`cannot fetch ${keyText} from ${goTypeName(object)}`);
    }
    const length = object.length;
    let index = Math.trunc(key);
    if (index < 0) index += length;
    if (index < 0 || index >= length) {
      return fail(`index out of range: ${index} (array length is ${length})`);
    }
    return object[index] ?? null;
  }
  if (isPlainObject(object)) {
    if (typeof key !== 'string') {
      return fail(
        `cannot use ${goTypeName(key)} as a key of map[string]interface {}`,
      );
    }
    if (hasOwnData(object, key)) return ownValue(object, key) ?? null;
    if (Object.getOwnPropertyDescriptor(object, key)) {
      // An accessor or a hidden property: never run or reveal it.
      return fail(`${JSON.stringify(key)} is not plain data`);
    }
    if (FORBIDDEN_NAMES.has(key)) {
      return fail(`access to ${JSON.stringify(key)} is not allowed`);
    }
    // A missing key of a Go map reads as nil.
    return null;
  }
  return fail(`cannot fetch ${keyText} from ${goTypeName(object)}`);
}
