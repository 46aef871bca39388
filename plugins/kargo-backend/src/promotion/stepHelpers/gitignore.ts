/**
 * Gitignore-style patterns with the semantics of go-git's `plumbing/format/gitignore` (v5), which Kargo's `copy`
 * step uses: a path is a list of components; a pattern applies below its domain (a prefix of components); a
 * pattern without `/` matches any component of the path, one with `/` matches component by component (`**`
 * spans directories); a trailing `/` restricts a match at the last component to directories; `!` re-includes;
 * the last pattern that matches decides. Components are matched like Go's `filepath.Match`.
 */
export interface IgnorePattern {
  match(path: string[], isDir: boolean): 'exclude' | 'include' | undefined;
}

/** Parses one gitignore line (not a comment or blank line) for paths under `domain`. */
export function parseIgnorePattern(
  line: string,
  domain: string[],
): IgnorePattern {
  let text = line;
  const inclusion = text.startsWith('!');
  if (inclusion) {
    text = text.slice(1);
  }
  if (!text.endsWith('\\ ')) {
    text = text.replace(/ +$/, '');
  }
  const dirOnly = text.endsWith('/');
  if (dirOnly) {
    text = text.slice(0, -1);
  }
  const isGlob = text.includes('/');
  const segments = text.split('/').map(segment => ({
    text: segment,
    matcher: componentMatcher(segment),
  }));
  const ownDomain = [...domain];

  const simpleNameMatch = (path: string[], isDir: boolean) => {
    for (let i = 0; i < path.length; i++) {
      if (!segments[0].matcher(path[i])) {
        continue;
      }
      return !(dirOnly && !isDir && i === path.length - 1);
    }
    return false;
  };

  const globMatch = (fullPath: string[], isDir: boolean) => {
    let path = fullPath;
    let matched = false;
    let canTraverse = false;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      if (segment.text === '') {
        canTraverse = false;
        continue;
      }
      if (segment.text === '**') {
        if (i === segments.length - 1) {
          break;
        }
        canTraverse = true;
        continue;
      }
      if (segment.text.includes('**') || path.length === 0) {
        return false;
      }
      if (canTraverse) {
        canTraverse = false;
        while (path.length > 0) {
          const component = path[0];
          path = path.slice(1);
          if (segment.matcher(component)) {
            matched = true;
            break;
          } else if (path.length === 0) {
            matched = false;
          }
        }
      } else {
        if (!segment.matcher(path[0])) {
          return false;
        }
        matched = true;
        path = path.slice(1);
      }
    }
    if (matched && dirOnly && !isDir && path.length === 0) {
      matched = false;
    }
    return matched;
  };

  return {
    match(path, isDir) {
      if (path.length <= ownDomain.length) {
        return undefined;
      }
      if (ownDomain.some((component, i) => path[i] !== component)) {
        return undefined;
      }
      const rest = path.slice(ownDomain.length);
      const matched = isGlob
        ? globMatch(rest, isDir)
        : simpleNameMatch(rest, isDir);
      if (!matched) {
        return undefined;
      }
      return inclusion ? 'include' : 'exclude';
    },
  };
}

/** True when the path is ignored: the last pattern that matches it excludes it. */
export function isIgnored(
  patterns: IgnorePattern[],
  path: string[],
  isDir: boolean,
): boolean {
  for (let i = patterns.length - 1; i >= 0; i--) {
    const result = patterns[i].match(path, isDir);
    if (result) {
      return result === 'exclude';
    }
  }
  return false;
}

/**
 * A matcher for one path component with Go's `filepath.Match` syntax: `*`, `?`, `[...]` classes (with `^`
 * negation and ranges) and `\` escapes. A malformed pattern matches nothing, as `filepath.Match` then returns
 * an error that go-git treats as no match.
 */
export function componentMatcher(pattern: string): (name: string) => boolean {
  const regexp = componentRegExp(pattern);
  return name => regexp?.test(name) ?? false;
}

/**
 * The RegExp for one path component of a glob pattern, or undefined when the pattern is malformed. With
 * `bangNegates` (doublestar's syntax) `[!...]` negates a class like `[^...]`.
 */
export function componentRegExp(
  pattern: string,
  options: { bangNegates?: boolean } = {},
): RegExp | undefined {
  const source = goGlobToRegExp(pattern, options.bangNegates ?? false);
  return source === undefined ? undefined : new RegExp(`^${source}$`, 'u');
}

function escapeRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

function escapeInClass(char: string): string {
  return /[\\^\]\[-]/.test(char) ? `\\${char}` : char;
}

function goGlobToRegExp(
  pattern: string,
  bangNegates: boolean,
): string | undefined {
  const chars = [...pattern];
  let out = '';
  let i = 0;
  while (i < chars.length) {
    const char = chars[i];
    if (char === '*') {
      out += '[^/]*';
      i++;
    } else if (char === '?') {
      out += '[^/]';
      i++;
    } else if (char === '\\') {
      if (i + 1 >= chars.length) {
        return undefined;
      }
      out += escapeRegExp(chars[i + 1]);
      i += 2;
    } else if (char === '[') {
      const cls = parseClass(chars, i + 1, bangNegates);
      if (!cls) {
        return undefined;
      }
      out += cls.source;
      i = cls.next;
    } else {
      out += escapeRegExp(char);
      i++;
    }
  }
  return out;
}

/** A `[...]` class as Go's `filepath.Match` reads it; undefined when malformed. */
function parseClass(
  chars: string[],
  from: number,
  bangNegates: boolean,
): { source: string; next: number } | undefined {
  let i = from;
  let negated = false;
  if (chars[i] === '^' || (bangNegates && chars[i] === '!')) {
    negated = true;
    i++;
  }
  const ranges: string[] = [];
  let count = 0;
  const readChar = (): string | undefined => {
    const char = chars[i];
    if (char === undefined || char === '-' || char === ']') {
      return undefined;
    }
    if (char === '\\') {
      i++;
      const escaped = chars[i];
      if (escaped === undefined) {
        return undefined;
      }
      i++;
      return escaped;
    }
    i++;
    return char;
  };
  for (;;) {
    if (chars[i] === ']' && count > 0) {
      i++;
      break;
    }
    const lo = readChar();
    if (lo === undefined) {
      return undefined;
    }
    let hi = lo;
    if (chars[i] === '-') {
      i++;
      const end = readChar();
      if (end === undefined) {
        return undefined;
      }
      hi = end;
    }
    count++;
    // A range whose end is below its start matches nothing; Go accepts it, RegExp would not.
    if (lo.codePointAt(0)! <= hi.codePointAt(0)!) {
      ranges.push(
        lo === hi
          ? escapeInClass(lo)
          : `${escapeInClass(lo)}-${escapeInClass(hi)}`,
      );
    }
  }
  const body = ranges.join('');
  if (body === '') {
    return { source: negated ? '[^/]' : '(?!)', next: i };
  }
  return { source: negated ? `[^/${body}]` : `[${body}]`, next: i };
}
