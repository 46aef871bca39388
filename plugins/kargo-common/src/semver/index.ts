export type { SemVer, ParseSemverOptions } from './version';
export { parseSemver, formatSemver, compareSemver } from './version';
export type { SemverConstraint } from './constraint';
export { parseSemverConstraint } from './constraint';
