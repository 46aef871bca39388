import { ExpressionFunctions } from '../expressions';

function fail(message: string): never {
  throw new Error(message);
}

function toFloat(name: string, value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === 'NaN') return NaN;
    if (/^[+-]?Inf$/.test(trimmed))
      return trimmed.startsWith('-') ? -Infinity : Infinity;
    const parsed = Number(trimmed);
    if (trimmed !== '' && !Number.isNaN(parsed)) return parsed;
  }
  return fail(`${name}: cannot convert ${JSON.stringify(value)} to a number`);
}

/**
 * The functions Argo Rollouts adds to the expressions of a metric's `successCondition` and `failureCondition`
 * (`evaluate.go`), on top of the language's builtins (`len`, `all`, `any`, ...): `isNaN`, `isInf`, `asInt`,
 * `asFloat` and `default`.
 */
export function analysisFunctions(): ExpressionFunctions {
  return {
    isNaN: (...args) => {
      if (args.length !== 1) fail('isNaN: expected one argument');
      return typeof args[0] === 'number' && Number.isNaN(args[0]);
    },
    isInf: (...args) => {
      if (args.length !== 1) fail('isInf: expected one argument');
      return (
        typeof args[0] === 'number' &&
        !Number.isNaN(args[0]) &&
        !Number.isFinite(args[0])
      );
    },
    asInt: (...args) => {
      if (args.length !== 1) fail('asInt: expected one argument');
      const value = toFloat('asInt', args[0]);
      if (!Number.isInteger(value)) {
        fail(`asInt: ${JSON.stringify(args[0])} is not an integer`);
      }
      return value;
    },
    asFloat: (...args) => {
      if (args.length !== 1) fail('asFloat: expected one argument');
      return toFloat('asFloat', args[0]);
    },
    default: (...args) => {
      if (args.length !== 2) fail('default: expected two arguments');
      return args[0] === null || args[0] === undefined ? args[1] : args[0];
    },
  };
}
