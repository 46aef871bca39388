/**
 * Regular expressions with Go's RE2 syntax (`regexp/syntax` with Perl flags), as expr-lang's `matches` uses them,
 * matched by a Thompson NFA in time linear in the input: a pattern from user configuration can never backtrack
 * catastrophically, and constructs RE2 rejects (backreferences, lookaround) are rejected here too.
 */
import { fail } from './errors';

type Predicate = (c: number) => boolean;

type Re =
  | { t: 'empty' }
  | { t: 'char'; match: Predicate }
  | { t: 'cat'; items: Re[] }
  | { t: 'alt'; items: Re[] }
  | { t: 'repeat'; item: Re; min: number; max: number }
  | { t: 'assert'; kind: AssertKind };

type AssertKind = 'bot' | 'eot' | 'bol' | 'eol' | 'word' | 'notWord';

interface Flags {
  caseInsensitive: boolean;
  multiLine: boolean;
  dotNL: boolean;
}

const MAX_REPEAT = 1000;
const MAX_PROGRAM = 20_000;
const MAX_PATTERN = 4096;
/** Thread steps one match may take before it is abandoned. */
const MAX_MATCH_STEPS = 20_000_000;

function syntaxError(code: string, text: string): never {
  return fail(`error parsing regexp: ${code}: \`${text}\``);
}

function range(lo: number, hi: number): Predicate {
  return c => c >= lo && c <= hi;
}

function anyOf(...predicates: Predicate[]): Predicate {
  return c => predicates.some(p => p(c));
}

const DIGIT = range(0x30, 0x39);
const UPPER = range(0x41, 0x5a);
const LOWER = range(0x61, 0x7a);
const ALPHA = anyOf(UPPER, LOWER);
const WORD = anyOf(DIGIT, ALPHA, c => c === 0x5f);
const SPACE_PERL: Predicate = c =>
  c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;

const PERL_CLASSES: Record<string, Predicate> = {
  d: DIGIT,
  s: SPACE_PERL,
  w: WORD,
};

const POSIX_CLASSES: Record<string, Predicate> = {
  alnum: anyOf(DIGIT, ALPHA),
  alpha: ALPHA,
  ascii: range(0x00, 0x7f),
  blank: c => c === 0x09 || c === 0x20,
  cntrl: c => c <= 0x1f || c === 0x7f,
  digit: DIGIT,
  graph: range(0x21, 0x7e),
  lower: LOWER,
  print: range(0x20, 0x7e),
  punct: c =>
    (c >= 0x21 && c <= 0x2f) ||
    (c >= 0x3a && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0x7e),
  space: c => (c >= 0x09 && c <= 0x0d) || c === 0x20,
  upper: UPPER,
  word: WORD,
  xdigit: c => DIGIT(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};

const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);

function unicodeClass(name: string, text: string): Predicate {
  if (name === 'Any') return () => true;
  if (!/^[A-Za-z_]+$/.test(name))
    syntaxError('invalid character class range', text);
  const source = CATEGORIES.has(name) ? `\\p{${name}}` : `\\p{Script=${name}}`;
  let regex: RegExp;
  try {
    regex = new RegExp(`^${source}$`, 'u');
  } catch {
    return syntaxError('invalid character class range', text);
  }
  return c => regex.test(String.fromCodePoint(c));
}

// Characters whose simple case folding is not just upper/lower case of each other.
const EXTRA_FOLDS: Record<number, number[]> = {
  0x4b: [0x212a],
  0x6b: [0x212a],
  0x212a: [0x4b, 0x6b],
  0x53: [0x17f],
  0x73: [0x17f],
  0x17f: [0x53, 0x73],
  0xc5: [0x212b],
  0xe5: [0x212b],
  0x212b: [0xc5, 0xe5],
};

function caseVariants(c: number): number[] {
  const ch = String.fromCodePoint(c);
  const out = new Set<number>();
  for (const variant of [ch.toLowerCase(), ch.toUpperCase()]) {
    const cp = variant.codePointAt(0)!;
    if (String.fromCodePoint(cp) === variant && cp !== c) out.add(cp);
  }
  for (const extra of EXTRA_FOLDS[c] ?? []) out.add(extra);
  return [...out];
}

function folded(predicate: Predicate): Predicate {
  return c => predicate(c) || caseVariants(c).some(predicate);
}

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

type Instruction =
  | { op: 'char'; match: Predicate; next: number }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'assert'; kind: AssertKind; next: number }
  | { op: 'match' };

class Compiler {
  readonly program: Instruction[] = [];

  private emit(instruction: Instruction): number {
    if (this.program.length >= MAX_PROGRAM) {
      fail('error parsing regexp: expression too large');
    }
    this.program.push(instruction);
    return this.program.length - 1;
  }

