import { compileGoRegexp } from '@kargo-portal/plugin-kargo-common';
import fc from 'fast-check';
import type { Node } from './ast';
import { ExpressionError } from './errors';
import { evaluateAst } from './evaluator';
import { goQuote } from './golang';
import { parse } from './parser';
import { printExpression, printString } from './printer';
import {
  evaluateConfig,
  evaluateExpression,
  evaluateTemplate,
} from './templates';

const values = {
  a: 3,
  b: -2.5,
  s: 'text',
  list: [1, 2, 3],
  map: { k: 'v', n: 7, nested: { x: [true, null] } },
  nothing: null,
};

type Outcome = { value: unknown } | { error: string };

function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    return { error: error.reason };
  }
}

const run = (ast: Node) =>
  outcome(() => evaluateAst(ast, { source: '', values, functions: {} }));

// --- random syntax trees --------------------------------------------------------------------------------------

const pos = 0;
const BINARY = [
  'or',
  '||',
  'and',
  '&&',
  '==',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  'in',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
  '..',
  '+',
  '-',
  '*',
  '/',
  '%',
  '**',
  '^',
  '??',
];
const UNARY = ['not', '!', '-', '+'];
const CALLS = [
  'len',
  'upper',
  'string',
  'toJSON',
  'type',
  'first',
  'keys',
  'abs',
];
const PREDICATES = ['filter', 'map', 'all', 'any', 'count', 'find', 'sum'];

const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.constant<Node>({ type: 'nil', pos }),
  fc.boolean().map<Node>(value => ({ type: 'bool', value, pos })),
  fc
    .integer({ min: 0, max: 1000 })
    .map<Node>(value => ({ type: 'int', value, pos })),
  fc
    .double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e30 })
    .map<Node>(value => ({ type: 'float', value, pos })),
  fc
    .fullUnicodeString({ maxLength: 8 })
    .map<Node>(value => ({ type: 'string', value, pos })),
  fc
    .constantFrom('a', 'b', 's', 'list', 'map', 'nothing', 'missing')
    .map<Node>(name => ({ type: 'identifier', name, pos })),
);

const { tree } = fc.letrec<{ tree: Node; predicateBody: Node }>(tie => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .array(tie('tree'), { maxLength: 3 })
      .map<Node>(items => ({ type: 'array', items, pos })),
    fc
      .array(fc.tuple(fc.string({ maxLength: 4 }), tie('tree')), {
        maxLength: 3,
      })
      .map<Node>(entries => ({
        type: 'map',
        entries: entries.map(([key, value]) => ({
          key: { type: 'string', value: key, pos },
          value,
        })),
        pos,
      })),
    fc
      .tuple(
        tie('tree'),
        fc.oneof(
          fc.constantFrom('k', 'n', 'nested', 'x'),
          fc.integer({ min: -3, max: 3 }),
        ),
      )
      .map<Node>(([object, key]) => ({
        type: 'member',
        object,
        property:
          typeof key === 'string'
            ? { type: 'string', value: key, pos }
            : { type: 'int', value: Math.abs(key), pos },
        optional: false,
        computed: typeof key !== 'string',
        pos,
      })),
    fc
      .tuple(tie('tree'), fc.constantFrom('k', 'nested'))
      .map<Node>(([object, key]) => ({
        type: 'chain',
        node: {
          type: 'member',
          object,
          property: { type: 'string', value: key, pos },
          optional: true,
          computed: false,
          pos,
        },
        pos,
      })),
    fc
      .tuple(
        tie('tree'),
        fc.option(fc.integer({ min: 0, max: 4 })),
        fc.option(fc.integer({ min: 0, max: 4 })),
      )
      .map<Node>(([object, from, to]) => ({
        type: 'slice',
        object,
        from: from === null ? undefined : { type: 'int', value: from, pos },
        to: to === null ? undefined : { type: 'int', value: to, pos },
        pos,
      })),
    fc
      .tuple(fc.constantFrom(...UNARY), tie('tree'))
      .map<Node>(([operator, operand]) => ({
        type: 'unary',
        operator,
        operand,
        pos,
      })),
    fc
      .tuple(fc.constantFrom(...BINARY), tie('tree'), tie('tree'))
      .map<Node>(([operator, left, right]) => ({
        type: 'binary',
        operator,
        left,
        right,
        pos,
      })),
    fc
      .tuple(tie('tree'), tie('tree'), tie('tree'))
      .map<Node>(([test, consequent, alternate]) => ({
        type: 'conditional',
        test,
        consequent,
        alternate,
        pos,
      })),
    fc
      .tuple(fc.constantFrom(...CALLS), tie('tree'))
      .map<Node>(([name, arg]) => ({
        type: 'call',
        callee: { type: 'identifier', name, pos },
        args: [arg],
        pos,
      })),
    fc
      .tuple(fc.constantFrom(...PREDICATES), tie('tree'), tie('predicateBody'))
      .map<Node>(([name, collection, body]) => ({
        type: 'builtin',
        name,
        args: [collection, { type: 'predicate', body, pos }],
        pos,
      })),
    fc.tuple(tie('tree'), tie('tree')).map<Node>(([value, body]) => ({
      type: 'let',
      name: 'a',
      value,
      body,
      pos,
    })),
  ),
  predicateBody: fc.oneof(
    fc.constant<Node>({ type: 'pointer', name: '', pos }),
    fc.constant<Node>({ type: 'pointer', name: 'index', pos }),
    fc
      .tuple(fc.constantFrom('>', '==', '+', '*', '??'), leaf)
      .map<Node>(([operator, right]) => ({
        type: 'binary',
        operator,
        left: { type: 'pointer', name: '', pos },
        right,
        pos,
      })),
  ),
}));

