import { parseSemverConstraint } from '../semver';

/**
 * Whether a text is a valid semantic version constraint such as `^1.2.0`, `>=1.0.0, <2.0.0`, `1.x || 2.x` or
 * `1.2 - 1.4.5`, as Kargo's Masterminds/semver (`semver.NewConstraint`) accepts it, so that a constraint Kargo
 * would reject is rejected when the manifest is loaded, not when a warehouse first polls. The empty string is
 * valid and means "no constraint".
 *
 * It uses the one-pass constraint parser: a regular expression over the whole grammar backtracks exponentially on
 * some inputs, and manifests come from users.
 *
 * @public
 */
export function isValidSemverConstraint(constraint: string): boolean {
  if (constraint === '') return true;
  try {
    parseSemverConstraint(constraint);
    return true;
  } catch {
    return false;
  }
}
