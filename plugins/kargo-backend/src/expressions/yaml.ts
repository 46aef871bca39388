/**
 * YAML output as Kargo's `asYAML()` produces it with go.yaml.in/yaml/v3 (`yaml.Marshal`): four-space indentation,
 * sequences indented under their key, map keys in the library's natural order, strings quoted only where a YAML
 * reader would otherwise take them for something else, multi-line strings as literal blocks, long lines never
 * folded. The layout rules below are those of the library's emitter (emitterc.go, encode.go, resolve.go,
 * sorter.go at v3.0.4), re-derived for plain data.
 */
import { fail } from './errors';
import { formatGoFloat } from './golang';
import {
  ExprStruct,
  isNil,
  isPlainObject,
  MAX_DATA_DEPTH,
  ownKeys,
  ownValue,
} from './values';
import {
  Style,
  isPrintable,
  isBreak,
  codePoints,
  analyze,
  canUsePlain,
} from './yamlScalars';

const BEST_INDENT = 4;

// --- the emitter ----------------------------------------------------------------------------------------------

interface ScalarEvent {
  value: string;
  /** The style the representer asks for; the emitter may have to pick a safer one. */
  style: Style;
}

function scalarOf(value: unknown): ScalarEvent | undefined {
  if (isNil(value)) return { value: 'null', style: 'plain' };
  switch (typeof value) {
    case 'boolean':
      return { value: value ? 'true' : 'false', style: 'plain' };
    case 'number': {
      let text: string;
      if (Number.isNaN(value)) text = '.nan';
      else if (value === Infinity) text = '.inf';
      else if (value === -Infinity) text = '-.inf';
      else if (Number.isInteger(value) && Math.abs(value) < 1e21) {
        text = String(value);
      } else text = formatGoFloat(value);
      return { value: text, style: 'plain' };
    }
    case 'string': {
      let style: Style = 'double';
      if (value.includes('\n')) style = 'literal';
      else if (canUsePlain(value)) style = 'plain';
      return { value, style };
    }
    default:
      return undefined;
  }
}

const DOUBLE_ESCAPES: Record<number, string> = {
  0x00: '0',
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x1b: 'e',
  0x22: '"',
  0x5c: '\\',
  0x85: 'N',
  0xa0: '_',
  0x2028: 'L',
  0x2029: 'P',
};

/** `String.fromCodePoint` of any number of code points, by chunks: one call with them all overflows the stack. */
function fromCodePoints(chars: number[]): string {
  const CHUNK = 8192;
  let out = '';
  for (let i = 0; i < chars.length; i += CHUNK) {
    out += String.fromCodePoint(...chars.slice(i, i + CHUNK));
  }
  return out;
}

class Emitter {
  out = '';
  column = 0;
  indent = -1;
  /** The last thing written was whitespace (or nothing). */
  whitespace = true;
  /** Only indentation has been written on the current line. */
  indention = true;

  private put(text: string): void {
    this.out += text;
    this.column += [...text].length;
  }

  private putBreak(): void {
    this.out += '\n';
    this.column = 0;
    this.indention = true;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (
      !this.indention ||
      this.column > indent ||
      (this.column === indent && !this.whitespace)
    ) {
      this.putBreak();
    }
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
  }

  writeIndicator(
    indicator: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean,
  ): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(indicator);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  /** The indentation of a node nested in one at `indent`; `inSequenceItem` when the parent is `- `. */
  static nestedIndent(
    indent: number,
    inSequenceItem: boolean,
    flow: boolean,
  ): number {
    if (indent < 0) return flow ? BEST_INDENT : 0;
    if (inSequenceItem) return indent + 2;
    return BEST_INDENT * Math.floor((indent + BEST_INDENT) / BEST_INDENT);
  }

  emitScalar(
    event: ScalarEvent,
    context: { simpleKey: boolean; inSequenceItem: boolean },
  ): void {
    const chars = codePoints(event.value);
    const analysis = analyze(chars);
    let style = event.style;
    if (context.simpleKey && analysis.multiline) style = 'double';
    if (style === 'plain') {
      if (!analysis.blockPlainAllowed) style = 'single';
      if (chars.length === 0 && context.simpleKey) style = 'single';
    }
    if (style === 'single' && !analysis.singleQuotedAllowed) style = 'double';
    if (style === 'literal' && (!analysis.blockAllowed || context.simpleKey)) {
      style = 'double';
    }
    const saved = this.indent;
    this.indent = Emitter.nestedIndent(
      this.indent,
      context.inSequenceItem,
      true,
    );
    switch (style) {
      case 'plain':
        this.writePlain(chars);
        break;
      case 'single':
        this.writeSingleQuoted(chars);
        break;
      case 'double':
        this.writeDoubleQuoted(chars);
        break;
      default:
        this.writeLiteral(chars);
    }
    this.indent = saved;
  }

  private writePlain(chars: number[]): void {
    if (chars.length > 0 && !this.whitespace) this.put(' ');
    this.put(fromCodePoints(chars));
    if (chars.length > 0) this.whitespace = false;
    this.indention = false;
  }

