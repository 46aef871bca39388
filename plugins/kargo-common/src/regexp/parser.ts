import {
  caseVariants,
  folded,
  PERL_CLASSES,
  POSIX_CLASSES,
  Predicate,
  range,
  unicodeClass,
} from './classes';
import { syntaxError } from './errors';

/*
 * The parser of Go's RE2 syntax (`regexp/syntax` with Perl flags) into a small tree. Constructs RE2 rejects
 * (backreferences, lookaround) are rejected with Go's messages.
 */

/** A parsed regular expression. */
export type Re =
  | { t: 'empty' }
  | { t: 'char'; match: Predicate }
  | { t: 'cat'; items: Re[] }
  | { t: 'alt'; items: Re[] }
  | { t: 'repeat'; item: Re; min: number; max: number }
  | { t: 'assert'; kind: AssertKind };

/** Empty-width assertions: ^ and $ of text (bot, eot) and of lines (bol, eol), \b and \B. */
export type AssertKind = 'bot' | 'eot' | 'bol' | 'eol' | 'word' | 'notWord';

interface Flags {
  caseInsensitive: boolean;
  multiLine: boolean;
  dotNL: boolean;
}

const MAX_REPEAT = 1000;

class RegexParser {
  private pos = 0;
  private readonly chars: number[];

  constructor(private readonly pattern: string) {
    this.chars = Array.from(pattern, ch => ch.codePointAt(0)!);
  }

  parse(): Re {
    const re = this.parseAlternation({
      caseInsensitive: false,
      multiLine: false,
      dotNL: false,
    });
    if (this.pos < this.chars.length) {
      syntaxError('unexpected )', this.pattern);
    }
    return re;
  }

  private peek(offset = 0): number | undefined {
    return this.chars[this.pos + offset];
  }

  private text(from: number, to = this.pos): string {
    return String.fromCodePoint(...this.chars.slice(from, to));
  }

  private parseAlternation(outer: Flags): Re {
    const flags = { ...outer };
    const branches: Re[] = [this.parseConcatenation(flags)];
    while (this.peek() === 0x7c) {
      this.pos += 1;
      branches.push(this.parseConcatenation(flags));
    }
    return branches.length === 1 ? branches[0] : { t: 'alt', items: branches };
  }

