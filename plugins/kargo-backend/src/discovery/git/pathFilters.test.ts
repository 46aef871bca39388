import fs from 'node:fs';
import path from 'node:path';
import { matchesPaths, parsePathPattern, pathSelectors } from './pathFilters';

const VECTORS = path.resolve(
  __dirname,
  '../../../../../test-vectors/kargo/02-git-commit-selection',
);

function load<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'));
}

interface ParseCase {
  parser: 'name' | 'path';
  name: string;
  pattern: string;
  expected: { type?: string; string?: string; error?: boolean };
}

interface MatcherCase {
  matcher: 'glob' | 'regexp' | 'baseDir' | 'exact';
  name: string;
  pattern: string;
  shouldMatch: string[];
  shouldNotMatch: string[];
  constructionError: boolean;
}

const patterns = load<{
  parse: ParseCase[];
  matchers: MatcherCase[];
}>('pattern-matchers.json');

const pathCases = load<{
  cases: Array<{
    id: string;
    name: string;
    input: {
      includePaths?: string[];
      excludePaths?: string[];
      diffPaths: string[];
    };
    expected: { matches: boolean };
  }>;
}>('path-filters.json').cases;

/** A path selector that reproduces a matcher kind of Kargo's pkg/pattern test. */
function pathSelectorFor(
  kind: MatcherCase['matcher'],
  pattern: string,
): string {
  switch (kind) {
    case 'glob':
      return `glob:${pattern}`;
    case 'regexp':
      return `regexp:${pattern}`;
    default:
      return pattern;
  }
}

describe('path patterns (Kargo pkg/pattern vectors)', () => {
  const pathParseCases = patterns.parse.filter(c => c.parser === 'path');

  it('has the vectors', () => {
    expect(pathParseCases.length).toBeGreaterThan(5);
    expect(patterns.matchers.length).toBeGreaterThan(10);
  });

  it.each(
    pathParseCases.filter(c => c.expected.error).map(c => [c.name, c] as const),
  )('refuses %s', (_name, c) => {
    expect(() => parsePathPattern(c.pattern)).toThrow();
  });

  it.each(
    pathParseCases
      .filter(c => !c.expected.error)
      .map(c => [c.name, c] as const),
  )('parses %s', (_name, c) => {
    expect(typeof parsePathPattern(c.pattern)).toBe('function');
  });

  // Exact matchers are name patterns, which path selectors never produce.
  const pathMatcherCases = patterns.matchers.filter(c => c.matcher !== 'exact');

  it.each(
    pathMatcherCases
      .filter(c => c.constructionError)
      .map(c => [`${c.matcher}: ${c.name}`, c] as const),
  )('refuses %s', (_name, c) => {
    expect(() =>
      parsePathPattern(pathSelectorFor(c.matcher, c.pattern)),
    ).toThrow();
  });

  it.each(
    pathMatcherCases
      .filter(c => !c.constructionError)
      .map(c => [`${c.matcher}: ${c.name}`, c] as const),
  )('%s', (_name, c) => {
    const matches = parsePathPattern(pathSelectorFor(c.matcher, c.pattern));
    expect(c.shouldMatch.filter(p => !matches(p))).toEqual([]);
    expect(c.shouldNotMatch.filter(p => matches(p))).toEqual([]);
  });

  it('treats an empty selector list as no filter', () => {
    expect(pathSelectors([])).toBeUndefined();
    expect(pathSelectors(undefined)).toBeUndefined();
  });

  // The vectors' combined lists mix in exact (name) matchers; for paths, the same "any selector" rule applies.
  it('matches when any selector of a list does', () => {
    const matches = pathSelectors([
      'glob:*.{yaml,yml}',
      'regexp:^app-[a-z]+$',
      'configs',
    ]);
    const test = (p: string) => matches?.(p) ?? false;
    expect(
      [
        'other.yaml',
        'service.yml',
        'app-service',
        'configs/file.json',
        'configs',
      ].filter(p => !test(p)),
    ).toEqual([]);
    expect(
      [
        'data.json',
        'app_service',
        'App-service',
        'other/configs/file.json',
      ].filter(test),
    ).toEqual([]);
  });

  it('names the selector that does not parse', () => {
    expect(() => pathSelectors(['ok', 'regex:['])).toThrow(
      'parse error path selector "regex:["',
    );
  });

  // A backtracking engine would not return from these; Jest's timeout bounds the test.
  it('matches catastrophic regexes and globs in linear time', () => {
    const long = 'a'.repeat(50_000);
    const include = pathSelectors(['regexp:^(a|aa)*/b$', 'glob:*a*a*a*a*a*b']);
    const exclude = pathSelectors(['regex:(a+)+c$']);
    const filters = { include, exclude };
    expect(matchesPaths(filters, [`${long}/c`, `${long}!`])).toBe(false);
    expect(matchesPaths(filters, [`${long}/b`])).toBe(true);
    expect(matchesPaths(filters, [`${long}c`])).toBe(false);
    expect(matchesPaths(filters, [`${long}b`])).toBe(true);
  }, 5_000);
});

describe('matchesPaths (Kargo TestBaseSelector_MatchesPaths vectors)', () => {
  it('has the vectors', () => {
    expect(pathCases.length).toBe(13);
  });

  it.each(pathCases.map(c => [`${c.id} ${c.name}`, c] as const))(
    '%s',
    (_name, c) => {
      const filters = {
        include: pathSelectors(c.input.includePaths),
        exclude: pathSelectors(c.input.excludePaths),
      };
      expect(matchesPaths(filters, c.input.diffPaths)).toBe(c.expected.matches);
    },
  );
});
