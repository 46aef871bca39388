/*
 * Semantic versions as Kargo reads them: Kargo hands tags and chart versions to the Masterminds/semver v3 library
 * (`NewVersion`, `StrictNewVersion`, `Version.Compare`). This file follows that library's rules, not the npm
 * `semver` package's, which differ (loose parsing of "1.2", "v1", leading zeros, prerelease precedence).
 */

/**
 * A parsed semantic version.
 *
 * @public
 */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated prerelease identifiers without the leading "-", or "". */
  prerelease: string;
  /** Build metadata without the leading "+", or "". Ignored by comparisons. */
  metadata: string;
  /** The text the version was parsed from, as given (a tag keeps its "v"). */
  original: string;
}

/**
 * How {@link parseSemver} reads a version.
 *
 * @public
 */
export interface ParseSemverOptions {
  /**
   * Require a full `MAJOR.MINOR.PATCH` without leading zeros, as Masterminds' `StrictNewVersion` does. Default
   * false: like `NewVersion`, "1" and "1.2" are read as 1.0.0 and 1.2.0 and leading zeros are tolerated.
   */
  strict?: boolean;
  /**
   * Accept one leading "v" ("v1.2.3"). Default true, which with `strict` gives Kargo's `strictSemvers` rule: the
   * tag minus one leading "v" must be a strict version. Set it to false with `strict` for `StrictNewVersion`
   * exactly, which Kargo uses for OCI chart tags.
   */
  allowVPrefix?: boolean;
}

// Masterminds' "loose" expression, which NewVersion uses when it coerces (its default): numbers may have leading
// zeros, minor and patch are optional. Groups: 1 major, 2 ".minor", 3 ".patch", 5 prerelease, 8 metadata.
const LOOSE_VERSION =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

const DIGITS = /^[0-9]+$/;
const IDENTIFIER = /^[0-9A-Za-z-]+$/;
const UINT64_MAX = 18446744073709551615n;

/**
 * A version segment as Go's `strconv.ParseUint(s, 10, 64)` reads it; undefined when out of range. Numbers above
 * 2^53 keep their magnitude but not every digit (JavaScript numbers), which only matters for comparisons between
 * two such giants.
 */
function parseSegment(text: string): number | undefined {
  if (!DIGITS.test(text)) return undefined;
  if (text.length > 15 && BigInt(text) > UINT64_MAX) return undefined;
  return Number(text);
}

function validPrerelease(prerelease: string): boolean {
  return prerelease.split('.').every(part => {
    if (DIGITS.test(part)) return part.length === 1 || part[0] !== '0';
    return IDENTIFIER.test(part);
  });
}

function validMetadata(metadata: string): boolean {
  return metadata.split('.').every(part => IDENTIFIER.test(part));
}

function parseLoose(text: string, original: string): SemVer | undefined {
  const match = LOOSE_VERSION.exec(text);
  if (!match) return undefined;
  const major = parseSegment(match[1]);
  const minor = match[2] ? parseSegment(match[2].slice(1)) : 0;
  const patch = match[3] ? parseSegment(match[3].slice(1)) : 0;
  if (major === undefined || minor === undefined || patch === undefined) {
    return undefined;
  }
  const prerelease = match[5] ?? '';
  const metadata = match[8] ?? '';
  if (prerelease && !validPrerelease(prerelease)) return undefined;
  if (metadata && !validMetadata(metadata)) return undefined;
  return { major, minor, patch, prerelease, metadata, original };
}

/** Masterminds' StrictNewVersion: split on the first two dots, then metadata, then prerelease. */
function parseStrict(text: string, original: string): SemVer | undefined {
  const firstDot = text.indexOf('.');
  const secondDot = firstDot < 0 ? -1 : text.indexOf('.', firstDot + 1);
  if (secondDot < 0) return undefined;
  let rest = text.slice(secondDot + 1);
  let metadata = '';
  let prerelease = '';
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    metadata = rest.slice(plus + 1);
    rest = rest.slice(0, plus);
    if (!validMetadata(metadata)) return undefined;
  }
  const dash = rest.indexOf('-');
  if (dash >= 0) {
    prerelease = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
    if (!validPrerelease(prerelease)) return undefined;
  }
  const segments = [
    text.slice(0, firstDot),
    text.slice(firstDot + 1, secondDot),
    rest,
  ];
  if (segments.some(s => !DIGITS.test(s) || (s.length > 1 && s[0] === '0'))) {
    return undefined;
  }
  const [major, minor, patch] = segments.map(parseSegment);
  if (major === undefined || minor === undefined || patch === undefined) {
    return undefined;
  }
  return { major, minor, patch, prerelease, metadata, original };
}

/**
 * Parses a semantic version the way Kargo does (Masterminds/semver v3). Returns undefined when the text is not one.
 *
 * Loose (default): Masterminds' `NewVersion`, e.g. "1" is 1.0.0, "v1.2" is 1.2.0, "01.1.1" is 1.1.1.
 * Strict: the text (minus one leading "v" unless `allowVPrefix` is false) must pass `StrictNewVersion`.
 *
 * @public
 */
export function parseSemver(
  text: string,
  options: ParseSemverOptions = {},
): SemVer | undefined {
  const { strict = false, allowVPrefix = true } = options;
  if (!allowVPrefix && text.startsWith('v')) return undefined;
  if (strict) {
    return parseStrict(text.startsWith('v') ? text.slice(1) : text, text);
  }
  return parseLoose(text, text);
}

/**
 * The canonical text of a version, without the original's "v": `MAJOR.MINOR.PATCH[-prerelease][+metadata]`.
 *
 * @public
 */
export function formatSemver(version: SemVer): string {
  const core = `${version.major}.${version.minor}.${version.patch}`;
  const prerelease = version.prerelease ? `-${version.prerelease}` : '';
  const metadata = version.metadata ? `+${version.metadata}` : '';
  return `${core}${prerelease}${metadata}`;
}

function sign(difference: number): number {
  if (difference < 0) return -1;
  return difference > 0 ? 1 : 0;
}

function isUint64(text: string): boolean {
  return parseSegment(text) !== undefined;
}

// Masterminds' comparePrePart: a missing identifier is lower; numbers are lower than words; words compare by
// bytes. Its numbers are what ParseUint accepts, so "-2" is a word.
function comparePrereleasePart(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return -1;
  if (b === '') return 1;
  const aNumeric = isUint64(a);
  const bNumeric = isUint64(b);
  if (!aNumeric && !bNumeric) return a > b ? 1 : -1;
  if (!bNumeric) return -1;
  if (!aNumeric) return 1;
  return Number(a) > Number(b) ? 1 : -1;
}

/** Compares two prerelease strings identifier by identifier. */
export function comparePrerelease(a: string, b: string): number {
  const aParts = a.split('.');
  const bParts = b.split('.');
  const length = Math.max(aParts.length, bParts.length);
  for (let i = 0; i < length; i++) {
    const difference = comparePrereleasePart(aParts[i] ?? '', bParts[i] ?? '');
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Semantic version precedence: -1, 0 or 1 as `a` is lower than, equal to or higher than `b`. A release is higher
 * than its prereleases; metadata is ignored, so "1.0" and "1.0.0+build" compare equal.
 *
 * @public
 */
export function compareSemver(a: SemVer, b: SemVer): number {
  const core =
    sign(a.major - b.major) ||
    sign(a.minor - b.minor) ||
    sign(a.patch - b.patch);
  if (core !== 0) return core;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  return comparePrerelease(a.prerelease, b.prerelease);
}
