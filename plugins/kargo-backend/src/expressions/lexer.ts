import { ExpressionError } from './errors';

/** Kinds of token, named as expr-lang names them in its error messages. */
export type TokenKind =
  | 'Identifier'
  | 'Number'
  | 'String'
  | 'Operator'
  | 'Bracket'
  | 'EOF';

export interface Token {
  kind: TokenKind;
  /** The token text; for strings, the unescaped value. */
  value: string;
  /** Offset of the first character in the source. */
  pos: number;
  /** Offset just past the last character. */
  end: number;
}

/** Longest expression source accepted, in UTF-16 code units. */
export const MAX_SOURCE_LENGTH = 64 * 1024;

const WORD_OPERATORS = new Set([
  'not',
  'in',
  'or',
  'and',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
  'let',
  'if',
  'else',
]);

const IS_LETTER = /^\p{L}$/u;
const IS_DIGIT = /^\p{Nd}$/u;
// Go's unicode.IsSpace.
const SPACES = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029,
  0x202f, 0x205f, 0x3000,
]);

function isSpace(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return SPACES.has(c) || (c >= 0x2000 && c <= 0x200a);
}

function isDecimal(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

/** expr-lang's notion of an identifier character: a letter, a digit, `_` or `$`. */
export function isIdentifierChar(ch: string): boolean {
  return ch === '_' || ch === '$' || IS_LETTER.test(ch) || IS_DIGIT.test(ch);
}

function formatRune(ch: string): string {
  const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} '${ch}'`;
}

class Lexer {
  private pos = 0;
  private readonly tokens: Token[] = [];

  constructor(private readonly source: string) {}

  run(): Token[] {
    const s = this.source;
    while (this.pos < s.length) {
      const start = this.pos;
      const ch = this.peekChar();
      if (isSpace(ch)) {
        this.pos += ch.length;
      } else if (ch === "'" || ch === '"') {
        this.scanString(ch);
      } else if (ch === '`') {
        this.scanRawString();
      } else if (isDecimal(ch)) {
        this.scanNumber();
      } else if (ch === '.') {
        if (isDecimal(s[start + 1] ?? '')) {
          this.scanNumber();
        } else {
          this.pos += s[start + 1] === '.' ? 2 : 1;
          this.emit('Operator', start);
        }
      } else if (ch === '?') {
        this.pos += s[start + 1] === '.' || s[start + 1] === '?' ? 2 : 1;
        this.emit('Operator', start);
      } else if (ch === '/') {
        this.scanSlash();
      } else if (ch === '#') {
        this.pos += 1;
        this.emit('Operator', start);
        const nameStart = this.pos;
        while (this.pos < s.length && isIdentifierChar(this.peekChar())) {
          this.pos += this.peekChar().length;
        }
        if (this.pos > nameStart) this.emit('Identifier', nameStart);
      } else if (ch === '|') {
        this.pos += s[start + 1] === '|' ? 2 : 1;
        this.emit('Operator', start);
      } else if (ch === ':') {
        this.pos += s[start + 1] === ':' ? 2 : 1;
        this.emit('Operator', start);
      } else if ('([{)]}'.includes(ch)) {
        this.pos += 1;
        this.emit('Bracket', start);
      } else if (',;%+-^'.includes(ch)) {
        this.pos += 1;
        this.emit('Operator', start);
      } else if ('&!=*<>'.includes(ch)) {
        this.pos += '&=*'.includes(s[start + 1] ?? '') ? 2 : 1;
        this.emit('Operator', start);
      } else if (isIdentifierChar(ch)) {
        this.scanWord();
      } else {
        throw this.error(`unrecognized character: ${formatRune(ch)}`, start);
      }
    }
    this.tokens.push({ kind: 'EOF', value: '', pos: s.length, end: s.length });
    return this.tokens;
  }

  private peekChar(): string {
    const c = this.source.codePointAt(this.pos);
    return c === undefined ? '' : String.fromCodePoint(c);
  }

  private emit(kind: TokenKind, start: number, value?: string): void {
    this.tokens.push({
      kind,
      value: value ?? this.source.slice(start, this.pos),
      pos: start,
      end: this.pos,
    });
  }

  private error(reason: string, offset: number): ExpressionError {
    return new ExpressionError({ reason, source: this.source, offset });
  }

  private scanWord(): void {
    const start = this.pos;
    while (this.pos < this.source.length && isIdentifierChar(this.peekChar())) {
      this.pos += this.peekChar().length;
    }
    const word = this.source.slice(start, this.pos);
    this.emit(WORD_OPERATORS.has(word) ? 'Operator' : 'Identifier', start);
  }

  private scanSlash(): void {
    const s = this.source;
    const start = this.pos;
    if (s[start + 1] === '/') {
      const newline = s.indexOf('\n', start + 2);
      this.pos = newline < 0 ? s.length : newline + 1;
    } else if (s[start + 1] === '*') {
      const close = s.indexOf('*/', start + 2);
      if (close < 0) throw this.error('unclosed comment', start);
      this.pos = close + 2;
    } else {
      this.pos += 1;
      this.emit('Operator', start);
    }
  }

  private scanNumber(): void {
    const s = this.source;
    const start = this.pos;
    let digits = '0123456789_';
    const acceptRun = (set: string) => {
      while (this.pos < s.length && set.includes(s[this.pos])) this.pos += 1;
    };
    if (s[this.pos] === '0') {
      this.pos += 1;
      const prefix = s[this.pos];
      if (prefix === 'x' || prefix === 'X') {
        digits = '0123456789abcdefABCDEF_';
        this.pos += 1;
      } else if (prefix === 'o' || prefix === 'O') {
        digits = '01234567_';
        this.pos += 1;
      } else if (prefix === 'b' || prefix === 'B') {
        digits = '01_';
        this.pos += 1;
      }
    }
    acceptRun(digits);
    if (s[this.pos] === '.') {
      // `1..3` is a range, not the float `1.` followed by `.3`.
      if (s[this.pos + 1] !== '.') {
        this.pos += 1;
        acceptRun(digits);
      }
    }
    if (s[this.pos] === 'e' || s[this.pos] === 'E') {
      this.pos += 1;
      if (s[this.pos] === '+' || s[this.pos] === '-') this.pos += 1;
      acceptRun(digits);
    }
    if (this.pos < s.length && isIdentifierChar(this.peekChar())) {
      this.pos += this.peekChar().length;
      throw this.error(
        `bad number syntax: ${JSON.stringify(s.slice(start, this.pos))}`,
        start,
      );
    }
    this.emit('Number', start);
  }

  private scanRawString(): void {
    const start = this.pos;
    const close = this.source.indexOf('`', start + 1);
    if (close < 0) throw this.error('literal not terminated', start);
    this.pos = close + 1;
    this.emit('String', start, this.source.slice(start + 1, close));
  }

  private scanString(quote: string): void {
    const s = this.source;
    const start = this.pos;
    let i = start + 1;
    for (;;) {
      if (i >= s.length) throw this.error('literal not terminated', start);
      const ch = s[i];
      if (ch === '\\') {
        i += 2;
      } else if (ch === quote) {
        break;
      } else {
        i += 1;
      }
    }
    this.pos = i + 1;
    const body = s.slice(start + 1, i);
    this.emit(
      'String',
      start,
      unescape(body, offset =>
        this.error('invalid char escape', start + 1 + offset),
      ),
    );
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

const HEX = /^[0-9a-fA-F]+$/;
const OCTAL = /^[0-7]{3}$/;

/**
 * Decodes the escapes of a quoted string the way Go's `strconv.Unquote` (and expr-lang) does; either quote may be
 * escaped in either kind of literal. `\x` and octal
 * escapes name bytes; consecutive ones are decoded together as UTF-8, so `"\xc3\xa9"` is `é`, and bytes that are not
 * valid UTF-8 become U+FFFD, as they do when Go marshals such a string to JSON.
 */
export function unescape(
  body: string,
  invalid: (offset: number) => Error,
): string {
  if (!body.includes('\\')) return body;
  let out = '';
  let bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length > 0) {
      out += new TextDecoder('utf-8').decode(new Uint8Array(bytes));
      bytes = [];
    }
  };
  let i = 0;
  while (i < body.length) {
    const ch = body[i];
    if (ch !== '\\') {
      flushBytes();
      out += ch;
      i += 1;
      continue;
    }
    const next = body[i + 1] ?? '';
    if (next === 'x') {
      const hex = body.slice(i + 2, i + 4);
      if (hex.length !== 2 || !HEX.test(hex)) throw invalid(i);
      bytes.push(parseInt(hex, 16));
      i += 4;
    } else if (next >= '0' && next <= '7') {
      const oct = body.slice(i + 1, i + 4);
      if (!OCTAL.test(oct) || parseInt(oct, 8) > 255) throw invalid(i);
      bytes.push(parseInt(oct, 8));
      i += 4;
    } else if (next === 'u' || next === 'U') {
      const width = next === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + width);
      if (hex.length !== width || !HEX.test(hex)) throw invalid(i);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        throw invalid(i);
      }
      flushBytes();
      out += String.fromCodePoint(code);
      i += 2 + width;
    } else if (Object.hasOwn(SIMPLE_ESCAPES, next)) {
      flushBytes();
      out += SIMPLE_ESCAPES[next];
      i += 2;
    } else {
      throw invalid(i);
    }
  }
  flushBytes();
  return out;
}

/**
 * Splits an expression into tokens following expr-lang's lexer: quoted strings with Go escapes and backtick raw
 * strings, integers in decimal, hex, octal and binary with `_` separators, floats, word operators, `#` pointers and
 * comments.
 */
export function tokenize(source: string): Token[] {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExpressionError({
      reason: `expression is too long (${source.length} characters, at most ${MAX_SOURCE_LENGTH})`,
      source: source.slice(0, 200),
    });
  }
  return new Lexer(source).run();
}
