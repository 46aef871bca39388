import fs from 'node:fs';
import path from 'node:path';
import {
  checkComparator,
  parseComparator,
  parseSemverConstraint,
  rewriteHyphenRanges,
} from './constraint';
import { formatSemver, parseSemver } from './version';

const vectors = path.resolve(
  __dirname,
  '../../../../test-vectors/kargo/01-image-selection/masterminds-semver',
);

interface CheckCase {
  constraint: string;
  version: string;
  expected: boolean;
}

function load(file: string): CheckCase[] {
  return JSON.parse(fs.readFileSync(path.join(vectors, file), 'utf8')).cases;
}

function mustParse(text: string) {
  const version = parseSemver(text);
  if (!version) throw new Error(`${text} should parse`);
  return version;
}

describe('parseComparator', () => {
  const single = load('constraint-check-single.json');

  it('has the Masterminds vectors to run', () => {
    expect(single.length).toBeGreaterThan(100);
  });

  // Masterminds' TestConstraintCheck checks one comparison, allowing prereleases when it names one.
  it.each(single.map(c => [c.constraint, c.version, c.expected] as const))(
    'checks %j against %s: %s',
    (constraint, version, expected) => {
      const comparator = parseComparator(constraint);
      const includePrerelease = comparator.version.prerelease !== '';
      expect(
        checkComparator(comparator, mustParse(version), includePrerelease),
      ).toBe(expected);
    },
  );

  // Masterminds/semver@71f2b39 constraints_test.go TestParseConstraint.
  it.each([
    ['>= 1.2', '>=', '1.2.0'],
    ['1.0', '', '1.0.0'],
    ['<= 1.2', '<=', '1.2.0'],
    ['=< 1.2', '=<', '1.2.0'],
    ['=> 1.2', '=>', '1.2.0'],
    ['v1.2', '', '1.2.0'],
    ['=1.5', '=', '1.5.0'],
    ['> 1.3', '>', '1.3.0'],
    ['< 1.4.1', '<', '1.4.1'],
    ['< 40.50.10', '<', '40.50.10'],
  ])('reads %j as %j %s', (text, operator, version) => {
    const comparator = parseComparator(text);
    expect(comparator.operator).toBe(operator);
    expect(formatSemver(comparator.version)).toBe(version);
  });

  it('refuses what is not a comparison', () => {
    expect(() => parseComparator('foo')).toThrow(/not a comparison/);
  });
});

describe('parseSemverConstraint', () => {
  const cases = load('constraints-check.json');

  it('has the Masterminds vectors to run', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases.map(c => [c.constraint, c.version, c.expected] as const))(
    'checks %j against %s: %s',
    (constraint, version, expected) => {
      expect(parseSemverConstraint(constraint).check(mustParse(version))).toBe(
        expected,
      );
    },
  );

  // Masterminds/semver@71f2b39 constraints_test.go TestNewConstraint: which texts parse.
  it.each([
    '>= 1.1',
    '>40.50.60, < 50.70',
    '2.0',
    'v2.3.5-20161202202307-sha.e8fc5e5',
    'v1.2.3-0abc',
    '>= 1.2.3 < 2.0',
    '>= 1.2.3 < 2.0 || => 3.0 < 4',
    '>= 1.2.3, < 2.0',
    '>= 1.2.3, < 2.0 || => 3.0, < 4',
    '3 - 4 || => 3.0, < 4',
    '12.3.34 ~1.2.3',
    '1.0.0 - 2.0.0, <=2.0.0',
  ])('parses %j', text => {
    expect(() => parseSemverConstraint(text)).not.toThrow();
  });

  it.each([
    'v1.2.3-beta.01',
    '>= bar',
    'BAR >= 1.2.3',
    '12.3.4.1234',
    '12.23.4.1234',
    '12.3.34.1234',
    '12.3.34~ 1.2.3',
    '',
  ])('refuses %j', text => {
    expect(() => parseSemverConstraint(text)).toThrow(
      /invalid semver constraint/,
    );
  });

  it('names the faulty part in its error', () => {
    expect(() => parseSemverConstraint('>=1.0.0 || latest')).toThrow(
      'invalid semver constraint ">=1.0.0 || latest": "latest" is not a constraint',
    );
    expect(() => parseSemverConstraint('v1.2.3-beta.01')).toThrow(
      '"v1.2.3-beta.01" in "v1.2.3-beta.01" is not a valid version',
    );
  });

  it('keeps the text as written', () => {
    expect(parseSemverConstraint('^1.2 || 3.x').text).toBe('^1.2 || 3.x');
  });
});

// Masterminds/semver@71f2b39 constraints_test.go TestRewriteRange.
describe('rewriteHyphenRanges', () => {
  it.each([
    ['2 - 3', '>= 2, <= 3 '],
    ['2 - 3, 2 - 3', '>= 2, <= 3 ,>= 2, <= 3 '],
    ['2 - 3, 4.0.0 - 5.1', '>= 2, <= 3 ,>= 4.0.0, <= 5.1 '],
    ['2 - 3 4.0.0 - 5.1', '>= 2, <= 3 >= 4.0.0, <= 5.1 '],
    ['1.0.0 - 2.0.0 <=2.0.0', '>= 1.0.0, <= 2.0.0 <=2.0.0'],
  ])('rewrites %j as %j', (text, rewritten) => {
    expect(rewriteHyphenRanges(text)).toBe(rewritten);
  });
});
