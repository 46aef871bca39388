import path from 'node:path';
import { parseNamePattern } from '@kargo-portal/plugin-kargo-common';

/*
 * includePaths / excludePaths selectors, after Kargo's pkg/pattern (ParsePathPattern) and
 * pkg/controller/git/commit (getPathSelectors, MatchesPaths).
 */

/** Tests a repository path (relative, `/`-separated) against one selector. */
export type PathMatcher = (repoPath: string) => boolean;

const PREFIXED = ['glob:', 'regex:', 'regexp:'];

/**
 * Parses one path selector: `glob:<doublestar glob>`, `regex:<RE2>` / `regexp:<RE2>` (unanchored), or else a base
 * directory that matches itself and every path below it. An unprefixed value is always a base directory, even when
 * it contains `*` or `:`.
 *
 * @throws Error when a glob or regular expression does not compile.
 */
export function parsePathPattern(pattern: string): PathMatcher {
  if (PREFIXED.some(prefix => pattern.startsWith(prefix))) {
    return parseNamePattern(pattern);
  }
  return baseDirMatcher(pattern);
}

/**
 * Go's `filepath.Rel(base, target)` followed by Kargo's "no `..` in the result" rule: after cleaning both, the base's
 * components must begin the target's, and what is left of the target must not contain `..` (even inside a name
 * such as `a..b`, as in Kargo). Like Go, a relative base never contains an absolute target and vice versa.
 */
function baseDirMatcher(base: string): PathMatcher {
  const baseParts = components(base);
  return target => {
    if (path.posix.isAbsolute(base) !== path.posix.isAbsolute(target)) {
      return false;
    }
    const targetParts = components(target);
    return (
      baseParts.every((part, i) => targetParts[i] === part) &&
      !targetParts.slice(baseParts.length).join('/').includes('..')
    );
  };
}

/** The components of a cleaned path ("." and empty ones dropped). */
function components(value: string): string[] {
  return path.posix
    .normalize(value)
    .split('/')
    .filter(part => part !== '' && part !== '.');
}

/**
 * Compiles a list of selectors into one matcher that matches when any selector does; `undefined` for an empty or
 * missing list, which Kargo treats as "not configured".
 */
export function pathSelectors(
  selectors: readonly string[] | undefined,
): PathMatcher | undefined {
  if (!selectors || selectors.length === 0) return undefined;
  const matchers = selectors.map(selector => {
    try {
      return parsePathPattern(selector);
    } catch (error) {
      throw new Error(
        `parse error path selector "${selector}": ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  });
  return repoPath => matchers.some(matches => matches(repoPath));
}

/**
 * Kargo's `MatchesPaths`: true when some changed path is included (no include selectors, or one matches) and not
 * excluded (no exclude selector matches). A commit that changed nothing never matches.
 */
export function matchesPaths(
  filters: { include?: PathMatcher; exclude?: PathMatcher },
  changedPaths: readonly string[],
): boolean {
  return changedPaths.some(
    changed =>
      (!filters.include || filters.include(changed)) &&
      !(filters.exclude && filters.exclude(changed)),
  );
}