  /** Appends code for `re`, continuing at the instruction that follows it. */
  compile(re: Re): void {
    switch (re.t) {
      case 'empty':
        return;
      case 'char': {
        const pc = this.program.length;
        this.emit({ op: 'char', match: re.match, next: pc + 1 });
        return;
      }
      case 'assert': {
        const pc = this.program.length;
        this.emit({ op: 'assert', kind: re.kind, next: pc + 1 });
        return;
      }
      case 'cat':
        re.items.forEach(item => this.compile(item));
        return;
      case 'alt': {
        const jumps: number[] = [];
        re.items.forEach((item, i) => {
          if (i < re.items.length - 1) {
            const split = this.emit({ op: 'split', x: 0, y: 0 });
            (this.program[split] as { x: number }).x = this.program.length;
            this.compile(item);
            jumps.push(this.emit({ op: 'jmp', x: 0 }));
            (this.program[split] as { y: number }).y = this.program.length;
          } else {
            this.compile(item);
          }
        });
        for (const jump of jumps) {
          (this.program[jump] as { x: number }).x = this.program.length;
        }
        return;
      }
      default:
        this.compileRepeat(re.item, re.min, re.max);
    }
  }

  private compileRepeat(item: Re, min: number, max: number): void {
    for (let i = 0; i < min; i++) this.compile(item);
    if (max < 0) {
      // x*: L: split body, out; body; jmp L
      const split = this.emit({ op: 'split', x: 0, y: 0 });
      (this.program[split] as { x: number }).x = this.program.length;
      this.compile(item);
      this.emit({ op: 'jmp', x: split });
      (this.program[split] as { y: number }).y = this.program.length;
      return;
    }
    const splits: number[] = [];
    for (let i = min; i < max; i++) {
      const split = this.emit({ op: 'split', x: 0, y: 0 });
      (this.program[split] as { x: number }).x = this.program.length;
      splits.push(split);
      this.compile(item);
    }
    for (const split of splits) {
      (this.program[split] as { y: number }).y = this.program.length;
    }
  }
}

function isWordChar(c: number | undefined): boolean {
  return c !== undefined && WORD(c);
}

/** A compiled RE2 pattern. */
export class GoRegexp {
  private readonly program: Instruction[];

  constructor(readonly pattern: string) {
    if (pattern.length > MAX_PATTERN) {
      fail(`error parsing regexp: expression too large`);
    }
    const re = new RegexParser(pattern).parse();
    const compiler = new Compiler();
    compiler.compile(re);
    compiler.program.push({ op: 'match' });
    this.program = compiler.program;
  }

  /** Whether the pattern matches anywhere in `text` (Go's `MatchString`). */
  test(text: string): boolean {
    const input = Array.from(text, ch => ch.codePointAt(0)!);
    const program = this.program;
    const n = input.length;
    const marks = new Int32Array(program.length).fill(-1);
    let generation = 0;
    let steps = 0;
    let current: number[] = [];
    let next: number[] = [];

    const assertHolds = (kind: AssertKind, at: number): boolean => {
      switch (kind) {
        case 'bot':
          return at === 0;
        case 'eot':
          return at === n;
        case 'bol':
          return at === 0 || input[at - 1] === 0x0a;
        case 'eol':
          return at === n || input[at] === 0x0a;
        case 'word':
          return isWordChar(input[at - 1]) !== isWordChar(input[at]);
        default:
          return isWordChar(input[at - 1]) === isWordChar(input[at]);
      }
    };

    // Follows empty transitions from `start`; returns true when the program can match here.
    const addThread = (list: number[], start: number, at: number): boolean => {
      const stack = [start];
      while (stack.length > 0) {
        const pc = stack.pop()!;
        if (marks[pc] === generation) continue;
        marks[pc] = generation;
        steps += 1;
        if (steps > MAX_MATCH_STEPS) {
          fail('regular expression match is too expensive');
        }
        const instruction = program[pc];
        switch (instruction.op) {
          case 'match':
            return true;
          case 'jmp':
            stack.push(instruction.x);
            break;
          case 'split':
            stack.push(instruction.y, instruction.x);
            break;
          case 'assert':
            if (assertHolds(instruction.kind, at)) stack.push(instruction.next);
            break;
          default:
            list.push(pc);
        }
      }
      return false;
    };

    generation += 1;
    if (addThread(current, 0, 0)) return true;
    for (let at = 0; at < n; at++) {
      const c = input[at];
      generation += 1;
      next = [];
      for (const pc of current) {
        const instruction = program[pc] as { match: Predicate; next: number };
        steps += 1;
        if (instruction.match(c) && addThread(next, instruction.next, at + 1)) {
          return true;
        }
      }
      // Unanchored search: a match may also start after this character.
      if (addThread(next, 0, at + 1)) return true;
      current = next;
    }
    return false;
  }
}

const cache = new Map<string, GoRegexp>();
const CACHE_SIZE = 256;

/** Compiles `pattern` (cached); throws an evaluation failure with Go's message for invalid syntax. */
export function compileGoRegexp(pattern: string): GoRegexp {
  // Long patterns are not cached, which bounds the cache's memory.
  if (pattern.length > 256) return new GoRegexp(pattern);
  const cached = cache.get(pattern);
  if (cached) return cached;
  const compiled = new GoRegexp(pattern);
  if (cache.size >= CACHE_SIZE) {
    cache.delete(cache.keys().next().value!);
  }
  cache.set(pattern, compiled);
  return compiled;
}
