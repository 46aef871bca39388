import {
  compareSemver,
  comparePrerelease,
  parseSemver,
  SemVer,
} from './version';

/*
 * Version constraints with the grammar and semantics of Masterminds/semver v3 (`NewConstraint`, `Check`), which
 * Kargo uses for `constraint` (images) and `semverConstraint` (Git tags, charts). Notable rules, unlike npm:
 * a bare or "=" version with missing parts is a range ("2" = any 2.x.x), and a prerelease only satisfies an
 * AND-group ("||"-separated part) that itself names a prerelease, at any version, not just the same patch.
 */

/**
 * A parsed constraint such as `^1.2.0`, `>=1.0.0, <2.0.0` or `1.x || 2.x`.
 *
 * @public
 */
export interface SemverConstraint {
  /** Whether a version satisfies the constraint. */
  check(version: SemVer): boolean;
  /** The constraint as written. */
  readonly text: string;
}

const OPERATOR_LIST = [
  '',
  '=',
  '!=',
  '>',
  '<',
  '>=',
  '=>',
  '<=',
  '=<',
  '~',
  '~>',
  '^',
] as const;

type Operator = (typeof OPERATOR_LIST)[number];

function isOperator(text: string): text is Operator {
  const operators: readonly string[] = OPERATOR_LIST;
  return operators.includes(text);
}

/** One comparison of a constraint, e.g. ">=1.2" (Masterminds' `constraint`). */
export interface Comparator {
  operator: Operator;
  /** The version compared with; missing or wildcard parts are 0. */
  version: SemVer;
  /** The version text as written. */
  text: string;
  /** Some part was missing or a wildcard. */
  dirty: boolean;
  /** The minor part (and so the patch) was missing or a wildcard. */
  minorDirty: boolean;
  /** Only the patch part was missing or a wildcard. */
  patchDirty: boolean;
}

// Go's `\s` (RE2 Perl class), narrower than JavaScript's.
const S = '[\\t\\n\\f\\r ]';
// The operators in Masterminds' order. The empty alternative (a bare version) comes second, as there: with
// leftmost-first matching the other operators are only tried after a bare version failed to match.
const OPERATORS = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';
// A version in a constraint: digits or wildcards (x, X, *; the "|" is in Masterminds' class too) per part.
const VERSION =
  'v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?' +
  '(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?' +
  '(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?';

const COMPARATOR = new RegExp(`^${S}*(${OPERATORS})${S}*(${VERSION})${S}*$`);
const VERSION_ONLY = new RegExp(`^${VERSION}$`);
// "1.2 - 1.4.5"; the second version is group 11 (group 1 is the first version, which has nine groups).
const HYPHEN_RANGE = new RegExp(
  `${S}*(${VERSION})${S}+-${S}+(${VERSION})${S}*`,
  'g',
);
const SPACE = /^[\t\n\f\r ]$/;
const OPERATOR_CHAR = /^[=!<>~^]$/;
/** Longer constraints are refused: no real one comes close, and the range rewrite is quadratic. */
const MAX_LENGTH = 1024;

/**
 * Splits one "||" alternative into its comparisons ("op version" texts), or undefined when it is not a list of
 * comparisons separated by spaces or commas. This accepts exactly what Masterminds' `validConstraintRegex` does,
 * but reads the text once: that expression backtracks exponentially in JavaScript on long runs of spaces. A
 * version cannot contain spaces, commas or operator characters, so each comparison is an operator run, optional
 * spaces, then a version up to the next space or comma.
 */
export function splitComparisons(group: string): string[] | undefined {
  const comparisons: string[] = [];
  let i = 0;
  const skipSpaces = () => {
    while (i < group.length && SPACE.test(group[i])) i++;
  };
  skipSpaces();
  for (;;) {
    const operatorStart = i;
    while (i < group.length && OPERATOR_CHAR.test(group[i])) i++;
    const operator = group.slice(operatorStart, i);
    skipSpaces();
    const versionStart = i;
    while (i < group.length && !SPACE.test(group[i]) && group[i] !== ',') i++;
    const version = group.slice(versionStart, i);
    if (!isOperator(operator) || !VERSION_ONLY.test(version)) return undefined;
    comparisons.push(`${operator}${version}`);
    skipSpaces();
    if (i === group.length) return comparisons;
    // A version ends at a space or a comma: comparisons are separated by spaces, or by a comma and spaces.
    if (group[i] === ',') {
      i++;
      skipSpaces();
    }
  }
}

function isWildcard(part: string): boolean {
  return part === 'x' || part === 'X' || part === '*';
}

/** Masterminds' rewriteRange: each "a - b" becomes ">= a, <= b " (first occurrence of the same text, as Go does). */
export function rewriteHyphenRanges(text: string): string {
  let rewritten = text;
  for (const match of text.matchAll(HYPHEN_RANGE)) {
    const at = rewritten.indexOf(match[0]);
    if (at < 0) continue;
    const replacement = `>= ${match[1]}, <= ${match[11]} `;
    rewritten = `${rewritten.slice(0, at)}${replacement}${rewritten.slice(
      at + match[0].length,
    )}`;
  }
  return rewritten;
}

/**
 * Parses one comparison (Masterminds' `parseConstraint`). The empty text is a comparator matching every release.
 * Throws when the text is not a comparison.
 */
