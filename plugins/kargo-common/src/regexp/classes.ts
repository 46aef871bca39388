import { syntaxError } from './errors';

/*
 * Character classes of RE2 syntax as predicates over code points: Perl (\d \s \w), POSIX ([:alpha:]), Unicode
 * (\pL, \p{Greek}) and Go's simple case folding for (?i).
 */

/** Whether a code point belongs to a class. */
export type Predicate = (c: number) => boolean;

export function range(lo: number, hi: number): Predicate {
  return c => c >= lo && c <= hi;
}

function anyOf(...predicates: Predicate[]): Predicate {
  return c => predicates.some(p => p(c));
}

const isDigit = range(0x30, 0x39);
const isUpper = range(0x41, 0x5a);
const isLower = range(0x61, 0x7a);
const isAlpha = anyOf(isUpper, isLower);

/** `\w`: ASCII letters, digits and `_`; also what `\b` looks at. */
export const isWordChar = anyOf(isDigit, isAlpha, c => c === 0x5f);

const isPerlSpace: Predicate = c =>
  c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;

export const PERL_CLASSES: Record<string, Predicate> = {
  d: isDigit,
  s: isPerlSpace,
  w: isWordChar,
};

export const POSIX_CLASSES: Record<string, Predicate> = {
  alnum: anyOf(isDigit, isAlpha),
  alpha: isAlpha,
  ascii: range(0x00, 0x7f),
  blank: c => c === 0x09 || c === 0x20,
  cntrl: c => c <= 0x1f || c === 0x7f,
  digit: isDigit,
  graph: range(0x21, 0x7e),
  lower: isLower,
  print: range(0x20, 0x7e),
  punct: c =>
    (c >= 0x21 && c <= 0x2f) ||
    (c >= 0x3a && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0x7e),
  space: c => (c >= 0x09 && c <= 0x0d) || c === 0x20,
  upper: isUpper,
  word: isWordChar,
  xdigit: c =>
    isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
};

const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);

/** `\p{name}`: a general category or a script; `text` is the escape, for the error. */
export function unicodeClass(name: string, text: string): Predicate {
  if (name === 'Any') return () => true;
  if (!/^[A-Za-z_]+$/.test(name))
    syntaxError('invalid character class range', text);
  const source = CATEGORIES.has(name) ? `\\p{${name}}` : `\\p{Script=${name}}`;
  let regex: RegExp;
  try {
    // A one-character, anchored test: this RegExp cannot backtrack.
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

/** The other code points `c` matches under (?i). */
export function caseVariants(c: number): number[] {
  const ch = String.fromCodePoint(c);
  const out = new Set<number>();
  for (const variant of [ch.toLowerCase(), ch.toUpperCase()]) {
    const cp = variant.codePointAt(0)!;
    if (String.fromCodePoint(cp) === variant && cp !== c) out.add(cp);
  }
  for (const extra of EXTRA_FOLDS[c] ?? []) out.add(extra);
  return [...out];
}

/** The predicate under (?i). */
export function folded(predicate: Predicate): Predicate {
  return c => predicate(c) || caseVariants(c).some(predicate);
}