describe('properties', () => {
  it('printing a syntax tree and parsing it back gives the same value', () => {
    fc.assert(
      fc.property(tree, ast => {
        const printed = printExpression(ast);
        expect(run(parse(printed))).toEqual(run(ast));
      }),
      { numRuns: 400 },
    );
  });

  it('printing is stable: print(parse(print(t))) is print(t)', () => {
    fc.assert(
      fc.property(tree, ast => {
        const printed = printExpression(ast);
        expect(printExpression(parse(printed))).toBe(printed);
      }),
      { numRuns: 200 },
    );
  });

  it('integer arithmetic matches JavaScript', () => {
    const small = fc.integer({ min: -1_000_000, max: 1_000_000 });
    const literal = (n: number) => (n < 0 ? `(${n})` : `${n}`);
    fc.assert(
      fc.property(small, small, (x, y) => {
        const ev = (op: string) =>
          evaluateExpression(`${literal(x)} ${op} ${literal(y)}`, {
            values: {},
          });
        expect(ev('+')).toBe(x + y);
        expect(ev('-')).toBe(x - y);
        expect(ev('*')).toBe(x * y);
        expect(ev('/')).toBe(x / y);
        expect(ev('<')).toBe(x < y);
        expect(ev('>=')).toBe(x >= y);
        expect(ev('==')).toBe(x === y);
        expect(ev('!=')).toBe(x !== y);
        expect(outcome(() => ev('%'))).toEqual(
          y === 0 ? { error: 'integer divide by zero' } : { value: x % y },
        );
      }),
    );
  });

  it('string literals round-trip through printing and through Go quoting', () => {
    fc.assert(
      fc.property(fc.fullUnicodeString({ maxLength: 40 }), text => {
        expect(evaluateExpression(printString(text), { values: {} })).toBe(
          text,
        );
        // strconv.Quote output is a valid expr-lang literal with the same value.
        expect(evaluateExpression(goQuote(text), { values: {} })).toBe(text);
      }),
    );
  });

  it('quote() keeps any string a string in a template', () => {
    fc.assert(
      fc.property(fc.fullUnicodeString({ maxLength: 20 }), text => {
        const result = evaluateTemplate('${{ quote(text) }}', {
          values: { text },
        });
        expect(typeof result).toBe('string');
      }),
    );
  });

  it('a string without delimiters is returned unchanged', () => {
    fc.assert(
      fc.property(
        fc.fullUnicodeString({ maxLength: 40 }).filter(t => !t.includes('${')),
        text => {
          expect(evaluateTemplate(text, { values: {} })).toBe(text);
        },
      ),
    );
  });

  it('JSON values survive a whole-value template', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.dictionary(
            fc.string({ maxLength: 5 }),
            fc.jsonValue({ maxDepth: 3 }),
          ),
          fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1 }),
        ),
        value => {
          const normalized = JSON.parse(JSON.stringify(value));
          expect(
            evaluateConfig(
              { out: '${{ value }}' },
              { values: { value: normalized } },
            ),
          ).toEqual({ out: normalized });
        },
      ),
    );
  });
});

// --- fuzzing ---------------------------------------------------------------------------------------------------

const TOKENS = [
  'a',
  'b',
  'list',
  'map',
  '.',
  '?.',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '"x"',
  "'",
  '"',
  '1',
  '2.5',
  '0x',
  'e',
  '_',
  '+',
  '-',
  '*',
  '/',
  '%',
  '**',
  '==',
  '<',
  '>=',
  'and',
  'or',
  'not',
  'in',
  '#',
  '#index',
  '|',
  'filter',
  'map',
  'reduce',
  'len',
  'repeat',
  'matches',
  '??',
  ':',
  '?',
  ',',
  ';',
  'let',
  '=',
  'if',
  'else',
  ' ',
  '\\',
  '`',
  '..',
  'nil',
  'true',
  '$env',
  '/*',
  '*/',
  '//',
  '\n',
  '@',
  'é',
  '😀',
];

const expressionish = fc
  .array(fc.constantFrom(...TOKENS), { maxLength: 40 })
  .map(tokens => tokens.join(''));

/**
 * What is wrong with running `evaluate`, if anything: it may return or throw an ExpressionError, and nothing else.
 * (A hang is bounded by the evaluator's step limits, and by Jest's timeout.)
 */
