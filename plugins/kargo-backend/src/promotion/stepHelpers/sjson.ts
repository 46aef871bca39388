import { goFormatFloat, goJsonString } from './goFormat';

/**
 * Sets values in JSON text in place, with the results Kargo's `json-update` gets from tidwall/sjson's `Set`:
 * an existing value is replaced where it stands (the rest of the text is untouched); a missing key is appended
 * compactly before the closing brace of its object (`,"key":value`), creating missing objects on the way;
 * numeric parts index arrays (a missing index pads the array with `null`s), `-1` appends to an array, and a
 * part starting with `:` is always an object key. `\` escapes the next character of a part.
 *
 * Unlike sjson, the text must be valid JSON (or empty, which becomes an object): sjson does not validate and
 * returns "unexpected results" for invalid input, which a promotion should not commit. gjson query syntax
 * (`#`, `*`, `?`, `|`, `@`) is not supported either.
 */
export function setJsonValue(
  json: string,
  path: string,
  value: string | number | boolean,
): string {
  if (path === '') {
    throw new Error('path cannot be empty');
  }
  const parts = parseSjsonPath(path);
  let rendered: string;
  if (typeof value === 'string') {
    rendered = stringify(value);
  } else if (typeof value === 'number') {
    rendered = goFormatFloat(value);
  } else {
    rendered = String(value);
  }
  return setIn(json, parts, rendered);
}

/** One part of an sjson path: the key or index, and whether `:` forced it to be an object key. */
export interface SjsonPathPart {
  part: string;
  force: boolean;
}

const complexChars = new Set(['|', '#', '@', '*', '?']);

/** Splits an sjson path into its parts (`.` separates, `\` escapes, a leading `:` forces an object key). */
export function parseSjsonPath(path: string): SjsonPathPart[] {
  const parts: SjsonPathPart[] = [];
  let rest = path;
  for (;;) {
    let force = false;
    if (rest.startsWith(':')) {
      force = true;
      rest = rest.slice(1);
    }
    let part = '';
    let i = 0;
    let more = false;
    while (i < rest.length) {
      const char = rest[i];
      if (char === '.') {
        more = true;
        break;
      }
      if (char === '\\') {
        i++;
        if (i < rest.length) {
          part += rest[i];
        }
      } else if (complexChars.has(char)) {
        throw new Error(
          `path ${JSON.stringify(path)} uses gjson query syntax (${[
            ...complexChars,
          ].join(
            ' ',
          )}), which is not supported; escape the character with \\ to use it in a key`,
        );
      } else {
        part += char;
      }
      i++;
    }
    if (part === '') {
      throw new Error(`path ${JSON.stringify(path)} has an empty part`);
    }
    parts.push({ part, force });
    if (!more) {
      return parts;
    }
    rest = rest.slice(i + 1);
  }
}

/** The largest array index a missing element may be created at (sjson pads with `null`s up to it). */
const maxPaddedIndex = 100_000;

function setIn(json: string, parts: SjsonPathPart[], rendered: string): string {
  const [first, ...rest] = parts;
  const node = json.trim() === '' ? undefined : parseJsonText(json);
  const found = node && lookup(node, first.part);
  if (found) {
    const replacement =
      rest.length > 0
        ? setIn(json.slice(found.start, found.end), rest, rendered)
        : rendered;
    return `${json.slice(0, found.start)}${replacement}${json.slice(
      found.end,
    )}`;
  }
  const index = arrayIndex(first);
  let container: JsonNode;
  let text: string;
  if (node && node.type !== 'scalar') {
    container = node;
    text = json;
  } else {
    // Nothing there, or a scalar where a container is needed: sjson starts from an empty container.
    text = index === undefined ? '{}' : '[]';
    container = parseJsonText(text);
  }
  // Surrounding whitespace of the container is dropped, as sjson drops it.
  const open = text.slice(container.start, container.end - 1);
  if (container.type === 'object') {
    const comma = container.members.length > 0 ? ',' : '';
    return `${open}${comma}${build(false, parts, rendered)}}`;
  }
  if (container.type !== 'array') {
    throw new Error('json must be an object or array');
  }
  if (index === undefined) {
    if (first.force || first.part !== '-1') {
      throw new Error(
        `cannot set array element for non-numeric key '${first.part}'`,
      );
    }
    const comma = container.items.length > 0 ? ',' : '';
    return `${open}${comma}${build(true, parts, rendered)}]`;
  }
  const items = container.items.map(item => text.slice(item.start, item.end));
  const padding =
    items.length === 0
      ? 'null,'.repeat(index)
      : `${',null'.repeat(index - items.length)},`;
  return `[${items.join(',')}${padding}${build(true, parts, rendered)}]`;
}

