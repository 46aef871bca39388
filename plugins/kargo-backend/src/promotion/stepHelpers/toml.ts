import {
  AST,
  getStaticTOMLValue,
  parseTOML,
  traverseNodes,
} from 'toml-eslint-parser';
import { splitKey } from './yamlValues';

// TOML as Kargo reads and edits it (pkg/toml, on go-toml v2): TOML 1.0; edits replace the bytes of existing
// scalar values only, so comments, layout and the rest of the file stay as they were.

/** Parses TOML 1.0 text; a syntax error names its line and column. */
function parseTomlText(text: string): AST.TOMLProgram {
  try {
    return parseTOML(text, { tomlVersion: '1.0' });
  } catch (error) {
    const { message, lineNumber, column } = error as {
      message: string;
      lineNumber?: number;
      column?: number;
    };
    throw new Error(
      lineNumber === undefined
        ? message
        : `toml: line ${lineNumber} column ${column}: ${message}`,
      { cause: error },
    );
  }
}

/**
 * The data of a TOML document (Kargo unmarshals into `map[string]any`). Date-times, which have no JSON form,
 * are given as their RFC 3339 text (`1979-05-27T07:32:00Z`, a local date as `1979-05-27`), as Kargo's outputs
 * serialize them.
 */
export function readTomlData(text: string): Record<string, unknown> {
  const ast = parseTomlText(text);
  const dateTexts = new Map<unknown, string>();
  traverseNodes(ast, {
    enterNode(node) {
      if (node.type === 'TOMLValue' && node.value instanceof Date) {
        dateTexts.set(
          node.value,
          text.slice(node.range[0], node.range[1]).replace(/[ tT]/, 'T'),
        );
      }
    },
    leaveNode() {},
  });
  const replaceDates = (value: unknown): unknown => {
    if (value instanceof Date) return dateTexts.get(value) ?? value.toJSON();
    if (Array.isArray(value)) return value.map(replaceDates);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, replaceDates(v)]),
      );
    }
    return value;
  };
  return replaceDates(getStaticTOMLValue(ast)) as Record<string, unknown>;
}

/** One change of `toml-update`: the value of an existing scalar addressed by a key path. */
export interface TomlValueUpdate {
  key: string;
  value: unknown;
}

interface IndexedNode {
  /** go-toml's name of the node kind, as Kargo's messages give it. */
  kind: string;
  range?: [number, number];
}

/**
 * Sets existing scalar values of a TOML document, as Kargo's `toml.SetValuesInBytes` does. Keys are dotted
 * paths (`package.version`, `servers.0.port` for an element of an array or array of tables, `\.` for a dot in
 * a key). A key that is not in the document, or that addresses a table or an array, is an error; the value must
 * be a string, number or boolean. Only the bytes of the values change.
 */
export function setTomlValues(
  text: string,
  updates: TomlValueUpdate[],
): string {
  const index = indexNodes(parseTomlText(text));
  const changes = new Map<
    string,
    { start: number; end: number; replacement: string }
  >();
  for (const { key, value } of updates) {
    let parts: string[];
    try {
      parts = splitKey(key);
    } catch (error) {
      throw new Error(
        `error splitting key ${key}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const path = encodePath(parts);
    const node = index.get(path);
    if (!node) {
      throw new Error(`error finding key ${key}: key path not found`);
    }
    if (!node.range) {
      throw new Error(
        `error finding key ${key}: key path addresses ${node.kind} instead of a scalar node`,
      );
    }
    let replacement: string;
    try {
      replacement = formatTomlValue(value);
    } catch (error) {
      throw new Error(
        `error formatting value for key ${key}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const [start, end] = node.range;
    changes.set(path, { start, end, replacement });
  }
  let result = text;
  for (const change of [...changes.values()].sort(
    (a, b) => b.start - a.start,
  )) {
    result =
      result.slice(0, change.start) +
      change.replacement +
      result.slice(change.end);
  }
  return result;
}

/** A TOML scalar for `value`, written as go-toml v2 writes it. */
export function formatTomlValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return formatTomlString(value);
    case 'boolean':
      return String(value);
    case 'number':
      if (!Number.isFinite(value)) {
        if (Number.isNaN(value)) return 'nan';
        return value > 0 ? 'inf' : '-inf';
      }
      // JSON has one number type; a whole number is written as a TOML integer, others as floats.
      if (Number.isInteger(value) && Number.isSafeInteger(value)) {
        return String(value);
      }
      return formatTomlFloat(value);
    default:
      throw new Error('value is not a TOML scalar type');
  }
}

/** A value as Kargo's commit messages show it: its TOML form, or as Go prints it when it has none. */
export function formatTomlValueForMessage(value: unknown): string {
  try {
    return formatTomlValue(value);
  } catch {
    return value === null || value === undefined
      ? '<nil>'
      : JSON.stringify(value);
  }
}

function formatTomlFloat(value: number): string {
  const text = String(value);
  // TOML needs a fraction or an exponent in a float, and exponents as `e+21`, which String() gives.
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/**
 * A literal string (`'...'`) unless the text holds a quote, a line break or a control character; then a basic
 * string with escapes.
 */
function formatTomlString(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/['\r\n\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    return `'${value}'`;
  }
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    switch (char) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out +=
          code < 0x20 || code === 0x7f
            ? `\\u${code.toString(16).padStart(4, '0')}`
            : char;
    }
  }
  return `${out}"`;
}

function encodePath(parts: readonly (string | number)[]): string {
  return parts.map(part => `${String(part).length}:${part}|`).join('');
}

/** Every addressable node of the document by its key path: scalars with their byte range, the others by kind. */
function indexNodes(ast: AST.TOMLProgram): Map<string, IndexedNode> {
  const index = new Map<string, IndexedNode>();
  const arrayTableCounts = new Map<string, number>();
  const keyParts = (key: AST.TOMLKey) =>
    key.keys.map(k => (k.type === 'TOMLBare' ? k.name : k.value));

  const indexValue = (node: AST.TOMLContentNode, path: string[]) => {
    switch (node.type) {
      case 'TOMLArray':
        index.set(encodePath(path), { kind: 'Array' });
        node.elements.forEach((element, i) =>
          indexValue(element, [...path, String(i)]),
        );
        return;
      case 'TOMLInlineTable':
        index.set(encodePath(path), { kind: 'InlineTable' });
        for (const child of node.body) {
          indexValue(child.value, [...path, ...keyParts(child.key)]);
        }
        return;
      default:
        index.set(encodePath(path), { kind: node.kind, range: node.range });
    }
  };

  for (const entry of ast.body[0].body) {
    if (entry.type === 'TOMLKeyValue') {
      indexValue(entry.value, keyParts(entry.key));
      continue;
    }
    let tablePath = keyParts(entry.key);
    if (entry.kind === 'array') {
      const counted = encodePath(tablePath);
      index.set(counted, { kind: 'ArrayTable' });
      const n = arrayTableCounts.get(counted) ?? 0;
      arrayTableCounts.set(counted, n + 1);
      tablePath = [...tablePath, String(n)];
      index.set(encodePath(tablePath), { kind: 'ArrayTable' });
    } else {
      index.set(encodePath(tablePath), { kind: 'Table' });
    }
    for (const child of entry.body) {
      indexValue(child.value, [...tablePath, ...keyParts(child.key)]);
    }
  }
  return index;
}
