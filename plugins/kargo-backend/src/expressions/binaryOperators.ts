import { fail } from './errors';
import { compareGoStrings } from './golang';
import { matchesGoRegexp } from './regexp';
import { timeOperator } from './time';
import {
  deepEqual,
  ExprStruct,
  goTypeName,
  hasOwnData,
  isNil,
  isPlainObject,
} from './values';

/*
 * expr-lang's binary operators on evaluated operands (comparison, membership, string tests, ranges, arithmetic);
 * the short-circuiting ones (and, or, ??) stay in the evaluator.
 */

/** Applies `operator`; `charge` accounts for the memory a result allocates. */
export function applyOperator(
  operator: string,
  left: unknown,
  right: unknown,
  charge: (units: number) => void,
): unknown {
  const mismatched = () =>
    fail(
      `invalid operation: ${operator} (mismatched types ${goTypeName(
        left,
      )} and ${goTypeName(right)})`,
    );
  const onTimes = timeOperator(operator, left, right);
  if (onTimes) return onTimes.value;
  switch (operator) {
    case '==':
      return deepEqual(left, right);
    case '!=':
      return !deepEqual(left, right);
    case '<':
    case '>':
    case '<=':
    case '>=': {
      let order: number;
      if (typeof left === 'number' && typeof right === 'number') {
        order = left - right;
        if (Number.isNaN(order)) return false;
      } else if (typeof left === 'string' && typeof right === 'string') {
        order = compareGoStrings(left, right);
      } else {
        return mismatched();
      }
      if (operator === '<') return order < 0;
      if (operator === '>') return order > 0;
      if (operator === '<=') return order <= 0;
      return order >= 0;
    }
    case 'in':
      return contains(right, left);
    case 'matches':
      if (typeof left !== 'string' || typeof right !== 'string')
        return mismatched();
      return matchesGoRegexp(left, right);
    case 'contains':
      if (typeof left !== 'string' || typeof right !== 'string')
        return mismatched();
      return left.includes(right);
    case 'startsWith':
      if (typeof left !== 'string' || typeof right !== 'string')
        return mismatched();
      return left.startsWith(right);
    case 'endsWith':
      if (typeof left !== 'string' || typeof right !== 'string')
        return mismatched();
      return left.endsWith(right);
    case '..': {
      if (!Number.isInteger(left) || !Number.isInteger(right))
        return mismatched();
      const from = left as number;
      const size = (right as number) - from + 1;
      if (size <= 0) return [];
      charge(size);
      return Array.from({ length: size }, (_, i) => from + i);
    }
    case '+':
      if (typeof left === 'number' && typeof right === 'number')
        return left + right;
      if (typeof left === 'string' && typeof right === 'string') {
        charge(left.length + right.length);
        return left + right;
      }
      return mismatched();
    case '-':
      if (typeof left !== 'number' || typeof right !== 'number')
        return mismatched();
      return left - right;
    case '*':
      if (typeof left !== 'number' || typeof right !== 'number')
        return mismatched();
      return left * right;
    case '/':
      if (typeof left !== 'number' || typeof right !== 'number')
        return mismatched();
      return left / right;
    case '%':
      if (!Number.isInteger(left) || !Number.isInteger(right))
        return mismatched();
      if (right === 0) return fail('integer divide by zero');
      return (left as number) % (right as number);
    case '**':
    case '^':
      if (typeof left !== 'number' || typeof right !== 'number')
        return mismatched();
      return left ** right;
    default:
      return fail(`unknown operator ${operator}`);
  }
}

/** expr-lang's `in`. */
function contains(collection: unknown, needle: unknown): boolean {
  if (isNil(collection)) return false;
  if (Array.isArray(collection)) {
    return collection.some(item => deepEqual(item, needle));
  }
  if (isPlainObject(collection)) {
    if (typeof needle !== 'string') {
      return fail(
        `cannot use ${goTypeName(needle)} as a key of map[string]interface {}`,
      );
    }
    return hasOwnData(collection, needle);
  }
  if (collection instanceof ExprStruct) {
    if (typeof needle !== 'string') {
      return fail(
        `cannot use ${goTypeName(needle)} as field name of ${
          collection.typeName
        }`,
      );
    }
    return collection.hasField(needle);
  }
  return fail(`operator "in" not defined on ${goTypeName(collection)}`);
}
