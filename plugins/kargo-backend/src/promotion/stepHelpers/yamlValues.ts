import {
  Document,
  isMap,
  isScalar,
  isSeq,
  Node,
  parseAllDocuments,
  Scalar,
} from 'yaml';
import {
  goAtoi,
  goParseBoolOk,
  goParseFloatOk,
  goQuote,
  goTrimSpace,
  jsonValid,
} from './goFormat';
import {
  assertValidYaml,
  firstYamlDocument,
  yamlParseOptions,
} from './yamlDocuments';
import { messageOf } from './stepConfig';

/** One change `yaml-update` makes: the value of an existing scalar addressed by a key path. */
export interface YamlValueUpdate {
  key: string;
  value?: unknown;
}

/**
 * Splits a key path the way Kargo's `pkg/sjson.SplitKey` does: `.` separates parts, `\.` and `\:` are the only
 * escapes, and a `:` is allowed only at the start of a part (where it marks a numeric-looking part as a map key)
 * and is dropped.
 */
export function splitKey(key: string): string[] {
  const trimmed = goTrimSpace(key);
  if (trimmed === '') {
    throw new Error('empty key');
  }
  const parts: string[] = [];
  let current = '';
  let escaped = false;
  for (const char of trimmed) {
    if (escaped) {
      if (char !== '.' && char !== ':') {
        throw new Error(`invalid escape sequence in key ${goQuote(trimmed)}`);
      }
      current += char;
      escaped = false;
    } else if (char === '\\') {
      escaped = true;
    } else if (char === '.') {
      if (current === '') {
        throw new Error(`empty key part in key ${goQuote(trimmed)}`);
      }
      parts.push(current);
      current = '';
    } else if (char === ':') {
      if (current !== '') {
        throw new Error(`unexpected colon in key ${goQuote(trimmed)}`);
      }
    } else {
      current += char;
    }
  }
  if (current === '') {
    throw new Error(`empty key part in key ${goQuote(trimmed)}`);
  }
  parts.push(current);
  return parts;
}

/**
 * Kargo's `QuoteIfNecessary` decision: a string that Go reads as a float or a bool, or that is valid JSON, is
 * written double-quoted (Go `%q`) so that YAML keeps it a string.
 */
export function kargoWouldQuote(value: string): boolean {
  return goParseFloatOk(value) || goParseBoolOk(value) || jsonValid(value);
}

/** Kargo's `QuoteIfNecessary`: a string it would quote, Go-quoted; any other value as it is. */
export function quoteIfNecessary(value: unknown): unknown {
  return typeof value === 'string' && kargoWouldQuote(value)
    ? goQuote(value)
    : value;
}

/** The scalar value node a key path addresses, found the way Kargo's `findScalarNode` walks the document. */
export function findScalarNode(root: unknown, keyPath: string[]): Scalar {
  let node = root;
  for (const part of keyPath) {
    if (isMap(node)) {
      const pair = node.items.find(
        item => isScalar(item.key) && scalarKeyText(item.key) === part,
      );
      if (!pair) {
        throw new Error('key path not found');
      }
      node = pair.value;
    } else if (isSeq(node)) {
      const index = goAtoi(part);
      if (index < 0 || index >= node.items.length) {
        throw new Error('key path not found');
      }
      node = node.items[index];
    } else {
      throw new Error('key path not found');
    }
  }
  if (!isScalar(node)) {
    throw new Error('key path does not address a scalar node');
  }
  return node;
}

/** The text of a key as Go's yaml.v3 `Node.Value` holds it: plain keys as written, quoted keys unescaped. */
function scalarKeyText(key: Scalar): string {
  return typeof key.source === 'string' ? key.source : String(key.value);
}

/**
 * Returns `text` with the scalars addressed by `updates` replaced, everything else byte for byte as it was:
 * comments (also a comment after the edited value), indentation, quoting of other values, line endings and the
 * presence or absence of a final newline. Only existing keys that address scalar nodes can be updated, as in
 * Kargo.
 */
