import fc from 'fast-check';
import { parseSemverConstraint, splitComparisons } from './constraint';
import { compareSemver, formatSemver, parseSemver, SemVer } from './version';

// Properties that hold for any version, checked on generated ones alongside the library's vectors.

const numericIdentifier = fc.nat({ max: 1000 }).map(String);
const wordIdentifier = fc
  .stringMatching(/^[0-9A-Za-z-]{1,8}$/)
  .filter(text => !/^[0-9]+$/.test(text));
const prerelease = fc
  .array(fc.oneof(numericIdentifier, wordIdentifier), {
    minLength: 1,
    maxLength: 3,
  })
  .map(parts => parts.join('.'));

const versionText = fc
  .record({
    major: fc.nat({ max: 20 }),
    minor: fc.nat({ max: 20 }),
    patch: fc.nat({ max: 20 }),
    prerelease: fc.option(prerelease, { nil: undefined }),
    metadata: fc.option(fc.stringMatching(/^[0-9A-Za-z-]{1,8}$/), {
      nil: undefined,
    }),
  })
  .map(
    v =>
      `${v.major}.${v.minor}.${v.patch}${
        v.prerelease ? `-${v.prerelease}` : ''
      }${v.metadata ? `+${v.metadata}` : ''}`,
  );

function mustParse(text: string): SemVer {
  const version = parseSemver(text, { strict: true });
  if (!version) throw new Error(`${text} should parse strictly`);
  return version;
}

describe('semver properties', () => {
  it('reads back what it writes, strictly and loosely alike', () => {
    fc.assert(
      fc.property(versionText, text => {
        const strict = mustParse(text);
        expect(formatSemver(strict)).toBe(text);
        expect(parseSemver(text)).toEqual(strict);
        expect(parseSemver(`v${text}`, { strict: true })).toEqual({
          ...strict,
          original: `v${text}`,
        });
      }),
    );
  });

  it('orders versions consistently', () => {
    fc.assert(
      fc.property(versionText, versionText, versionText, (x, y, z) => {
        const [a, b, c] = [x, y, z].map(mustParse);
        expect(compareSemver(a, b)).toBe(0 - compareSemver(b, a));
        const chained = compareSemver(a, b) <= 0 && compareSemver(b, c) <= 0;
        expect(!chained || compareSemver(a, c) <= 0).toBe(true);
      }),
    );
  });

  it('ignores metadata when comparing', () => {
    fc.assert(
      fc.property(versionText, text => {
        const version = mustParse(text);
        expect(compareSemver(version, { ...version, metadata: 'other' })).toBe(
          0,
        );
      }),
    );
  });

  it('agrees with compareSemver for full comparisons between releases', () => {
    const release = fc
      .tuple(fc.nat({ max: 5 }), fc.nat({ max: 5 }), fc.nat({ max: 5 }))
      .map(([major, minor, patch]) => `${major}.${minor}.${patch}`);
    fc.assert(
      fc.property(release, release, (x, y) => {
        const v = mustParse(x);
        const order = compareSemver(v, mustParse(y));
        const check = (operator: string) =>
          parseSemverConstraint(`${operator}${y}`).check(v);
        expect(check('=')).toBe(order === 0);
        expect(check('!=')).toBe(order !== 0);
        expect(check('>')).toBe(order > 0);
        expect(check('<')).toBe(order < 0);
        expect(check('>=')).toBe(order >= 0);
        expect(check('<=')).toBe(order <= 0);
        expect(parseSemverConstraint(`>${y} || <=${y}`).check(v)).toBe(true);
      }),
    );
  });

  it('lets a prerelease through only a group that names a prerelease', () => {
    fc.assert(
      fc.property(versionText, prerelease, (text, pre) => {
        const version = mustParse(text);
        const anyRelease = parseSemverConstraint('>=0.0.0').check(version);
        expect(anyRelease).toBe(version.prerelease === '');
        expect(parseSemverConstraint(`>=0.0.0-${pre}`).check(version)).toBe(
          compareSemver(version, mustParse(`0.0.0-${pre}`)) >= 0,
        );
      }),
    );
  });
});

describe('splitComparisons', () => {
  // Masterminds' own expressions (constraints.go validConstraintRegex and findConstraintRegex), used here as the
  // oracle on short texts, where their backtracking is cheap.
  const S = '[\\t\\n\\f\\r ]';
  const OPS = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';
  const CV =
    'v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?' +
    '(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?' +
    '(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?';
  const VALID = new RegExp(
    `^(${S}*(${OPS})${S}*(${CV})${S}*)((?:${S}+|,${S}*)(${OPS})${S}*(${CV})${S}*)*$`,
  );
  const FIND = new RegExp(`(${OPS})${S}*(${CV})`, 'g');
  const text = fc
    .array(fc.constantFrom(...' ,1.2x*>=<~^!-av|+\t'.split('')), {
      maxLength: 12,
    })
    .map(chars => chars.join(''));

  it('accepts what Masterminds accepts and finds the same comparisons', () => {
    fc.assert(
      fc.property(text, group => {
        const split = splitComparisons(group);
        expect(split !== undefined).toBe(VALID.test(group));
        const found = VALID.test(group)
          ? [...group.matchAll(FIND)].map(m => m[0].replace(/[\t\n\f\r ]/g, ''))
          : undefined;
        expect(split).toEqual(found);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads long texts in linear time', () => {
    const long = `${'1   '.repeat(200)}!`;
    const started = Date.now();
    expect(splitComparisons(long)).toBeUndefined();
    expect(() =>
      parseSemverConstraint(`${'>=1.0.0 '.repeat(100)}`),
    ).not.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