  /** Parses up to `|`, `)` or the end; `(?i)` flags change `flags` for the rest of the group. */
  private parseConcatenation(flags: Flags): Re {
    const items: Re[] = [];
    // Where the previous repetition operator began, if the last thing parsed was one: RE2 rejects `a**`.
    let lastRepeat: number | undefined;
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c || c === 0x29) break;
      const start = this.pos;
      let repeat: { min: number; max: number } | undefined;
      if (c === 0x2a || c === 0x2b || c === 0x3f) {
        this.pos += 1;
        repeat = { min: c === 0x2b ? 1 : 0, max: c === 0x3f ? 1 : -1 };
      } else if (c === 0x7b) {
        repeat = this.tryParseBraces();
      }
      if (repeat) {
        // A lazy `?` suffix changes which match is found, never whether there is one.
        if (this.peek() === 0x3f) this.pos += 1;
        if (lastRepeat !== undefined) {
          syntaxError(
            'invalid nested repetition operator',
            this.text(lastRepeat),
          );
        }
        const operand = items.pop();
        if (!operand) {
          syntaxError(
            'missing argument to repetition operator',
            this.text(start),
          );
        }
        items.push({
          t: 'repeat',
          item: operand,
          min: repeat.min,
          max: repeat.max,
        });
        lastRepeat = start;
        continue;
      }
      lastRepeat = undefined;
      if (c === 0x7b) {
        this.pos += 1;
        items.push(this.literal(0x7b, flags));
        continue;
      }
      const atom = this.parseAtom(flags);
      if (atom) items.push(atom);
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? items[0] : { t: 'cat', items };
  }

  private tryParseBraces(): { min: number; max: number } | undefined {
    const rest = this.text(
      this.pos,
      Math.min(this.chars.length, this.pos + 32),
    );
    const match = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    if (!match) return undefined;
    const min = Number(match[1]);
    let max = min;
    if (match[2] !== undefined) max = match[3] === '' ? -1 : Number(match[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
      syntaxError('invalid repeat count', match[0]);
    }
    this.pos += match[0].length;
    return { min, max };
  }

  private literal(c: number, flags: Flags): Re {
    if (flags.caseInsensitive && caseVariants(c).length > 0) {
      return { t: 'char', match: folded(x => x === c) };
    }
    return { t: 'char', match: x => x === c };
  }

  private parseAtom(flags: Flags): Re | undefined {
    const c = this.peek()!;
    switch (c) {
      case 0x28:
        return this.parseGroup(flags);
      case 0x5b:
        return { t: 'char', match: this.parseClass(flags) };
      case 0x2e:
        this.pos += 1;
        return {
          t: 'char',
          match: flags.dotNL ? () => true : x => x !== 0x0a,
        };
      case 0x5e:
        this.pos += 1;
        return { t: 'assert', kind: flags.multiLine ? 'bol' : 'bot' };
      case 0x24:
        this.pos += 1;
        return { t: 'assert', kind: flags.multiLine ? 'eol' : 'eot' };
      case 0x5c:
        return this.parseEscapeAtom(flags);
      default:
        this.pos += 1;
        return this.literal(c, flags);
    }
  }

  private parseGroup(flags: Flags): Re | undefined {
    const start = this.pos;
    this.pos += 1;
    if (this.peek() === 0x3f) {
      const rest = this.text(
        this.pos,
        Math.min(this.chars.length, this.pos + 256),
      );
      const named = /^\?P?<([A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        if (named[1] === '')
          syntaxError(
            'invalid named capture',
            this.text(start, this.pos + named[0].length),
          );
        this.pos += named[0].length;
        return this.finishGroup(flags);
      }
      if (rest.startsWith('?P')) {
        syntaxError('invalid named capture', this.text(start));
      }
      const flagMatch = /^\?([imsU]*(?:-[imsU]*)?)([:)])/.exec(rest);
      if (!flagMatch || flagMatch[1] === '-' || flagMatch[1].endsWith('-')) {
        const end = Math.min(this.chars.length, this.pos + 2);
        syntaxError(
          'invalid or unsupported Perl syntax',
          this.text(start, end),
        );
      }
      const updated = { ...flags };
      let on = true;
      for (const f of flagMatch[1]) {
        if (f === '-') on = false;
        else if (f === 'i') updated.caseInsensitive = on;
        else if (f === 'm') updated.multiLine = on;
        else if (f === 's') updated.dotNL = on;
      }
      this.pos += flagMatch[0].length;
      if (flagMatch[2] === ')') {
        // `(?flags)` changes the flags of the enclosing group from here on.
        Object.assign(flags, updated);
        return undefined;
      }
      return this.finishGroup(updated);
    }
    return this.finishGroup(flags);
  }

  private finishGroup(flags: Flags): Re {
    const inner = this.parseAlternation(flags);
    if (this.peek() !== 0x29) syntaxError('missing closing )', this.pattern);
    this.pos += 1;
    return inner;
  }

  private parseEscapeAtom(flags: Flags): Re {
    const start = this.pos;
    const next = this.peek(1);
    if (next === undefined)
      syntaxError('trailing backslash at end of expression', '');
    const letter = String.fromCodePoint(next);
    switch (letter) {
      case 'A':
        this.pos += 2;
        return { t: 'assert', kind: 'bot' };
      case 'z':
        this.pos += 2;
        return { t: 'assert', kind: 'eot' };
      case 'b':
        this.pos += 2;
        return { t: 'assert', kind: 'word' };
      case 'B':
        this.pos += 2;
        return { t: 'assert', kind: 'notWord' };
      case 'Q': {
        this.pos += 2;
        const rest = this.text(this.pos, this.chars.length);
        const end = rest.indexOf('\\E');
        const literalText = end < 0 ? rest : rest.slice(0, end);
        this.pos += Array.from(literalText).length + (end < 0 ? 0 : 2);
        const items = Array.from(literalText, ch =>
          this.literal(ch.codePointAt(0)!, flags),
        );
        if (items.length === 0) return { t: 'empty' };
        return items.length === 1 ? items[0] : { t: 'cat', items };
      }
      default:
        break;
    }
    const classPredicate = this.tryParseClassEscape();
    if (classPredicate) {
      return {
        t: 'char',
        match: flags.caseInsensitive ? folded(classPredicate) : classPredicate,
      };
    }
    const c = this.parseCharEscape(start);
    return this.literal(c, flags);
  }

  /** `\d`, `\D`, `\pL`, `\p{Greek}`, `\P{...}`, `\p{^...}`; undefined when the escape is not a class. */
  private tryParseClassEscape(): Predicate | undefined {
    const start = this.pos;
    const letter = String.fromCodePoint(this.peek(1) ?? 0);
    const perl = PERL_CLASSES[letter.toLowerCase()];
    if (
      perl &&
      (letter === letter.toLowerCase() || letter === letter.toUpperCase())
    ) {
      this.pos += 2;
      return letter === letter.toUpperCase() ? c => !perl(c) : perl;
    }
    if (letter !== 'p' && letter !== 'P') return undefined;
    this.pos += 2;
    let negated = letter === 'P';
    let name: string;
    if (this.peek() === 0x7b) {
      const close = this.chars.indexOf(0x7d, this.pos);
      if (close < 0)
        syntaxError('invalid character class range', this.text(start));
      name = this.text(this.pos + 1, close);
      this.pos = close + 1;
      if (name.startsWith('^')) {
        negated = !negated;
        name = name.slice(1);
      }
    } else {
      const c = this.peek();
      if (c === undefined)
        syntaxError('invalid character class range', this.text(start));
      name = String.fromCodePoint(c);
      this.pos += 1;
    }
    const predicate = unicodeClass(name, this.text(start));
    return negated ? c => !predicate(c) : predicate;
  }

  /** A single-character escape (`\n`, `\x41`, `\x{263a}`, `\101`, `\.`); the current position is at `\`. */
  private parseCharEscape(start: number): number {
    this.pos += 1;
    const c = this.peek();
    if (c === undefined)
      syntaxError('trailing backslash at end of expression', '');
    this.pos += 1;
    const ch = String.fromCodePoint(c);
    const simple: Record<string, number> = {
      a: 7,
      f: 12,
      t: 9,
      n: 10,
      r: 13,
      v: 11,
    };
    if (Object.hasOwn(simple, ch)) return simple[ch];
    if (ch >= '0' && ch <= '7') {
      const following = this.peek();
      if (
        ch !== '0' &&
        !(following !== undefined && following >= 0x30 && following <= 0x37)
      ) {
        syntaxError('invalid escape sequence', this.text(start));
      }
      let value = c - 0x30;
      for (let i = 0; i < 2; i++) {
        const d = this.peek();
        if (d === undefined || d < 0x30 || d > 0x37) break;
        value = value * 8 + (d - 0x30);
        this.pos += 1;
      }
      return value;
    }
    if (ch === 'x') {
      if (this.peek() === 0x7b) {
        const close = this.chars.indexOf(0x7d, this.pos);
        const hex = close < 0 ? '' : this.text(this.pos + 1, close);
        if (!/^[0-9A-Fa-f]{1,8}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) {
          syntaxError(
            'invalid escape sequence',
            this.text(start, Math.max(close + 1, this.pos)),
          );
        }
        this.pos = close + 1;
        return parseInt(hex, 16);
      }
      const hex = this.text(this.pos, this.pos + 2);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        syntaxError('invalid escape sequence', this.text(start, this.pos + 2));
      }
      this.pos += 2;
      return parseInt(hex, 16);
    }
    if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return c;
    return syntaxError('invalid escape sequence', this.text(start));
  }

  private parseClass(flags: Flags): Predicate {
    const start = this.pos;
    this.pos += 1;
    let negated = false;
    if (this.peek() === 0x5e) {
      negated = true;
      this.pos += 1;
    }
    const items: Predicate[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) syntaxError('missing closing ]', this.text(start));
      if (c === 0x5d && !first) {
        this.pos += 1;
        break;
      }
      first = false;
      if (c === 0x5b && this.peek(1) === 0x3a) {
        const rest = this.text(
          this.pos,
          Math.min(this.chars.length, this.pos + 16),
        );
        const posix = /^\[:(\^?)([a-z]+):\]/.exec(rest);
        if (posix) {
          const predicate = POSIX_CLASSES[posix[2]];
          if (!predicate)
            syntaxError('invalid character class range', posix[0]);
          items.push(posix[1] ? x => !predicate(x) : predicate);
          this.pos += posix[0].length;
          continue;
        }
      }
      if (c === 0x5c) {
        const classPredicate = this.tryParseClassEscape();
        if (classPredicate) {
          items.push(classPredicate);
          continue;
        }
      }
      const rangeStart = this.pos;
      const lo = this.parseClassChar();
      if (
        this.peek() === 0x2d &&
        this.peek(1) !== 0x5d &&
        this.peek(1) !== undefined
      ) {
        this.pos += 1;
        const hi = this.parseClassChar();
        if (hi < lo)
          syntaxError('invalid character class range', this.text(rangeStart));
        items.push(range(lo, hi));
      } else {
        items.push(x => x === lo);
      }
    }
    let predicate: Predicate = c => items.some(item => item(c));
    if (flags.caseInsensitive) predicate = folded(predicate);
    if (negated) {
      const positive = predicate;
      predicate = c => !positive(c);
    }
    return predicate;
  }

  private parseClassChar(): number {
    const c = this.peek()!;
    if (c === 0x5c) return this.parseCharEscape(this.pos);
    this.pos += 1;
    return c;
  }
}

/** Parses `pattern`; throws a GoRegexpError with Go's message when it does not compile. */
export function parseRegexp(pattern: string): Re {
  return new RegexParser(pattern).parse();
}
