import { InputError } from '@backstage/errors';
import { compileGoRegexp, GoRegexp } from '../regexp';

/*
 * Name patterns, after Kargo's pkg/pattern: a name that is exact, `regex:`/`regexp:` (Go RE2, unanchored search)
 * or `glob:` (doublestar syntax). Stage selectors match stage names with them, Git subscriptions' path filters
 * paths. Regexes and globs both run on the linear-time Go regexp engine, so no pattern can make a match backtrack
 * catastrophically.
 */

const GLOB_PREFIX = 'glob:';
const REGEX_PREFIXES = ['regex:', 'regexp:'];

/** Tests a name against a parsed name pattern. @public */
export type NameMatcher = (name: string) => boolean;

/**
 * Why a stage name pattern is invalid, or `undefined` if it is valid. Names without a `:` are exact names.
 *
 * @public
 */
export function namePatternProblem(pattern: string): string | undefined {
  const result = compileNamePattern(pattern);
  return typeof result === 'string' ? result : undefined;
}

/**
 * Parses a stage name pattern: an exact name, `regex:<RE2 expression>`, `regexp:<RE2 expression>` or
 * `glob:<glob>`.
 *
 * @throws InputError if the pattern is invalid.
 * @public
 */
export function parseNamePattern(pattern: string): NameMatcher {
  const result = compileNamePattern(pattern);
  if (typeof result === 'string') {
    throw new InputError(`Invalid name pattern "${pattern}": ${result}`);
  }
  return result;
}

function compileNamePattern(pattern: string): NameMatcher | string {
  if (pattern.startsWith(GLOB_PREFIX)) {
    const glob = pattern.slice(GLOB_PREFIX.length);
    const regex = globToRegexp(glob);
    if (!regex) return `invalid glob pattern "${glob}"`;
    return name => regex.test(name);
  }
  const regexPrefix = REGEX_PREFIXES.find(p => pattern.startsWith(p));
  if (regexPrefix) {
    const expression = pattern.slice(regexPrefix.length);
    let regex: GoRegexp;
    try {
      regex = compileGoRegexp(expression);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return `invalid regular expression "${expression}": ${reason}`;
    }
    return name => regex.test(name);
  }
  const colon = pattern.indexOf(':');
  if (colon >= 0) {
    // Kargo's webhook rejects a name with an unknown "<identifier>:" prefix rather than treating it as exact.
    return `invalid pattern identifier "${pattern.slice(
      0,
      colon,
    )}": must be "regex", "regexp" or "glob"`;
  }
  return name => name === pattern;
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;
const escapeRegexp = (text: string) => text.replace(REGEX_SPECIAL, '\\$&');

/**
 * Translates a doublestar glob into an anchored Go regexp: `*` and `?` do not cross `/`, `**` does, `[...]` and
 * `[!...]` are character classes, `{a,b}` alternatives, `\` escapes. Returns `undefined` for a malformed glob
 * (unclosed `[` or `{`, trailing `\`, empty class).
 */
function globToRegexp(glob: string): GoRegexp | undefined {
  let source = '';
  let braces = 0;
  let i = 0;
  while (i < glob.length) {
    const c = glob[i];
    if (c === '\\') {
      if (i + 1 >= glob.length) return undefined;
      source += escapeRegexp(glob[i + 1]);
      i += 2;
    } else if (c === '*') {
      const double = glob[i + 1] === '*';
      if (double && glob[i + 2] === '/') {
        // "**/" is zero or more whole directories, as in doublestar: "**/*.yaml" matches "app.yaml" too.
        source += '(?:.*/)?';
        i += 3;
      } else {
        source += double ? '.*' : '[^/]*';
        i += double ? 2 : 1;
      }
    } else if (c === '?') {
      source += '[^/]';
      i += 1;
    } else if (c === '[') {
      const parsed = globClass(glob, i);
      if (!parsed) return undefined;
      source += parsed.source;
      i = parsed.next;
    } else if (c === '{') {
      braces += 1;
      source += '(?:';
      i += 1;
    } else if (c === ',' && braces > 0) {
      source += '|';
      i += 1;
    } else if (c === '}' && braces > 0) {
      braces -= 1;
      source += ')';
      i += 1;
    } else {
      source += escapeRegexp(c);
      i += 1;
    }
  }
  if (braces > 0) return undefined;
  try {
    return compileGoRegexp(`^${source}$`);
  } catch {
    // A class range such as [z-a].
    return undefined;
  }
}

function globClass(
  glob: string,
  start: number,
): { source: string; next: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (glob[i] === '!' || glob[i] === '^') {
    negate = true;
    i += 1;
  }
  let body = '';
  while (i < glob.length && glob[i] !== ']') {
    const escaped = glob[i] === '\\';
    if (escaped && i + 1 >= glob.length) return undefined;
    const c = escaped ? glob[i + 1] : glob[i];
    // Inside a class "\\", "]", "[" and "^" are special to RE2, as is "-" after an escape; an unescaped "-" keeps
    // its range meaning. Letters and digits are never escaped ("\\d" would be a class, "\\x" a hex escape).
    const special = escaped ? /[^0-9A-Za-z]/ : /[\\\][^]/;
    body += c < '\x80' && special.test(c) ? `\\${c}` : c;
    i += escaped ? 2 : 1;
  }
  if (i >= glob.length || body === '') return undefined;
  return { source: `[${negate ? '^' : ''}${body}]`, next: i + 1 };
}
