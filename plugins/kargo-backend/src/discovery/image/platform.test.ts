import fs from 'node:fs';
import path from 'node:path';
import {
  formatPlatformConstraint,
  parsePlatformConstraint,
  platformMatches,
} from './platform';

interface PlatformCase {
  id: string;
  test: string;
  input: {
    os?: string;
    arch?: string;
    variant?: string;
    platform?: string;
    constraint?: string;
    image?: { os: string; arch: string; variant: string };
  };
  expected: {
    string?: string;
    valid?: boolean;
    errorContains?: string;
    os?: string;
    arch?: string;
    variant?: string;
    matches?: boolean;
  };
}

const cases: PlatformCase[] = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../../test-vectors/kargo/01-image-selection/platform-constraint.json',
    ),
    'utf8',
  ),
).cases;

function outcome(c: PlatformCase): unknown {
  const { input } = c;
  switch (c.test) {
    case 'TestPlatformConstraintString':
      return {
        string: formatPlatformConstraint({
          os: input.os ?? '',
          arch: input.arch ?? '',
          variant: input.variant ?? '',
        }),
      };
    case 'TestValidatePlatformConstraint':
      try {
        parsePlatformConstraint(input.platform ?? '');
        return { valid: true };
      } catch {
        return { valid: false };
      }
    case 'TestParsePlatformConstraint':
      try {
        return parsePlatformConstraint(input.platform ?? '');
      } catch (error) {
        return { error: String(error) };
      }
    case 'TestPlatformConstraintMatches':
      return {
        matches: platformMatches(
          parsePlatformConstraint(input.constraint ?? ''),
          input.image ?? { os: '', arch: '' },
        ),
      };
    default:
      throw new Error(`no runner for ${c.test}`);
  }
}

describe('platform constraints (Kargo vectors)', () => {
  it('has the vectors to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  const failing = cases.filter(c => c.expected.errorContains);
  const passing = cases.filter(c => !c.expected.errorContains);

  it.each(passing.map(c => [c.id, c] as const))('%s', (_id, c) => {
    expect(outcome(c)).toEqual(c.expected);
  });

  it.each(failing.map(c => [c.id, c] as const))('%s', (_id, c) => {
    expect(outcome(c)).toEqual({
      error: expect.stringContaining(c.expected.errorContains ?? '?'),
    });
  });

  it('keeps everything after the second "/" as the variant, like Go strings.SplitN', () => {
    expect(parsePlatformConstraint('linux/arm/v7/extra')).toEqual({
      os: 'linux',
      arch: 'arm',
      variant: 'v7/extra',
    });
    expect(
      platformMatches(parsePlatformConstraint('linux/arm64'), {
        os: 'linux',
        arch: 'arm64',
        variant: 'v8',
      }),
    ).toBe(false);
  });
});
