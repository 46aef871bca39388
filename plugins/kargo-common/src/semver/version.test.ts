import fs from 'node:fs';
import path from 'node:path';
import { compareSemver, formatSemver, parseSemver } from './version';

const vectors = path.resolve(
  __dirname,
  '../../../../test-vectors/kargo/01-image-selection',
);

function load<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(vectors, file), 'utf8'));
}

function mustParse(text: string) {
  const version = parseSemver(text);
  if (!version) throw new Error(`${text} should parse`);
  return version;
}

interface ValidityCase {
  version: string;
  valid: boolean;
}

describe('parseSemver', () => {
  const loose = load<{ cases: ValidityCase[] }>(
    'masterminds-semver/parse-loose.json',
  ).cases;
  const strict = load<{ cases: ValidityCase[] }>(
    'masterminds-semver/parse-strict.json',
  ).cases;

  it('has the Masterminds vectors to run', () => {
    expect(loose.length).toBeGreaterThan(40);
    expect(strict.length).toBeGreaterThan(40);
  });

  it.each(loose.map(c => [c.version, c.valid] as const))(
    'reads %j as NewVersion does: valid=%s',
    (version, valid) => {
      expect(parseSemver(version) !== undefined).toBe(valid);
    },
  );

  it.each(strict.map(c => [c.version, c.valid] as const))(
    'reads %j as StrictNewVersion does: valid=%s',
    (version, valid) => {
      const parsed = parseSemver(version, {
        strict: true,
        allowVPrefix: false,
      });
      expect(parsed !== undefined).toBe(valid);
    },
  );

  interface TagCase {
    id: string;
    input: { tag: string; strict: boolean };
    expected: { valid: boolean; normalized?: string; original?: string };
  }
  const tags = load<{ cases: TagCase[] }>('semver-parse.json').cases;

  it.each(tags.map(c => [c.id, c] as const))(
    'reads tags as Kargo does (%s)',
    (_id, { input, expected }) => {
      const parsed = parseSemver(input.tag, { strict: input.strict });
      expect(parsed !== undefined).toBe(expected.valid);
      expect(parsed && formatSemver(parsed)).toBe(expected.normalized);
      expect(parsed?.original).toBe(expected.original);
    },
  );

  it('fills in missing parts and keeps prerelease, metadata and the original text', () => {
    expect(parseSemver('v1.2-beta.5+build.7')).toEqual({
      major: 1,
      minor: 2,
      patch: 0,
      prerelease: 'beta.5',
      metadata: 'build.7',
      original: 'v1.2-beta.5+build.7',
    });
    expect(parseSemver('01.02.03')).toMatchObject({
      major: 1,
      minor: 2,
      patch: 3,
    });
  });

  it('accepts segments up to the unsigned 64-bit maximum, as Go does', () => {
    expect(parseSemver('18446744073709551615.0.0')).toBeDefined();
    expect(parseSemver('18446744073709551616.0.0')).toBeUndefined();
    expect(
      parseSemver('1.0.0-18446744073709551616', { strict: true }),
    ).toBeDefined();
  });

  it('rejects a leading "v" only when told to', () => {
    expect(parseSemver('v1.2.3', { strict: true })?.original).toBe('v1.2.3');
    expect(parseSemver('v1.2.3', { allowVPrefix: false })).toBeUndefined();
    expect(parseSemver('vv1.2.3', { strict: true })).toBeUndefined();
  });
});

describe('compareSemver', () => {
  interface CompareCase {
    v1: string;
    v2: string;
    expected: number;
  }
  const cases = load<{ cases: CompareCase[] }>(
    'masterminds-semver/compare.json',
  ).cases;

  it.each(cases.map(c => [c.v1, c.v2, c.expected] as const))(
    'compares %s with %s as %d',
    (v1, v2, expected) => {
      expect(compareSemver(mustParse(v1), mustParse(v2))).toBe(expected);
      expect(compareSemver(mustParse(v2), mustParse(v1))).toBe(0 - expected);
    },
  );
});

describe('formatSemver', () => {
  it('writes the canonical form without the original "v"', () => {
    expect(formatSemver(mustParse('v1.2-rc.1+sha.abc'))).toBe(
      '1.2.0-rc.1+sha.abc',
    );
  });
});
