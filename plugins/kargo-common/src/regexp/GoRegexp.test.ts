import { compileGoRegexp, GoRegexpError } from '.';

/** Matches as Go's `regexp.MatchString` (RE2 syntax, unanchored search). */
describe('compileGoRegexp', () => {
  it.each<[string, string, boolean]>([
    ['abc', 'xxabcxx', true],
    ['^abc$', 'abc', true],
    ['^abc$', 'abc\n', false],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['(?i)HeLLo', 'hello', true],
    ['(?i:a)b', 'Ab', true],
    ['(?i:a)b', 'AB', false],
    ['[[:digit:]]+', 'v12', true],
    ['^[[:^alpha:]]+$', '123', true],
    ['^\\d{3}-\\d{4}$', '555-1234', true],
    ['^\\w+$', 'héllo', false],
    ['\\bfoo\\b', 'a foo b', true],
    ['\\bfoo\\b', 'afoob', false],
    ['\\Bfoo', 'afoo', true],
    ['\\Aab\\z', 'ab', true],
    ['\\Aab\\z', 'abc', false],
    ['^v?(\\d+)\\.(\\d+)\\.(\\d+)(-[0-9A-Za-z.-]+)?$', 'v1.2.3-rc.1', true],
    ['^(?P<major>\\d+)\\.(?<minor>\\d+)$', '1.2', true],
    ['a{2,3}', 'caab', true],
    ['^a{2,3}$', 'aaaa', false],
    ['^a{2,}$', 'aaaa', true],
    ['a{,2}', 'a{,2}', true],
    ['x{', 'x{', true],
    ['^(ab|cd)+$', 'abcdab', true],
    ['^(ab|cd)+$', 'abca', false],
    ['a|', 'zzz', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['\\x41\\x{42}\\101', 'ABA', true],
    ['\\p{Greek}', 'αβγ', true],
    ['\\pL', '1', false],
    ['\\PL', '1', true],
    ['\\p{^Lu}', 'a', true],
    ['[^a]', '\n', true],
    ['[a-c]+', 'xbx', true],
    ['[]a]', ']', true],
    ['[a-]', '-', true],
    ['😀+', 'x😀😀', true],
    ['^.$', '😀', true],
    ['(?i)k', '\u212a', true],
    ['a*?b', 'aab', true],
    ['(a*)*b', 'aaab', true],
    ['()', '', true],
  ])('%j on %j is %s', (pattern, text, expected) => {
    expect(compileGoRegexp(pattern).test(text)).toBe(expected);
  });

  it.each([
    ['(abc', 'missing closing )'],
    ['abc)', 'unexpected )'],
    ['[abc', 'missing closing ]'],
    ['*a', 'missing argument to repetition operator'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a{1001}', 'invalid repeat count'],
    ['a{3,2}', 'invalid repeat count'],
    ['(?=a)', 'invalid or unsupported Perl syntax'],
    ['(?!a)', 'invalid or unsupported Perl syntax'],
    ['(?<=a)', 'invalid or unsupported Perl syntax'],
    ['\\1', 'invalid escape sequence'],
    ['\\q', 'invalid escape sequence'],
    ['[z-a]', 'invalid character class range'],
    ['\\p{NotAScript}', 'invalid character class range'],
    ['[[:nope:]]', 'invalid character class range'],
    ['a\\', 'trailing backslash'],
    ['(?P<>a)', 'invalid named capture'],
  ])('refuses %j', (pattern, message) => {
    expect(() => compileGoRegexp(pattern)).toThrow(message);
  });

  it('matches in linear time where a backtracking engine would not finish', () => {
    // A backtracking engine would not return from these: Jest's timeout bounds the test.
    const text = `${'a'.repeat(5000)}c`;
    expect(compileGoRegexp('(a*)*b').test(text)).toBe(false);
    expect(compileGoRegexp('^(a|a)*$').test(text)).toBe(false);
  });

  it('matches patterns whose NFA is large in linear time', () => {
    expect(compileGoRegexp('(a?){1000}b').test('a'.repeat(50000))).toBe(false);
    expect(compileGoRegexp('(a?){1000}b').test(`${'a'.repeat(50000)}b`)).toBe(
      true,
    );
  });

  it('gives up on matches that are too expensive', () => {
    // Every position makes a new DFA state here, so each character costs a pass over a large program.
    let seed = 1;
    const text = Array.from({ length: 50000 }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed & 0x10000 ? 'a' : 'b';
    }).join('');
    const expensive = compileGoRegexp('[ab]*a[ab]{500}c');
    let failure: unknown;
    try {
      expensive.test(text);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(GoRegexpError);
    expect(String(failure)).toContain('too expensive');
  }, 20_000);

  it('refuses patterns too large to compile', () => {
    expect(() => compileGoRegexp('((a{100}){100}){100}')).toThrow(
      'expression too large',
    );
  });
});