  private writeSingleQuoted(chars: number[]): void {
    this.writeIndicator("'", true, false, false);
    this.put(fromCodePoints(chars).replace(/'/g, "''"));
    this.writeIndicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeDoubleQuoted(chars: number[]): void {
    this.writeIndicator('"', true, false, false);
    let text = '';
    for (const c of chars) {
      if (
        !isPrintable(c) ||
        c === 0xfeff ||
        isBreak(c) ||
        c === 0x22 ||
        c === 0x5c
      ) {
        let escape = DOUBLE_ESCAPES[c];
        if (escape === undefined) {
          const hex = c.toString(16).toUpperCase();
          if (c <= 0xff) escape = `x${hex.padStart(2, '0')}`;
          else if (c <= 0xffff) escape = `u${hex.padStart(4, '0')}`;
          else escape = `U${hex.padStart(8, '0')}`;
        }
        text += `\\${escape}`;
      } else {
        text += String.fromCodePoint(c);
      }
    }
    this.put(text);
    this.writeIndicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  private writeLiteral(chars: number[]): void {
    this.writeIndicator('|', true, false, false);
    let hints = '';
    if (chars[0] === 0x20 || isBreak(chars[0])) hints += String(BEST_INDENT);
    const last = chars.length - 1;
    if (!isBreak(chars[last])) hints += '-';
    else if (last === 0 || isBreak(chars[last - 1])) hints += '+';
    if (hints) this.writeIndicator(hints, false, false, false);
    this.putBreak();
    this.whitespace = true;
    let breaks = true;
    for (const c of chars) {
      if (isBreak(c)) {
        if (c === 0x0a) {
          this.putBreak();
        } else {
          this.out += String.fromCodePoint(c);
          this.column = 0;
          this.indention = true;
        }
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.put(String.fromCodePoint(c));
        this.indention = false;
        breaks = false;
      }
    }
  }

  emitNode(value: unknown, context: NodeContext, depth: number): void {
    if (depth > MAX_DATA_DEPTH) fail('asYAML: value is nested too deeply');
    const data = value instanceof ExprStruct ? value.toJSONValue() : value;
    const scalar = scalarOf(data);
    if (scalar) {
      this.emitScalar(scalar, context);
      return;
    }
    if (Array.isArray(data)) {
      if (data.length === 0) {
        this.writeIndicator('[]', true, false, false);
        return;
      }
      const saved = this.indent;
      this.indent = Emitter.nestedIndent(
        this.indent,
        context.inSequenceItem,
        false,
      );
      for (const item of data) {
        this.writeIndent();
        this.writeIndicator('-', true, false, true);
        this.emitNode(
          item,
          { simpleKey: false, inSequenceItem: true },
          depth + 1,
        );
      }
      this.indent = saved;
      return;
    }
    if (isPlainObject(data)) {
      const keys = ownKeys(data).sort(naturalLess);
      if (keys.length === 0) {
        this.writeIndicator('{}', true, false, false);
        return;
      }
      const saved = this.indent;
      this.indent = Emitter.nestedIndent(
        this.indent,
        context.inSequenceItem,
        false,
      );
      for (const key of keys) {
        this.writeIndent();
        const keyScalar = scalarOf(key)!;
        const simple =
          !key.includes('\n') &&
          !codePoints(key).some(isBreak) &&
          new TextEncoder().encode(key).length <= 128;
        if (simple) {
          this.emitScalar(keyScalar, {
            simpleKey: true,
            inSequenceItem: false,
          });
          this.writeIndicator(':', false, false, false);
        } else {
          this.writeIndicator('?', true, false, true);
          this.emitScalar(keyScalar, {
            simpleKey: false,
            inSequenceItem: false,
          });
          this.writeIndent();
          this.writeIndicator(':', true, false, true);
        }
        this.emitNode(
          ownValue(data, key),
          { simpleKey: false, inSequenceItem: false },
          depth + 1,
        );
      }
      this.indent = saved;
      return;
    }
    fail(`asYAML: cannot marshal ${Object.prototype.toString.call(data)}`);
  }

  finish(): string {
    this.indent = -1;
    this.writeIndent();
    return this.out;
  }
}

interface NodeContext {
  simpleKey: boolean;
  inSequenceItem: boolean;
}

const IS_LETTER = /^\p{L}$/u;
const IS_DIGIT = /^\p{Nd}$/u;

/** go-yaml's key order: letters before digits after a shared digit prefix, numbers compared by value. */
function naturalLess(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = IS_DIGIT.test(ar[i]);
      continue;
    }
    const al = IS_LETTER.test(ar[i]);
    const bl = IS_LETTER.test(br[i]);
    if (al && bl) return ar[i].codePointAt(0)! < br[i].codePointAt(0)! ? -1 : 1;
    if (al || bl) {
      if (digits) return al ? -1 : 1;
      return bl ? -1 : 1;
    }
    let an = 0n;
    let bn = 0n;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && IS_DIGIT.test(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && IS_DIGIT.test(ar[ai]); ai++) {
      an = an * 10n + BigInt(ar[ai].charCodeAt(0) - 48);
    }
    let bi = i;
    for (; bi < br.length && IS_DIGIT.test(br[bi]); bi++) {
      bn = bn * 10n + BigInt(br[bi].charCodeAt(0) - 48);
    }
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ar[i].codePointAt(0)! < br[i].codePointAt(0)! ? -1 : 1;
  }
  return ar.length - br.length;
}

/** `yaml.Marshal(value)` of go.yaml.in/yaml/v3 for plain data (and structs, by their JSON view). */
export function marshalYAML(value: unknown): string {
  const emitter = new Emitter();
  emitter.emitNode(value, { simpleKey: false, inSequenceItem: false }, 0);
  return emitter.finish();
}