function problemWith(evaluate: () => unknown): string | undefined {
  try {
    evaluate();
  } catch (error) {
    if (!(error instanceof ExpressionError)) return `threw ${String(error)}`;
  }
  return undefined;
}

describe('fuzzing', () => {
  it('random token soup parses and evaluates or fails with an ExpressionError', () => {
    fc.assert(
      fc.property(expressionish, source => {
        expect(
          problemWith(() => evaluateExpression(source, { values })),
        ).toBeUndefined();
      }),
      { numRuns: 1500 },
    );
  });

  it('random text does too', () => {
    fc.assert(
      fc.property(fc.fullUnicodeString({ maxLength: 60 }), source => {
        expect(
          problemWith(() => evaluateExpression(source, { values })),
        ).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('random templates do too', () => {
    const template = fc
      .array(
        fc.oneof(
          fc.constantFrom('${{', '}}', '${%', '%}', ' x ', '1', '"'),
          expressionish,
        ),
        {
          maxLength: 6,
        },
      )
      .map(parts => parts.join(''));
    fc.assert(
      fc.property(template, text => {
        expect(
          problemWith(() => evaluateTemplate(text, { values })),
        ).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('random step configs evaluate under one budget or fail with an ExpressionError naming the field', () => {
    const configLeaf = fc.oneof(
      fc.jsonValue({ maxDepth: 0 }),
      fc
        .array(
          fc.oneof(
            fc.constantFrom('${{', '}}', ' a ', 'list', '"x"'),
            expressionish,
          ),
          { maxLength: 5 },
        )
        .map(parts => parts.join('')),
    );
    const config = fc.dictionary(
      fc.string({ maxLength: 5 }),
      fc.oneof(
        configLeaf,
        fc.array(configLeaf, { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 3 }), configLeaf),
      ),
      { maxKeys: 5 },
    );
    /** Undefined when the config evaluates, or fails with an error that names its field. */
    const problemOf = (cfg: unknown): string | undefined => {
      try {
        evaluateConfig(cfg, { values });
      } catch (error) {
        if (!(error instanceof ExpressionError))
          return `threw ${String(error)}`;
        // Every string is a field of the config: the error says which.
        if (!error.field) return `no field in ${error.message}`;
      }
      return undefined;
    };
    fc.assert(
      fc.property(config, cfg => {
        expect(problemOf(cfg)).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it('random regular expressions compile or fail with a message, and match in bounded time', () => {
    const pattern = fc
      .array(
        fc.constantFrom(
          'a',
          'b',
          '.',
          '*',
          '+',
          '?',
          '|',
          '(',
          ')',
          '[',
          ']',
          '^',
          '$',
          '{2,3}',
          '\\',
          'd',
          '(?i)',
          '[:alpha:]',
          '-',
        ),
        { maxLength: 16 },
      )
      .map(parts => parts.join(''));
    fc.assert(
      fc.property(pattern, fc.string({ maxLength: 30 }), (source, text) => {
        expect(
          problemWith(() =>
            evaluateExpression('text matches pattern', {
              values: { text, pattern: source },
            }),
          ),
        ).toBeUndefined();
        let compiled: ReturnType<typeof compileGoRegexp> | undefined;
        let message = 'error parsing regexp: (compiled)';
        try {
          compiled = compileGoRegexp(source);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).toMatch(/^error parsing regexp: /);
        expect(
          compiled === undefined || typeof compiled.test(text) === 'boolean',
        ).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['deep parentheses', `${'('.repeat(100_000)}1`],
    ['deep brackets', '['.repeat(60_000)],
    ['deep maps', '{a:'.repeat(20_000)],
    ['many unary operators', `${'-'.repeat(60_000)}1`],
    ['many nots', `${'not '.repeat(15_000)}true`],
    ['a long member chain', `a${'.b'.repeat(20_000)}`],
    ['a long sum', Array(20_000).fill('1').join('+')],
    ['a long pipe', `a${' | upper()'.repeat(5_000)}`],
    ['nested predicates', `${'map(list, '.repeat(5_000)}#${')'.repeat(5_000)}`],
    ['a huge string', `"${'x'.repeat(100_000)}"`],
    ['an unclosed string', `"${'x'.repeat(50_000)}`],
    ['an unclosed comment', `/*${'x'.repeat(50_000)}`],
    ['nested ternaries', `${'a ? '.repeat(10_000)}1${' : 2'.repeat(10_000)}`],
  ])('%s fail fast with an ExpressionError', (_name, source) => {
    expect(
      problemWith(() => evaluateExpression(source, { values })),
    ).toBeUndefined();
    expect(() => evaluateExpression(source, { values })).toThrow(
      ExpressionError,
    );
  });

  it('expensive evaluations are stopped', () => {
    expect(
      problemWith(() =>
        evaluateExpression('map(1..1000, map(1..1000, map(1..1000, #)))', {
          values,
        }),
      ),
    ).toBeUndefined();
    expect(
      problemWith(() =>
        evaluateExpression('reduce(1..100000, #acc + string(#), "")', {
          values,
        }),
      ),
    ).toBeUndefined();
  });
});
