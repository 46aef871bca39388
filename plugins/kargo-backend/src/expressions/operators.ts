/* expr-lang's operators and the builtins that take predicates, as the parser reads them. */

interface OperatorInfo {
  precedence: number;
  rightAssociative?: boolean;
}

// expr-lang's operator table (parser/operator/operator.go).
export const UNARY: Record<string, number> = {
  not: 50,
  '!': 50,
  '-': 90,
  '+': 90,
};
export const BINARY: Record<string, OperatorInfo> = {
  '|': { precedence: 0 },
  or: { precedence: 10 },
  '||': { precedence: 10 },
  and: { precedence: 15 },
  '&&': { precedence: 15 },
  '==': { precedence: 20 },
  '!=': { precedence: 20 },
  '<': { precedence: 20 },
  '>': { precedence: 20 },
  '>=': { precedence: 20 },
  '<=': { precedence: 20 },
  in: { precedence: 20 },
  matches: { precedence: 20 },
  contains: { precedence: 20 },
  startsWith: { precedence: 20 },
  endsWith: { precedence: 20 },
  '..': { precedence: 25 },
  '+': { precedence: 30 },
  '-': { precedence: 30 },
  '*': { precedence: 60 },
  '/': { precedence: 60 },
  '%': { precedence: 60 },
  '**': { precedence: 100, rightAssociative: true },
  '^': { precedence: 100, rightAssociative: true },
  '??': { precedence: 500 },
};
export const COMPARISONS = new Set(['<', '>', '<=', '>=']);
export const NEGATABLE = new Set([
  'in',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
]);

export type ArgKind =
  | 'expr'
  | 'predicate'
  | 'optionalPredicate'
  | 'optionalExpr';

/** expr-lang's builtins whose arguments include a predicate (a closure over `#`). */
export const PREDICATE_BUILTINS: Record<string, ArgKind[]> = {
  all: ['expr', 'predicate'],
  none: ['expr', 'predicate'],
  any: ['expr', 'predicate'],
  one: ['expr', 'predicate'],
  filter: ['expr', 'predicate'],
  map: ['expr', 'predicate'],
  count: ['expr', 'optionalPredicate'],
  sum: ['expr', 'optionalPredicate'],
  find: ['expr', 'predicate'],
  findIndex: ['expr', 'predicate'],
  findLast: ['expr', 'predicate'],
  findLastIndex: ['expr', 'predicate'],
  groupBy: ['expr', 'predicate'],
  sortBy: ['expr', 'predicate', 'optionalExpr'],
  reduce: ['expr', 'predicate', 'optionalExpr'],
};
