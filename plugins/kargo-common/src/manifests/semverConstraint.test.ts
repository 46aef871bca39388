import fs from 'node:fs';
import path from 'node:path';
import { isValidSemverConstraint } from './semverConstraint';

const vectorsDir = path.resolve(
  __dirname,
  '../../../../test-vectors/kargo/01-image-selection/masterminds-semver',
);

function constraintsOf(file: string): string[] {
  const vector: { cases: Array<{ constraint: string }> } = JSON.parse(
    fs.readFileSync(path.join(vectorsDir, file), 'utf8'),
  );
  return [...new Set(vector.cases.map(c => c.constraint))];
}

describe('isValidSemverConstraint', () => {
  // Masterminds/semver's own check tests only use constraints that parse.
  it.each([
    ...constraintsOf('constraint-check-single.json'),
    ...constraintsOf('constraints-check.json'),
  ])('accepts %j, a constraint of the Masterminds check tests', constraint => {
    expect(isValidSemverConstraint(constraint)).toBe(true);
  });

  it.each([
    ['', true],
    ['*', true],
    ['^1.2.0', true],
    ['~> 1.2', true],
    ['>=1.0.0, <2.0.0', true],
    ['>=1.0.0 <2.0.0', true],
    ['1.2 - 1.4.5', true],
    ['1.x || >=2.5.0 || 5.0.0 - 7.2.3', true],
    ['v1.2.3-beta.1+build.5', true],
    ['>= banana', false],
    ['^^1', false],
    ['1.2.3.4', false],
    ['>=1.0.0,', false],
    ['1.0 ||', false],
    [' ', false],
    ['latest', false],
  ])('%j is valid: %s', (constraint, ok) => {
    expect(isValidSemverConstraint(constraint)).toBe(ok);
  });
});

describe('isValidSemverConstraint on hostile input', () => {
  it('answers at once where a backtracking regular expression would not', () => {
    // Each of these took minutes with the former whole-grammar regular expression.
    for (let n = 10; n <= 22; n += 4) {
      expect(isValidSemverConstraint(`${'1   '.repeat(n)}!`)).toBe(false);
    }
  });
});
