import fs from 'node:fs';
import path from 'node:path';
import { createTagFilter } from './tagFilter';

const vectors = path.resolve(
  __dirname,
  '../../../../../test-vectors/kargo/01-image-selection',
);

interface MatchCase {
  id: string;
  input: {
    strategy: string;
    allowTagsRegexes: string[];
    ignoreTagsRegexes: string[];
    tag: string;
  };
  expected: { matches: boolean };
}

interface ListCase {
  id: string;
  input: {
    allowTagsRegexes: string[];
    ignoreTagsRegexes: string[];
    tags: string[];
  };
  expected: { tags: string[] };
}

function load<T>(file: string): T[] {
  return JSON.parse(fs.readFileSync(path.join(vectors, file), 'utf8')).cases;
}

describe('createTagFilter (Kargo vectors)', () => {
  const matches = load<MatchCase>('tag-filter-matches.json').filter(
    c => c.input.strategy === 'TagBased',
  );
  const lists = load<ListCase>('tag-filter-list.json');

  it('has the vectors to run', () => {
    expect(matches.length).toBeGreaterThanOrEqual(6);
    expect(lists.length).toBeGreaterThanOrEqual(1);
  });

  it.each(matches.map(c => [c.id, c] as const))(
    '%s',
    (_id, { input, expected }) => {
      expect(createTagFilter(input).matches(input.tag)).toBe(expected.matches);
    },
  );

  it.each(lists.map(c => [c.id, c] as const))(
    '%s',
    (_id, { input, expected }) => {
      const filter = createTagFilter(input);
      expect(input.tags.filter(tag => filter.matches(tag))).toEqual(
        expected.tags,
      );
    },
  );

  it('names the field and index of a regex that does not compile', () => {
    expect(() => createTagFilter({ allowTagsRegexes: ['^v', '('] })).toThrow(
      'error compiling allow tags regex (allowTagsRegexes[1]): error compiling regular expression "("',
    );
    expect(() => createTagFilter({ ignoreTagsRegexes: ['['] })).toThrow(
      'error compiling ignore tags regex (ignoreTagsRegexes[0])',
    );
  });
});

describe('tag regexes (Go RE2 syntax)', () => {
  const allows = (pattern: string, tag: string) =>
    createTagFilter({ allowTagsRegexes: [pattern] }).matches(tag);

  it.each([
    // RE2 syntax JavaScript spells differently.
    ['(?i)^V1\\.', 'v1.2', true],
    ['^(?P<major>\\d+)\\.', '12.0', true],
    ['^[[:digit:]]+$', '2024', true],
    ['^[[:alpha:]-]+$', 'abc-def', true],
    ['^[[:alpha:]]+$', 'abc1', false],
    ['\\Av1\\z', 'v1', true],
    ['\\Av1\\z', 'v10', false],
    ['^\\pL+$', 'abc', true],
    ['^[]a]+$', 'a]a', true],
    // Flags may change in the middle of a pattern, as in RE2.
    ['a(?i)b', 'aB', true],
    ['a(?i)b', 'AB', false],
    // Unanchored search, as Go's MatchString.
    ['rc', '1.0.0-rc.1', true],
  ])('%s against %s: %s', (pattern, tag, matches) => {
    expect(allows(pattern, tag)).toBe(matches);
  });

  it.each([
    ['(?=v)v1', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['[[:nope:]]', 'invalid character class range: `[:nope:]`'],
    ['[', 'missing closing ]: `[`'],
  ])('refuses %s as RE2 does', (pattern, reason) => {
    expect(() => createTagFilter({ allowTagsRegexes: [pattern] })).toThrow(
      `error compiling allow tags regex (allowTagsRegexes[0]): error compiling regular expression "${pattern}": error parsing regexp: ${reason}`,
    );
  });

  // A backtracking engine would not return from these; Jest's timeout bounds the test.
  it('filters with catastrophic patterns in linear time', () => {
    const long = 'a'.repeat(50_000);
    const filter = createTagFilter({
      allowTagsRegexes: ['(a+)+$', '^(a|aa)*b'],
      ignoreTagsRegexes: ['(a|a)*c$'],
    });
    expect(
      [`${long}!`, `${long}b`, long].filter(tag => filter.matches(tag)),
    ).toEqual([`${long}b`, long]);
  }, 5_000);
});
