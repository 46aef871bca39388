/**
 * Syntax of semantic version constraints as Kargo accepts them. Kargo hands constraints to the Masterminds/semver
 * library (`semver.NewConstraint`); these expressions follow that library's grammar so that a constraint Kargo
 * would reject is rejected when the manifest is loaded, not when a warehouse first polls.
 */

// A version in a constraint: wildcards (x, X, *) allowed in every position, optional leading "v".
const VERSION = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
// The empty alternative is deliberate: a bare version means "=".
const OPERATORS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;

// One "||" alternative: comparisons separated by spaces or commas.
const AND_GROUP = new RegExp(
  String.raw`^(\s*(${OPERATORS})\s*(${VERSION})\s*)((?:\s+|,\s*)(${OPERATORS})\s*(${VERSION})\s*)*$`,
);
// "1.2 - 1.4.5" hyphen ranges, rewritten to ">= 1.2, <= 1.4.5" before validation. The second version is
// capture group 11: group 1 is the first version and VERSION itself has nine groups.
const HYPHEN_RANGE = new RegExp(
  String.raw`\s*(${VERSION})\s+-\s+(${VERSION})\s*`,
  'g',
);

/**
 * Whether a text is a valid semantic version constraint such as `^1.2.0`, `>=1.0.0, <2.0.0`, `1.x || 2.x` or
 * `1.2 - 1.4.5`. The empty string is valid and means "no constraint".
 *
 * @public
 */
export function isValidSemverConstraint(constraint: string): boolean {
  if (constraint === '') return true;
  const rewritten = constraint.replace(
    HYPHEN_RANGE,
    (...groups: string[]) => `>= ${groups[1]}, <= ${groups[11]} `,
  );
  return rewritten.split('||').every(group => AND_GROUP.test(group));
}
