/**
 * Go's formatting and parsing as Kargo's expression functions depend on it: `encoding/json` output, `%q` and `%v`
 * from `fmt`, and `strconv.ParseFloat` / `ParseBool`, which decide how a template's result is typed.
 */
import { fail } from './errors';
import {
  ExprStruct,
  isNil,
  isPlainObject,
  MAX_DATA_DEPTH,
  ownKeys,
  ownValue,
} from './values';

/** Orders strings as Go does, by their UTF-8 bytes (that is, by code point). */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (astral code points) sort after every BMP character in UTF-8.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

const HEX_DIGITS = '0123456789abcdef';

function jsonEscapeString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += text[i] + text[i + 1];
        i += 1;
      } else {
        out += '\\ufffd';
      }
      continue;
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x3c:
      case 0x3e:
      case 0x26:
      case 0x2028:
      case 0x2029:
        out += `\\u${c.toString(16).padStart(4, '0')}`;
        break;
      default:
        if (c < 0x20) {
          out += `\\u00${HEX_DIGITS[c >> 4]}${HEX_DIGITS[c & 0xf]}`;
        } else {
          out += text[i];
        }
    }
  }
  return `${out}"`;
}

function jsonNumber(value: number): string {
  if (!Number.isFinite(value)) {
    return fail(`json: unsupported value: ${formatGoFloat(value)}`);
  }
  // Go switches to exponent notation below 1e-6 and from 1e21, as JavaScript does, and writes "1e-07" as "1e-7"
  // as JavaScript does.
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * `json.Marshal` (or `json.MarshalIndent` with `indent`): map keys sorted, HTML characters escaped, structs as
 * their JSON view.
 */
export function marshalJSON(value: unknown, indent?: string): string {
  return marshalValue(value, indent, '', 0);
}

function marshalValue(
  value: unknown,
  indent: string | undefined,
  prefix: string,
  depth: number,
): string {
  if (depth > MAX_DATA_DEPTH) fail('json: value is nested too deeply');
  if (isNil(value)) return 'null';
  switch (typeof value) {
    case 'string':
      return jsonEscapeString(value);
    case 'number':
      return jsonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      break;
  }
  if (value instanceof ExprStruct) {
    return marshalValue(value.toJSONValue(), indent, prefix, depth + 1);
  }
  const inner = indent === undefined ? '' : prefix + indent;
  const open = indent === undefined ? '' : `\n${inner}`;
  const close = indent === undefined ? '' : `\n${prefix}`;
  const separator = indent === undefined ? ',' : `,\n${inner}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map(item =>
      marshalValue(item, indent, inner, depth + 1),
    );
    return `[${open}${items.join(separator)}${close}]`;
  }
  if (isPlainObject(value)) {
    const keys = ownKeys(value).sort(compareGoStrings);
    if (keys.length === 0) return '{}';
    const colon = indent === undefined ? ':' : ': ';
    const items = keys.map(
      key =>
        `${jsonEscapeString(key)}${colon}${marshalValue(
          ownValue(value, key),
          indent,
          inner,
          depth + 1,
        )}`,
    );
    return `{${open}${items.join(separator)}${close}}`;
  }
  return fail(
    `json: unsupported type: ${Object.prototype.toString.call(value)}`,
  );
}

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** `fmt.Sprintf("%q", s)`, that is `strconv.Quote`: Go escapes, printable characters kept as they are. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
      default:
        break;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is not valid text; Go would only ever see U+FFFD here.
      out += '\ufffd';
    } else if (GO_PRINTABLE.test(ch)) {
      out += ch;
    } else if (c < 0x20 || c === 0x7f) {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
    } else if (c < 0x10000) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\U${c.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

/**
 * `strconv.FormatFloat(f, 'g', -1, 64)`, which `fmt` uses for `%v`: exponent notation below 1e-4 and from 1e6
 * (the shortest form decides with a precision of 6), as in `1e+06`.
 */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

/**
 * `fmt.Sprint` of a value (expr-lang's `string()`): maps as `map[k:v ...]` with sorted keys, slices as `[a b]`,
 * nil as `<nil>`. Whole numbers print as integers; see `formatGoFloat` for the others.
 */
export function formatGo(value: unknown, depth = 0): string {
  if (depth > MAX_DATA_DEPTH) fail('value is nested too deeply');
  if (isNil(value)) return '<nil>';
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isInteger(value) && Math.abs(value) < 1e21
        ? String(value)
        : formatGoFloat(value);
    default:
      break;
  }
  if (value instanceof ExprStruct) {
    return value.format(item => formatGo(item, depth + 1));
  }
  if (Array.isArray(value)) {
    return `[${value.map(item => formatGo(item, depth + 1)).join(' ')}]`;
  }
  if (isPlainObject(value)) {
    const keys = ownKeys(value).sort(compareGoStrings);
    return `map[${keys
      .map(key => `${key}:${formatGo(ownValue(value, key), depth + 1)}`)
      .join(' ')}]`;
  }
  return fail(`cannot format ${Object.prototype.toString.call(value)}`);
}

const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_FLOAT =
  /^([+-]?)0[xX](_?[0-9a-fA-F])*(?:\.([0-9a-fA-F](_?[0-9a-fA-F])*)?)?[pP]([+-]?\d+)$/;
const HEX_FLOAT_NO_INT =
  /^([+-]?)0[xX]\.([0-9a-fA-F](_?[0-9a-fA-F])*)[pP]([+-]?\d+)$/;

function parseHexFloat(text: string): number | undefined {
  const match = HEX_FLOAT.exec(text) ?? HEX_FLOAT_NO_INT.exec(text);
  if (!match) return undefined;
  const clean = text.replace(/_/g, '');
  const body =
    /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(
      clean,
    );
  if (!body || (body[2] === '' && (body[3] ?? '') === '')) return undefined;
  const intPart = body[2];
  const fracPart = body[3] ?? '';
  let mantissa = 0;
  for (const digit of intPart + fracPart) {
    mantissa = mantissa * 16 + parseInt(digit, 16);
  }
  const value = mantissa * 2 ** (Number(body[4]) - 4 * fracPart.length);
  return body[1] === '-' ? -value : value;
}

/**
 * `strconv.ParseFloat(s, 64)`: decimal and hexadecimal (`0x1p-2`) floats, `inf`, `infinity` and `nan` in any
 * case. `undefined` where Go returns an error, including for values out of range.
 */
export function goParseFloat(text: string): number | undefined {
  const lower = text.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, '');
  if (unsigned === 'inf' || unsigned === 'infinity') {
    return lower.startsWith('-') ? -Infinity : Infinity;
  }
  if (lower === 'nan') return NaN;
  if (DECIMAL_FLOAT.test(text)) {
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined;
  }
  if (/^[+-]?0x/i.test(text)) {
    const value = parseHexFloat(text);
    return value !== undefined && Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}

const BOOLS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

/** `strconv.ParseBool`; `undefined` where Go returns an error. */
export function goParseBool(text: string): boolean | undefined {
  return Object.hasOwn(BOOLS, text) ? BOOLS[text] : undefined;
}

/**
 * `json.Unmarshal` into `any`: `undefined` when the text is not valid JSON or holds a number out of float64 range
 * (Go rejects those, JavaScript would read them as Infinity).
 */
export function goUnmarshalJSON(text: string): { value: unknown } | undefined {
  let outOfRange = false;
  let value: unknown;
  try {
    value = JSON.parse(text, (_key, item) => {
      if (typeof item === 'number' && !Number.isFinite(item)) outOfRange = true;
      return item;
    });
  } catch {
    return undefined;
  }
  return outOfRange ? undefined : { value };
}
