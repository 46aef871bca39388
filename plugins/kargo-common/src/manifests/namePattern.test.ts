import { namePatternProblem, parseNamePattern } from './namePattern';

describe('namePatternProblem', () => {
  it.each([
    ['dev', undefined],
    ['regex:^dev$', undefined],
    ['regexp:^dev$', undefined],
    ['glob:dev-*', undefined],
    [
      'wildcard:dev',
      'invalid pattern identifier "wildcard": must be "regex", "regexp" or "glob"',
    ],
    [
      'regex:[a-z',
      'invalid regular expression "[a-z": error parsing regexp: missing closing ]: `[a-z`',
    ],
    [
      'regex:(?=a)',
      'invalid regular expression "(?=a)": error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
    ],
    // RE2 accepts the ungreedy flag, which never changes whether a name matches.
    ['regex:(?U)a+', undefined],
    ['glob:dev-[abc', 'invalid glob pattern "dev-[abc"'],
    ['glob:dev-[]', 'invalid glob pattern "dev-[]"'],
    ['glob:{dev,qa', 'invalid glob pattern "{dev,qa"'],
    ['glob:dev\\', 'invalid glob pattern "dev\\"'],
    ['glob:dev-[z-a]', 'invalid glob pattern "dev-[z-a]"'],
  ])('%j: %j', (pattern, problem) => {
    expect(namePatternProblem(pattern)).toBe(problem);
  });
});

describe('doublestar globs over paths', () => {
  it.each([
    ['glob:**/*.yaml', 'app.yaml', true],
    ['glob:**/*.yaml', 'env/dev/app.yaml', true],
    ['glob:**/*.yaml', 'env/dev/app.json', false],
    ['glob:env/**/values.yaml', 'env/values.yaml', true],
    ['glob:env/**/values.yaml', 'env/dev/eu/values.yaml', true],
    ['glob:env/*/values.yaml', 'env/dev/eu/values.yaml', false],
    ['glob:env/**', 'env/dev/values.yaml', true],
    // Escaped letters in a class are the letters themselves.
    ['glob:[\\d]', 'd', true],
    ['glob:[\\d]', '1', false],
    ['glob:[\\]\\-]', '-', true],
  ])('%s on %s: %p', (pattern, path, expected) => {
    expect(parseNamePattern(pattern)(path)).toBe(expected);
  });

  // A backtracking engine would not return from these; Jest's timeout bounds the test.
  it('matches catastrophic patterns in linear time', () => {
    const long = 'a'.repeat(50_000);
    for (const pattern of [
      'regex:(a+)+$',
      'regex:^(a|aa)*b',
      'glob:*a*a*a*a*b',
    ]) {
      expect(parseNamePattern(pattern)(`${long}!`)).toBe(false);
    }
    expect(parseNamePattern('glob:{a,aa}*b')(`${long}b`)).toBe(true);
  }, 5_000);
});
