/**
 * The few Go standard library behaviours Kargo's file steps depend on, so that the portal writes the same bytes
 * and the same messages: `strconv.Quote` (`%q`), `strconv.ParseFloat`/`ParseBool`/`Atoi` as used to decide
 * quoting and to read sequence indexes, `encoding/json` string encoding and `strconv.FormatFloat(f, 'f', -1, 64)`
 * as used by tidwall/sjson, and `strings.TrimSpace`.
 */

const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

const namedEscapes: Record<number, string> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
};

const hex = (value: number, width: number) =>
  value.toString(16).padStart(width, '0');

/** Go's `strconv.Quote` (what `fmt`'s `%q` prints for a string). */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') {
      out += `\\${char}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // A lone surrogate is what invalid UTF-8 becomes in JavaScript; Go prints the replacement character.
      out += '\\ufffd';
    } else if (char === ' ' || printable.test(char)) {
      out += char;
    } else if (namedEscapes[code]) {
      out += namedEscapes[code];
    } else if (code < 0x20 || code === 0x7f) {
      out += `\\x${hex(code, 2)}`;
    } else if (code < 0x10000) {
      out += `\\u${hex(code, 4)}`;
    } else {
      out += `\\U${hex(code, 8)}`;
    }
  }
  return `${out}"`;
}

const goBools = new Set([
  '1',
  't',
  'T',
  'TRUE',
  'true',
  'True',
  '0',
  'f',
  'F',
  'FALSE',
  'false',
  'False',
]);

/** Whether Go's `strconv.ParseBool` accepts the string. */
export function goParseBoolOk(value: string): boolean {
  return goBools.has(value);
}

/** Whether Go's `json.Valid` accepts the string. */
export function jsonValid(value: string): boolean {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

const decimalFloat =
  /^[+-]?(?=[0-9_]*\.?[0-9_]*[0-9])[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9][0-9_]*)?$/;
const hexFloat =
  /^[+-]?0[xX](?=[0-9a-fA-F_]*\.?[0-9a-fA-F_]*[0-9a-fA-F])[0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?[pP][+-]?[0-9][0-9_]*$/;

/**
 * Whether Go's `strconv.ParseFloat(value, 64)` returns no error: decimal or hexadecimal float syntax (with
 * underscores only between digits), `inf`/`infinity` with an optional sign or `nan` in any case, and a value
 * that does not overflow float64.
 */
export function goParseFloatOk(value: string): boolean {
  const special = value.replace(/^[+-]/, '').toLowerCase();
  if (special === 'inf' || special === 'infinity') {
    return true;
  }
  if (value.toLowerCase() === 'nan') {
    return true;
  }
  if (decimalFloat.test(value)) {
    if (value.includes('_') && !underscoresOk(value)) {
      return false;
    }
    return Number.isFinite(Number(value.replace(/_/g, '')));
  }
  if (hexFloat.test(value)) {
    if (value.includes('_') && !underscoresOk(value)) {
      return false;
    }
    return Number.isFinite(hexFloatValue(value.replace(/_/g, '')));
  }
  return false;
}

/** Go's `underscoreOK`: every underscore sits between digits (a base prefix counts as a digit). */
function underscoresOk(value: string): boolean {
  let rest = value.replace(/^[+-]/, '');
  let saw = '^';
  let isHex = false;
  if (/^0[bBoOxX]/.test(rest)) {
    isHex = /^0[xX]/.test(rest);
    rest = rest.slice(2);
    saw = '0';
  }
  for (const char of rest) {
    if (/[0-9]/.test(char) || (isHex && /[a-fA-F]/.test(char))) {
      saw = '0';
    } else if (char === '_') {
      if (saw !== '0') {
        return false;
      }
      saw = '_';
    } else {
      if (saw === '_') {
        return false;
      }
      saw = '!';
    }
  }
  return saw !== '_';
}

function hexFloatValue(value: string): number {
  const match =
    /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(
      value,
    )!;
  const [, sign, whole, fraction = '', exponent] = match;
  const mantissa = parseInt(`${whole}${fraction}` || '0', 16);
  const result = mantissa * 2 ** (Number(exponent) - 4 * fraction.length);
  return sign === '-' ? -result : result;
}

/**
 * Go's `strconv.Atoi`, with its error messages (`strconv.Atoi: parsing "x": invalid syntax`), used where Kargo
 * reads a key path part as a sequence index.
 */
export function goAtoi(value: string): number {
  if (!/^[+-]?[0-9]+$/.test(value)) {
    throw new Error(`strconv.Atoi: parsing ${goQuote(value)}: invalid syntax`);
  }
  const parsed = BigInt(value);
  if (parsed > 9223372036854775807n || parsed < -9223372036854775808n) {
    throw new Error(
      `strconv.Atoi: parsing ${goQuote(value)}: value out of range`,
    );
  }
  return Number(parsed);
}

const htmlEscapes: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A JSON string literal exactly as Go's `json.Marshal` writes it (HTML-safe escaping included). */
export function goJsonString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (htmlEscapes[char]) {
      out += htmlEscapes[char];
    } else if (code < 0x20 || char === '<' || char === '>' || char === '&') {
      out += `\\u${hex(code, 4)}`;
    } else if (code === 0x2028 || code === 0x2029) {
      out += `\\u${hex(code, 4)}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += '\\ufffd';
    } else {
      out += char;
    }
  }
  return `${out}"`;
}

/** Go's `strconv.FormatFloat(value, 'f', -1, 64)`: the shortest digits that round-trip, never an exponent. */
export function goFormatFloat(value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '+Inf' : '-Inf';
  }
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const shortest = Math.abs(value).toString();
  const match = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(shortest);
  if (!match) {
    return `${sign}${shortest}`;
  }
  const [, whole, fraction = '', exponentText] = match;
  const digits = `${whole}${fraction}`;
  const point = whole.length + Number(exponentText);
  if (point <= 0) {
    return `${sign}0.${'0'.repeat(-point)}${digits}`;
  }
  if (point >= digits.length) {
    return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  }
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

const goSpace =
  '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const goSpaceEdges = new RegExp(`^${goSpace}+|${goSpace}+$`, 'g');

/** Go's `strings.TrimSpace`. */
export function goTrimSpace(value: string): string {
  return value.replace(goSpaceEdges, '');
}