export function setYamlValues(
  text: string,
  updates: YamlValueUpdate[],
): string {
  const doc = firstYamlDocument(text);
  if (doc) {
    try {
      assertValidYaml(doc);
    } catch (error) {
      throw new Error(`error unmarshaling input: ${messageOf(error)}`);
    }
  }
  const edits = new Map<Scalar, { value: unknown; key: string }>();
  for (const update of updates) {
    let keyPath: string[];
    try {
      keyPath = splitKey(update.key);
    } catch (error) {
      throw new Error(`error splitting key ${update.key}: ${messageOf(error)}`);
    }
    try {
      const node = findScalarNode(doc?.contents ?? null, keyPath);
      // A later update of the same node wins, as a later write of the same line does in Kargo.
      edits.delete(node);
      edits.set(node, { value: update.value, key: update.key });
    } catch (error) {
      throw new Error(`error finding key ${update.key}: ${messageOf(error)}`);
    }
  }
  const flowNodes = doc ? nodesInFlowCollections(doc) : new Set<Node>();
  const replacements = [...edits].map(([node, { value, key }]) => ({
    ...replacementRange(text, node),
    text: renderYamlScalar(value, key, flowNodes.has(node)),
  }));
  replacements.sort((a, b) => b.start - a.start);
  let out = text;
  for (const replacement of replacements) {
    const before = out.slice(0, replacement.start);
    const after = out.slice(replacement.end);
    const lead =
      replacement.start === replacement.end && needsSpaceBefore(before)
        ? ' '
        : '';
    const trail =
      replacement.start === replacement.end && after.startsWith('#') ? ' ' : '';
    out = `${before}${lead}${replacement.text}${trail}${after}`;
  }
  const check = replacements.length > 0 ? firstYamlDocument(out) : undefined;
  if (check && check.errors.length > 0) {
    // Never write a file the update broke; this guards the rendering rules above.
    throw new Error(
      `the updated document would not be valid YAML: ${check.errors[0].message}`,
    );
  }
  return out;
}

function needsSpaceBefore(before: string): boolean {
  return before !== '' && !/[\s[{,]$/.test(before);
}

/** Where the value of a scalar is in the source: its anchor and tag stay, its comment and line break stay. */
function replacementRange(
  text: string,
  node: Scalar,
): { start: number; end: number } {
  const [start, valueEnd] = node.range!;
  let end = valueEnd;
  if (node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL') {
    while (end > start && (text[end - 1] === '\n' || text[end - 1] === '\r')) {
      end--;
    }
  }
  return { start, end };
}

function nodesInFlowCollections(doc: Document): Set<Node> {
  const inFlow = new Set<Node>();
  const visit = (node: unknown, flow: boolean) => {
    if (isMap(node)) {
      const childFlow = flow || Boolean(node.flow);
      for (const pair of node.items) {
        visit(pair.key, childFlow);
        visit(pair.value, childFlow);
      }
    } else if (isSeq(node)) {
      const childFlow = flow || Boolean(node.flow);
      for (const item of node.items) {
        visit(item, childFlow);
      }
    } else if (isScalar(node) && flow) {
      inFlow.add(node);
    }
  };
  visit(doc.contents, false);
  return inFlow;
}

/**
 * How `yaml-update` writes a value: numbers and booleans as they are; strings raw unless Kargo's
 * `QuoteIfNecessary` would quote them (Go `%q`). A string Kargo would write raw but that would not read back as
 * the same string (empty, `~`, `yes`, `a: b`, several lines, ...) is quoted too, so that an update can never
 * change the type of a value or break the file. Only scalars are accepted, as documented.
 */
export function renderYamlScalar(
  value: unknown,
  key: string,
  inFlow = false,
): string {
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'boolean') {
    return String(value);
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  if (typeof value === 'string') {
    if (kargoWouldQuote(value) || !readsBackAsPlainString(value, inFlow)) {
      return goQuote(value);
    }
    return value;
  }
  throw new Error(`value for key ${goQuote(key)} is not a scalar`);
}

function readsBackAsPlainString(value: string, inFlow: boolean): boolean {
  if (value === '' || /[\n\r\t]/.test(value) || value !== value.trim()) {
    return false;
  }
  const probe = inFlow ? `[${value}]` : `k: ${value}`;
  // Readers of YAML 1.1 (Helm's values, yaml.v2) must read the same string as readers of YAML 1.2.
  return (['1.2', '1.1'] as const).every(version => {
    const [doc] = parseAllDocuments(probe, { ...yamlParseOptions, version });
    if (!doc || doc.errors.length > 0) {
      return false;
    }
    try {
      const read: unknown = doc.toJS();
      if (inFlow) {
        return Array.isArray(read) && read.length === 1 && read[0] === value;
      }
      return (read as Record<string, unknown>).k === value;
    } catch {
      return false;
    }
  });
}
