import { componentMatcher, isIgnored, parseIgnorePattern } from './gitignore';

type Case = [
  string,
  string[],
  string[],
  boolean,
  'exclude' | 'include' | undefined,
];

// The cases of go-git v5.19.2's plumbing/format/gitignore/pattern_test.go, which Kargo's copy step relies on.
const cases: Case[] = [
  ['!vul?ano', [], ['value', 'vulkano', 'tail'], false, 'include'],
  ['value', ['head', 'middle', 'tail'], ['head', 'middle'], false, undefined],
  [
    'value',
    ['head', 'middle', 'tail'],
    ['head', 'middle', 'tail'],
    false,
    undefined,
  ],
  [
    'value',
    ['head', 'middle', 'tail'],
    ['head', 'middle', '_tail_', 'value'],
    false,
    undefined,
  ],
  [
    'middle/',
    ['value', 'volcano'],
    ['value', 'volcano', 'middle', 'tail'],
    false,
    'exclude',
  ],
  [
    'volcano/',
    ['value', 'volcano'],
    ['value', 'volcano', 'tail'],
    true,
    undefined,
  ],
  ['value', [], ['value', 'tail'], false, 'exclude'],
  ['value', [], ['head', 'value', 'tail'], false, 'exclude'],
  ['value', [], ['head', 'value'], false, 'exclude'],
  ['value/', [], ['value', 'tail'], false, 'exclude'],
  ['value/', [], ['head', 'value', 'tail'], false, 'exclude'],
  ['value/', [], ['head', 'value'], true, 'exclude'],
  ['value/', [], ['head', 'value'], false, undefined],
  ['value', [], ['head', 'val', 'tail'], false, undefined],
  ['val', [], ['head', 'value', 'tail'], false, undefined],
  ['v*o', [], ['value', 'vulkano', 'tail'], false, 'exclude'],
  ['vul?ano', [], ['value', 'vulkano', 'tail'], false, 'exclude'],
  ['v[ou]l[kc]ano', [], ['value', 'volcano'], false, 'exclude'],
  ['v[ou]l[', [], ['value', 'vol['], false, undefined],
  ['/value/vul?ano', [], ['value', 'vulkano', 'tail'], false, 'exclude'],
  [
    'middle/tail/',
    ['value', 'volcano'],
    ['value', 'volcano', 'middle', 'tail'],
    true,
    'exclude',
  ],
  [
    'volcano/tail',
    ['value', 'volcano'],
    ['value', 'volcano', 'tail'],
    false,
    undefined,
  ],
  ['value/vul?ano', [], ['value', 'vulkano', 'tail'], false, 'exclude'],
  ['value/vulkano', [], ['value', 'volcano'], false, undefined],
  ['value/vul?ano', [], ['value'], false, undefined],
  ['/value/volcano', [], ['value', 'value', 'volcano'], false, undefined],
  ['**/*lue/vol?ano', [], ['value', 'volcano', 'tail'], false, 'exclude'],
  [
    '**/*lue/vol?ano',
    [],
    ['head', 'value', 'volcano', 'tail'],
    false,
    'exclude',
  ],
  [
    '**/*lue/vol?ano',
    [],
    ['head', 'value', 'Volcano', 'tail'],
    false,
    undefined,
  ],
  [
    '**/*lue/vol?ano/',
    [],
    ['head', 'value', 'volcano', 'tail'],
    false,
    'exclude',
  ],
  ['**/*lue/vol?ano/', [], ['head', 'value', 'volcano'], true, 'exclude'],
  ['**/*lue/vol?ano/', [], ['head', 'value', 'Colcano'], true, undefined],
  ['**/*lue/vol?ano/', [], ['head', 'value', 'volcano'], false, undefined],
  [
    '/*lue/vol?ano/**',
    [],
    ['value', 'volcano', 'tail', 'moretail'],
    false,
    'exclude',
  ],
  ['/*lue/vol?ano/**', [], ['value', 'volcano'], false, 'exclude'],
  ['/*lue/**/vol?ano', [], ['value', 'volcano'], false, 'exclude'],
  ['/*lue/**/vol?ano', [], ['value', 'middle', 'volcano'], false, 'exclude'],
  [
    '/*lue/**/vol?ano',
    [],
    ['value', 'middle1', 'middle2', 'volcano'],
    false,
    'exclude',
  ],
  [
    '/*lue/**/vol?ano/',
    [],
    ['value', 'middle1', 'middle2', 'volcano'],
    true,
    'exclude',
  ],
  [
    '/*lue/**/vol?ano/',
    [],
    ['value', 'middle1', 'middle2', 'volcano'],
    false,
    undefined,
  ],
  [
    '/*lue/**/vol?ano/',
    [],
    ['value', 'middle1', 'middle2', 'volcano', 'tail'],
    false,
    'exclude',
  ],
  [
    '/*lue/**foo/vol?ano',
    [],
    ['value', 'foo', 'volcano', 'tail'],
    false,
    undefined,
  ],
  ['**/head/v[ou]l[kc]ano', [], ['value', 'head', 'volcano'], false, 'exclude'],
  ['**/head/v[ou]l[', [], ['value', 'head', 'vol['], false, undefined],
  ['/value/**/v[ou]l[', [], ['value', 'head', 'vol['], false, undefined],
  [
    '**/android/**/GeneratedPluginRegistrant.java',
    [],
    ['packages', 'flutter_tools', 'lib', 'src', 'android', 'gradle.dart'],
    false,
    undefined,
  ],
];

describe('parseIgnorePattern (go-git pattern_test.go cases)', () => {
  it.each(cases)(
    '%s under %j matches %j (dir: %s) as %s',
    (pattern, domain, path, isDir, expected) => {
      expect(parseIgnorePattern(pattern, domain).match(path, isDir)).toBe(
        expected,
      );
    },
  );

  it('trims trailing spaces unless escaped', () => {
    expect(parseIgnorePattern('a.txt  ', []).match(['a.txt'], false)).toBe(
      'exclude',
    );
    expect(parseIgnorePattern('a\\ ', []).match(['a '], false)).toBe('exclude');
  });
});

describe('isIgnored', () => {
  it('lets the last matching pattern decide', () => {
    const patterns = ['*.log', '!keep.log', 'keep.log'].map(p =>
      parseIgnorePattern(p, []),
    );
    expect(isIgnored(patterns.slice(0, 2), ['keep.log'], false)).toBe(false);
    expect(isIgnored(patterns, ['keep.log'], false)).toBe(true);
    expect(isIgnored(patterns, ['other.log'], false)).toBe(true);
    expect(isIgnored(patterns, ['other.txt'], false)).toBe(false);
  });
});

describe('componentMatcher (Go filepath.Match)', () => {
  it.each<[string, string, boolean]>([
    ['*', 'anything.txt', true],
    ['*.txt', '.hidden.txt', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['[a-c]x', 'bx', true],
    ['[^a-c]x', 'bx', false],
    ['[^a-c]x', 'dx', true],
    ['[!a]x', '!x', true],
    ['\\*x', '*x', true],
    ['\\*x', 'ax', false],
    ['[\\]]', ']', true],
    ['a.b', 'axb', false],
    ['(a|b)', '(a|b)', true],
    ['[z-a]', 'q', false],
    ['[]a]', ']', false],
    ['[-a]', '-', false],
    ['a\\', 'a', false],
  ])('%s on %s: %s', (pattern, name, expected) => {
    expect(componentMatcher(pattern)(name)).toBe(expected);
  });
});