/** sjson's `appendBuild`: the compact JSON for a path that does not exist yet. */
function build(
  inArray: boolean,
  parts: SjsonPathPart[],
  rendered: string,
): string {
  const [first, ...rest] = parts;
  const key = inArray ? '' : `${stringify(first.part)}:`;
  if (rest.length === 0) {
    return `${key}${rendered}`;
  }
  const next = rest[0];
  const index = arrayIndex(next);
  if (index !== undefined || (!next.force && next.part === '-1')) {
    return `${key}[${'null,'.repeat(index ?? 0)}${build(
      true,
      rest,
      rendered,
    )}]`;
  }
  return `${key}{${build(false, rest, rendered)}}`;
}

/** sjson's `atoui`: a part made only of digits, not forced to be a key, is an array index. */
function arrayIndex(part: SjsonPathPart): number | undefined {
  if (part.force || !/^[0-9]+$/.test(part.part)) {
    return undefined;
  }
  const index = Number(part.part);
  if (index > maxPaddedIndex) {
    throw new Error(
      `array index ${part.part} is larger than ${maxPaddedIndex}`,
    );
  }
  return index;
}

/** sjson writes plain ASCII strings as they are and everything else through Go's `json.Marshal`. */
function stringify(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f"\\\u0080-\uffff]/.test(value)
    ? goJsonString(value)
    : `"${value}"`;
}

function lookup(node: JsonNode, part: string): JsonNode | undefined {
  if (node.type === 'object') {
    return node.members.find(member => member.key === part)?.value;
  }
  if (node.type === 'array' && /^[0-9]+$/.test(part)) {
    return node.items[Number(part)];
  }
  return undefined;
}

/** A JSON value and where it is in the text. */
export type JsonNode =
  | {
      type: 'object';
      start: number;
      end: number;
      members: { key: string; value: JsonNode }[];
    }
  | { type: 'array'; start: number; end: number; items: JsonNode[] }
  | { type: 'scalar'; start: number; end: number };

const jsonLiteral =
  /true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/* eslint-disable no-control-regex */
const jsonString =
  /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
/* eslint-enable no-control-regex */

/** Deepest nesting of a JSON file json-update edits: the parser recurses once per level. */
const MAX_JSON_NESTING = 1000;

class JsonTextParser {
  pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  error(message: string): Error {
    return new Error(`invalid JSON at offset ${this.pos}: ${message}`);
  }

  skipSpace() {
    while (/[ \t\n\r]/.test(this.text[this.pos] ?? '')) {
      this.pos++;
    }
  }

  value(): JsonNode {
    const start = this.pos;
    const char = this.text[this.pos];
    if (char === '{' || char === '[') {
      if (++this.depth > MAX_JSON_NESTING) {
        throw this.error(`nested deeper than ${MAX_JSON_NESTING} levels`);
      }
      const node = char === '{' ? this.object(start) : this.array(start);
      this.depth--;
      return node;
    }
    if (char === '"') {
      this.string();
      return { type: 'scalar', start, end: this.pos };
    }
    jsonLiteral.lastIndex = this.pos;
    const literal = jsonLiteral.exec(this.text);
    if (!literal) {
      throw this.error('expected a value');
    }
    this.pos += literal[0].length;
    return { type: 'scalar', start, end: this.pos };
  }

  private object(start: number): JsonNode {
    this.pos++;
    const members: { key: string; value: JsonNode }[] = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { type: 'object', start, end: this.pos, members };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') {
        throw this.error('expected a key');
      }
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') {
        throw this.error('expected ":"');
      }
      this.pos++;
      this.skipSpace();
      members.push({ key, value: this.value() });
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === '}') {
        return { type: 'object', start, end: this.pos, members };
      }
      if (next !== ',') {
        this.pos--;
        throw this.error('expected "," or "}"');
      }
    }
  }

  private array(start: number): JsonNode {
    this.pos++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { type: 'array', start, end: this.pos, items };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value());
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === ']') {
        return { type: 'array', start, end: this.pos, items };
      }
      if (next !== ',') {
        this.pos--;
        throw this.error('expected "," or "]"');
      }
    }
  }

  private string(): string {
    jsonString.lastIndex = this.pos;
    const match = jsonString.exec(this.text);
    if (!match) {
      throw this.error('invalid string');
    }
    this.pos += match[0].length;
    return JSON.parse(match[0]) as string;
  }
}

/** Parses JSON text (one value, surrounded by optional whitespace) keeping the position of every value. */
export function parseJsonText(text: string): JsonNode {
  const parser = new JsonTextParser(text);
  parser.skipSpace();
  const node = parser.value();
  parser.skipSpace();
  if (parser.pos !== text.length) {
    throw parser.error('unexpected text after the JSON value');
  }
  return node;
}
