import { fail } from './errors';

/**
 * A Go struct as Kargo's expression functions return it (a `FreightOrigin`, a `GitCommit`, a semantic version...):
 * expressions read its fields by their Go names (`imageFrom(url).Tag`) and may call its methods
 * (`semverParse(v).IncMinor()`), while JSON output uses the field names of its `json` tags. Nothing else about the
 * object is reachable from an expression.
 *
 * @public
 */
export class ExprStruct {
  /** The Go type, as `%T` prints it (for error messages and `type()`). */
  readonly typeName: string;
  private readonly fieldValues: ReadonlyMap<string, unknown>;
  private readonly methodTable: ReadonlyMap<
    string,
    (...args: unknown[]) => unknown
  >;
  private readonly jsonView: () => unknown;
  private readonly text: (() => string) | undefined;

  constructor(options: {
    typeName: string;
    /** Fields by Go name, in declaration order. */
    fields?: Record<string, unknown>;
    methods?: Record<string, (...args: unknown[]) => unknown>;
    /** What `encoding/json` produces for the struct (json tags, `omitempty`, `MarshalJSON`). */
    toJSON: () => unknown;
    /** What `fmt.Sprint` prints when the type has a `String()` method. */
    toString?: () => string;
  }) {
    this.typeName = options.typeName;
    this.fieldValues = new Map(Object.entries(options.fields ?? {}));
    this.methodTable = new Map(Object.entries(options.methods ?? {}));
    this.jsonView = options.toJSON;
    this.text = options.toString;
  }

  hasField(name: string): boolean {
    return this.fieldValues.has(name);
  }

  field(name: string): unknown {
    return this.fieldValues.get(name);
  }

  fieldNames(): string[] {
    return [...this.fieldValues.keys()];
  }

  method(name: string): ((...args: unknown[]) => unknown) | undefined {
    return this.methodTable.get(name);
  }

  /** The value `encoding/json` would marshal, as plain data. */
  toJSONValue(): unknown {
    return this.jsonView();
  }

  /** `fmt.Sprint` of the value. */
  format(formatField: (value: unknown) => string): string {
    if (this.text) return this.text();
    return `{${this.fieldNames()
      .map(name => formatField(this.field(name)))
      .join(' ')}}`;
  }

  /** Same Go type and equal fields, as `reflect.DeepEqual` compares structs. */
  equals(other: ExprStruct): boolean {
    if (other.typeName !== this.typeName) return false;
    if (this.text && other.text) return this.text() === other.text();
    const names = this.fieldNames();
    return (
      names.length === other.fieldNames().length &&
      names.every(
        name =>
          other.hasField(name) &&
          deepEqual(this.field(name), other.field(name)),
      )
    );
  }
}

/** A JavaScript object that expressions may treat as a Go map: created by `{}`, `Object.create(null)` or JSON. */
export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/**
 * Reads an own, enumerable data property, never a getter or anything inherited; `undefined` when there is none.
 */
export function ownValue(object: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  if (!descriptor || !descriptor.enumerable || !('value' in descriptor)) {
    return undefined;
  }
  return descriptor.value;
}

export function hasOwnData(object: object, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return !!descriptor && !!descriptor.enumerable && 'value' in descriptor;
}

/** Own enumerable string keys of a plain object. */
export function ownKeys(object: Record<string, unknown>): string[] {
  return Object.keys(object);
}

/** Sets `key` as an own data property, so that `__proto__` is data and never the prototype. */
export function defineEntry(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Go's `%T` of a value, for error messages that read like Kargo's. */
export function goTypeName(value: unknown): string {
  if (isNil(value)) return '<nil>';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float64';
    default:
      break;
  }
  if (Array.isArray(value)) return '[]interface {}';
  if (value instanceof ExprStruct) return value.typeName;
  if (isPlainObject(value)) return 'map[string]interface {}';
  return 'unsupported value';
}

/** expr-lang's `type()` names. */
export function exprTypeName(value: unknown): string {
  if (isNil(value)) return 'nil';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    default:
      break;
  }
  if (Array.isArray(value)) return 'array';
  if (value instanceof ExprStruct) return value.typeName;
  if (isPlainObject(value)) return 'map';
  return 'unknown';
}

const MAX_DATA_DEPTH = 1000;

/** expr-lang's `==`: numbers by value, everything else as `reflect.DeepEqual` would. */
export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (depth > MAX_DATA_DEPTH) fail('value is nested too deeply');
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => deepEqual(item, b[i], depth + 1))
    );
  }
  if (a instanceof ExprStruct || b instanceof ExprStruct) {
    return a instanceof ExprStruct && b instanceof ExprStruct && a.equals(b);
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = ownKeys(a);
    return (
      keys.length === ownKeys(b).length &&
      keys.every(
        key =>
          hasOwnData(b, key) &&
          deepEqual(ownValue(a, key), ownValue(b, key), depth + 1),
      )
    );
  }
  return a === b;
}

/** expr-lang's conversion of a condition to bool: nil is false, anything but a bool is an error. */
export function toBool(value: unknown, what: string): boolean {
  if (isNil(value)) return false;
  if (typeof value === 'boolean') return value;
  return fail(
    `invalid operation: ${what} on ${goTypeName(value)} (must be bool)`,
  );
}

/**
 * The plain data a caller outside the expression language should see: structs become what they marshal to as
 * JSON, `undefined` becomes `null`.
 */
export function toPlainData(value: unknown, depth = 0): unknown {
  if (depth > MAX_DATA_DEPTH) fail('value is nested too deeply');
  if (value === undefined) return null;
  if (value instanceof ExprStruct)
    return toPlainData(value.toJSONValue(), depth + 1);
  if (Array.isArray(value))
    return value.map(item => toPlainData(item, depth + 1));
  if (isPlainObject(value)) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const key of ownKeys(value)) {
      const item = ownValue(value, key);
      const plain = toPlainData(item, depth + 1);
      if (plain !== item) changed = true;
      defineEntry(out, key, plain);
    }
    return changed ? out : value;
  }
  return value;
}

export { MAX_DATA_DEPTH };