export function parseComparator(text: string): Comparator {
  if (text === '') {
    return {
      operator: '',
      version: {
        major: 0,
        minor: 0,
        patch: 0,
        prerelease: '',
        metadata: '',
        original: '0.0.0',
      },
      text,
      dirty: true,
      minorDirty: false,
      patchDirty: false,
    };
  }
  const match = COMPARATOR.exec(text);
  const operator = match?.[1];
  if (!match || operator === undefined || !isOperator(operator)) {
    throw new Error(`"${text}" is not a comparison such as ">=1.2.0"`);
  }
  const versionText = match[2];
  const major = match[3];
  const minor = (match[4] ?? '').slice(1);
  const patch = (match[5] ?? '').slice(1);
  const prerelease = match[6] ?? '';
  let normalized = versionText;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isWildcard(major)) {
    normalized = `0.0.0${prerelease}`;
    dirty = true;
  } else if (minor === '' || isWildcard(minor)) {
    normalized = `${major}.0.0${prerelease}`;
    dirty = true;
    minorDirty = true;
  } else if (patch === '' || isWildcard(patch)) {
    normalized = `${major}.${minor}.0${prerelease}`;
    dirty = true;
    patchDirty = true;
  }
  const version = parseSemver(normalized);
  if (!version) {
    throw new Error(`"${versionText}" in "${text}" is not a valid version`);
  }
  return {
    operator,
    version,
    text: versionText,
    dirty,
    minorDirty,
    patchDirty,
  };
}

function tilde(v: SemVer, c: Comparator): boolean {
  const con = c.version;
  if (compareSemver(v, con) < 0) return false;
  if (
    con.major === 0 &&
    con.minor === 0 &&
    con.patch === 0 &&
    !c.minorDirty &&
    !c.patchDirty
  ) {
    return true;
  }
  if (v.major !== con.major) return false;
  return v.minor === con.minor || c.minorDirty;
}

function notEqual(v: SemVer, c: Comparator): boolean {
  const con = c.version;
  if (c.dirty) {
    if (con.major !== v.major) return true;
    if (c.minorDirty) return false;
    if (con.minor !== v.minor) return true;
    if (c.patchDirty) {
      if (v.prerelease !== '' || con.prerelease !== '') {
        return comparePrerelease(v.prerelease, con.prerelease) !== 0;
      }
      return false;
    }
    if (con.patch !== v.patch) return true;
  }
  return compareSemver(v, con) !== 0;
}

function greaterThan(v: SemVer, c: Comparator): boolean {
  const con = c.version;
  if (!c.dirty) return compareSemver(v, con) > 0;
  if (v.major !== con.major) return v.major > con.major;
  if (c.minorDirty) return false;
  if (c.patchDirty) return v.minor > con.minor;
  return compareSemver(v, con) > 0;
}

function lessThanOrEqual(v: SemVer, c: Comparator): boolean {
  const con = c.version;
  if (!c.dirty) return compareSemver(v, con) <= 0;
  if (v.major > con.major) return false;
  return !(v.major === con.major && v.minor > con.minor && !c.minorDirty);
}

function caret(v: SemVer, c: Comparator): boolean {
  const con = c.version;
  if (compareSemver(v, con) < 0) return false;
  if (con.major > 0 || c.minorDirty) return v.major === con.major;
  if (v.major > 0) return false;
  if (con.minor > 0 || c.patchDirty) return v.minor === con.minor;
  if (v.minor > 0) return false;
  return v.patch === con.patch;
}

/**
 * Whether a version satisfies one comparison. Prereleases only pass when `includePrerelease` is set, which
 * Masterminds does for an AND-group that names a prerelease.
 */
export function checkComparator(
  c: Comparator,
  v: SemVer,
  includePrerelease: boolean,
): boolean {
  if (v.prerelease !== '' && !includePrerelease) return false;
  switch (c.operator) {
    case '':
    case '=':
      return c.dirty ? tilde(v, c) : compareSemver(v, c.version) === 0;
    case '!=':
      return notEqual(v, c);
    case '>':
      return greaterThan(v, c);
    case '<':
      return compareSemver(v, c.version) < 0;
    case '>=':
    case '=>':
      return compareSemver(v, c.version) >= 0;
    case '<=':
    case '=<':
      return lessThanOrEqual(v, c);
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      return caret(v, c);
    default:
      return false;
  }
}

interface AndGroup {
  comparators: Comparator[];
  includePrerelease: boolean;
}

/**
 * Parses a constraint with Masterminds/semver v3's grammar: comparisons (`=`, `!=`, `>`, `<`, `>=`, `<=`, `~`,
 * `~>`, `^`, or none) joined by spaces or commas (AND) and `||` (OR), hyphen ranges (`1.2 - 1.4.5`) and
 * wildcards (`1.x`, `1.2.*`). Throws an Error naming the faulty part when the text is not a valid constraint;
 * the empty text is not one (Kargo treats an empty constraint as "no constraint" before parsing).
 *
 * @public
 */
export function parseSemverConstraint(text: string): SemverConstraint {
  if (text.length > MAX_LENGTH) {
    throw new Error(
      `invalid semver constraint: longer than ${MAX_LENGTH} characters`,
    );
  }
  const groups: AndGroup[] = rewriteHyphenRanges(text)
    .split('||')
    .map(group => {
      const texts = splitComparisons(group);
      if (!texts) {
        throw new Error(
          `invalid semver constraint "${text}": "${group.trim()}" is not a constraint such as "^1.2.0", ">=1.0.0, <2.0.0" or "1.x"`,
        );
      }
      const comparators = texts.map(comparison => {
        try {
          return parseComparator(comparison);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(`invalid semver constraint "${text}": ${reason}`);
        }
      });
      return {
        comparators,
        includePrerelease: comparators.some(c => c.version.prerelease !== ''),
      };
    });
  return {
    text,
    check(version: SemVer): boolean {
      return groups.some(group =>
        group.comparators.every(c =>
          checkComparator(c, version, group.includePrerelease),
        ),
      );
    },
  };
}
