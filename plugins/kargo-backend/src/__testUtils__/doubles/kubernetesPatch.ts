/*
 * TEST DOUBLE SUPPORT for the Kubernetes API double: JSON merge patch (RFC 7386, `application/merge-patch+json`)
 * and JSON patch (RFC 6902, `application/json-patch+json`), applied to plain JSON values. A JSON patch that
 * cannot apply throws `JsonPatchError` (the server answers 422, as kube-apiserver does).
 */

/** Any JSON value. */
export type Json =
  | null
  | boolean
  | number
  | string
  | Json[]
  | { [key: string]: Json };

export function isJsonObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy through JSON, which is also what the wire does. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/** Any value as the JSON it serializes to. */
export function toJson(value: unknown): Json {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every(key => key in b && jsonEqual(a[key], b[key]))
    );
  }
  return false;
}

/** RFC 7386: objects merge recursively, `null` removes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): Json {
  if (!isJsonObject(patch)) return toJson(patch);
  const result: { [key: string]: Json } = isJsonObject(target)
    ? cloneJson(target)
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** A JSON patch operation that cannot be applied. */
export class JsonPatchError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new JsonPatchError(`invalid JSON pointer "${pointer}"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map(token => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(array: Json[], token: string, forInsert: boolean): number {
  if (forInsert && token === '-') return array.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) {
    throw new JsonPatchError(`invalid array index "${token}"`);
  }
  const index = Number(token);
  if (index > array.length || (!forInsert && index === array.length)) {
    throw new JsonPatchError(`array index ${index} out of bounds`);
  }
  return index;
}

function resolve(doc: Json, tokens: string[], pointer: string): Json {
  let current = doc;
  for (const token of tokens) {
    if (Array.isArray(current))
      current = current[arrayIndex(current, token, false)];
    else if (isJsonObject(current) && token in current)
      current = current[token];
    else throw new JsonPatchError(`doc is missing path: "${pointer}"`);
  }
  return current;
}

function parentOf(doc: Json, pointer: string): { parent: Json; key: string } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) {
    throw new JsonPatchError(
      'operations on the document root are not supported',
    );
  }
  const key = tokens[tokens.length - 1];
  return { parent: resolve(doc, tokens.slice(0, -1), pointer), key };
}

function add(doc: Json, pointer: string, value: Json): void {
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent))
    parent.splice(arrayIndex(parent, key, true), 0, value);
  else if (isJsonObject(parent)) parent[key] = value;
  else throw new JsonPatchError(`doc is missing path: "${pointer}"`);
}

function remove(doc: Json, pointer: string): Json {
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent))
    return parent.splice(arrayIndex(parent, key, false), 1)[0];
  if (isJsonObject(parent) && key in parent) {
    const value = parent[key];
    delete parent[key];
    return value;
  }
  throw new JsonPatchError(
    `unable to remove nonexistent key: ${key}: missing value`,
  );
}

/** RFC 6902 on a copy of `target`. */
export function applyJsonPatch(target: unknown, patch: unknown): Json {
  if (!Array.isArray(patch)) {
    throw new JsonPatchError('a JSON patch is an array of operations');
  }
  const doc = toJson(target);
  for (const entry of patch) {
    if (
      !isJsonObject(entry) ||
      typeof entry.op !== 'string' ||
      typeof entry.path !== 'string'
    ) {
      throw new JsonPatchError('every operation needs "op" and "path"');
    }
    const operation = {
      op: entry.op,
      path: entry.path,
      from: typeof entry.from === 'string' ? entry.from : undefined,
      value: entry.value ?? null,
    };
    const needsValue = ['add', 'replace', 'test'].includes(operation.op);
    if (needsValue && !('value' in entry)) {
      throw new JsonPatchError(`missing value for operation "${operation.op}"`);
    }
    switch (operation.op) {
      case 'add':
        add(doc, operation.path, cloneJson(operation.value));
        break;
      case 'remove':
        remove(doc, operation.path);
        break;
      case 'replace':
        remove(doc, operation.path);
        add(doc, operation.path, cloneJson(operation.value));
        break;
      case 'move':
      case 'copy': {
        if (typeof operation.from !== 'string') {
          throw new JsonPatchError(
            `missing from for operation "${operation.op}"`,
          );
        }
        const value =
          operation.op === 'move'
            ? remove(doc, operation.from)
            : cloneJson(
                resolve(doc, parsePointer(operation.from), operation.from),
              );
        add(doc, operation.path, value);
        break;
      }
      case 'test': {
        const actual = resolve(
          doc,
          parsePointer(operation.path),
          operation.path,
        );
        if (!jsonEqual(actual, operation.value)) {
          throw new JsonPatchError(`testing value ${operation.path} failed`);
        }
        break;
      }
      default:
        throw new JsonPatchError(`unexpected kind: ${operation.op}`);
    }
  }
  return doc;
}
