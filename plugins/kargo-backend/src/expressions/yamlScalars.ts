/*
 * How go-yaml (go.yaml.in/yaml/v3 emitterc.go and resolve.go) looks at a scalar before writing it: which styles
 * it allows, and whether a plain scalar would be read back as something other than a string.
 */

export type Style = 'plain' | 'single' | 'double' | 'literal';

interface ScalarAnalysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

export function isPrintable(c: number): boolean {
  return (
    c === 0x0a ||
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff)
  );
}

export function isBreak(c: number | undefined): boolean {
  return c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
}

function isBlank(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}

export function codePoints(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    out.push(c >= 0xd800 && c <= 0xdfff ? 0xfffd : c);
  }
  return out;
}

export function analyze(chars: number[]): ScalarAnalysis {
  if (chars.length === 0) {
    return {
      multiline: false,
      blockPlainAllowed: true,
      singleQuotedAllowed: true,
      blockAllowed: false,
    };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let tabCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  const text = String.fromCodePoint(...chars.slice(0, 3));
  if (text === '---' || text === '...') blockIndicators = true;
  let precededByWhitespace = true;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const followedByWhitespace = i + 1 >= chars.length || isBlank(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(String.fromCodePoint(c))) {
        blockIndicators = true;
      } else if ((c === 0x3f || c === 0x3a) && followedByWhitespace) {
        blockIndicators = true;
      } else if (c === 0x2d && followedByWhitespace) {
        blockIndicators = true;
      }
    } else if (c === 0x3a && followedByWhitespace) {
      blockIndicators = true;
    } else if (c === 0x23 && precededByWhitespace) {
      blockIndicators = true;
    }
    if (c === 0x09) {
      tabCharacters = true;
    } else if (!isPrintable(c)) {
      specialCharacters = true;
    }
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === 0;
  }
  let blockPlainAllowed = true;
  let singleQuotedAllowed = true;
  let blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    blockPlainAllowed = false;
  }
  if (trailingSpace) blockAllowed = false;
  if (breakSpace) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || tabCharacters || specialCharacters) {
    blockPlainAllowed = false;
    singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) blockAllowed = false;
  if (lineBreaks) blockPlainAllowed = false;
  if (blockIndicators) blockPlainAllowed = false;
  return {
    multiline: lineBreaks,
    blockPlainAllowed,
    singleQuotedAllowed,
    blockAllowed,
  };
}

// --- what a plain scalar would be read back as (resolve.go) ------------------------------------------------------

const RESOLVE_MAP = new Set([
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  '',
  '~',
  'null',
  'Null',
  'NULL',
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
]);
const OLD_BOOLS = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'off',
  'Off',
  'OFF',
]);
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const YAML_STYLE_FLOAT =
  /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})([Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function isTimestamp(text: string): boolean {
  const validDate = (month: string, day: string) =>
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= 31;
  const date = DATE.exec(text);
  if (date) return validDate(date[2], date[3]);
  const time = DATE_TIME.exec(text);
  if (!time) return false;
  // "T" forms carry a zone (RFC 3339); the space form has none.
  if ((time[4] === ' ') === (time[9] !== undefined)) return false;
  return (
    validDate(time[2], time[3]) &&
    Number(time[5]) < 24 &&
    Number(time[6]) < 60 &&
    Number(time[7]) < 60
  );
}

/** `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds. */
function isGoInteger(text: string): boolean {
  const match =
    /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(
      text,
    );
  if (!match) return false;
  const digits = match[2];
  const lower = digits.toLowerCase();
  let value: bigint;
  if (
    lower.startsWith('0x') ||
    lower.startsWith('0o') ||
    lower.startsWith('0b')
  ) {
    value = BigInt(lower);
  } else if (digits.length > 1 && digits.startsWith('0')) {
    value = BigInt(`0o${digits.slice(1)}`);
  } else {
    value = BigInt(digits);
  }
  if (match[1] === '-') return value <= 0x8000000000000000n;
  return value <= 0xffffffffffffffffn;
}

function resolvesToString(text: string): boolean {
  const first = text[0] ?? '';
  let hint: string;
  if (text === '') hint = 'N';
  else if (first === '+' || first === '-') hint = 'S';
  else if (first >= '0' && first <= '9') hint = 'D';
  else if ('yYnNtTfFoO~'.includes(first)) hint = 'M';
  else if (first === '.') hint = '.';
  else return true;
  if (RESOLVE_MAP.has(text)) return false;
  if (hint === '.') {
    return !(YAML_STYLE_FLOAT.test(text) || /^\.\d+$/.test(text));
  }
  if (hint === 'D' || hint === 'S') {
    if (isTimestamp(text)) return false;
    const plain = text.replace(/_/g, '');
    if (isGoInteger(plain)) return false;
    if (YAML_STYLE_FLOAT.test(plain) && Number.isFinite(Number(plain))) {
      return false;
    }
  }
  return true;
}

export function canUsePlain(text: string): boolean {
  return (
    resolvesToString(text) && !BASE60_FLOAT.test(text) && !OLD_BOOLS.has(text)
  );
}
