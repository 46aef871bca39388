import { ExpressionError } from './errors';
import { tokenize } from './lexer';
import { MAX_DEPTH, MAX_NESTING, parse } from './parser';
import { printExpression } from './printer';

/** The error `fn` throws; fails the test when it throws none. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** The parse of `source`, printed fully parenthesized: shows precedence and associativity. */
const shape = (source: string) => printExpression(parse(source));

describe('lexer', () => {
  it('reads tokens with their positions', () => {
    expect(tokenize('a.b >= 0x1F')).toEqual([
      { kind: 'Identifier', value: 'a', pos: 0, end: 1 },
      { kind: 'Operator', value: '.', pos: 1, end: 2 },
      { kind: 'Identifier', value: 'b', pos: 2, end: 3 },
      { kind: 'Operator', value: '>=', pos: 4, end: 6 },
      { kind: 'Number', value: '0x1F', pos: 7, end: 11 },
      { kind: 'EOF', value: '', pos: 11, end: 11 },
    ]);
  });

  it.each<[string, string]>([
    [`"tab\\tnewline\\n"`, 'tab\tnewline\n'],
    [`'single \\'quoted\\''`, "single 'quoted'"],
    [`"\\"double\\""`, '"double"'],
    [`"\\u00e9\\U0001F600"`, 'é😀'],
    [`"\\xc3\\xa9\\x41"`, 'éA'],
    [`"\\101\\102"`, 'AB'],
    [`"\\a\\b\\f\\r\\v\\\\"`, '\x07\b\f\r\v\\'],
    ['`raw \\n string`', 'raw \\n string'],
    [`"multi\nline"`, 'multi\nline'],
    [`"\\xff"`, '\ufffd'],
  ])('reads the string %s', (source, value) => {
    expect(tokenize(source)[0]).toMatchObject({ kind: 'String', value });
  });

  it.each([
    ['"unterminated', 'literal not terminated'],
    ['`unterminated', 'literal not terminated'],
    ['"bad \\q escape"', 'invalid char escape'],
    ['"\\u12"', 'invalid char escape'],
    ['"\\ud800"', 'invalid char escape'],
    ['"\\400"', 'invalid char escape'],
    ['1a', 'bad number syntax'],
    ['a @ b', "unrecognized character: U+0040 '@'"],
    ['/* unclosed', 'unclosed comment'],
  ])('refuses %j', (source, message) => {
    expect(() => tokenize(source)).toThrow(message);
  });

  it('skips comments', () => {
    expect(shape('1 /* one */ + // the rest\n 2')).toBe('(1 + 2)');
  });

  it('reads word operators and keeps `not` separate', () => {
    expect(tokenize('a not in b').map(t => [t.kind, t.value])).toEqual([
      ['Identifier', 'a'],
      ['Operator', 'not'],
      ['Operator', 'in'],
      ['Identifier', 'b'],
      ['EOF', ''],
    ]);
  });
});

describe('parser', () => {
  it.each<[string, string]>([
    // expr-lang's precedence table (parser/operator/operator.go)
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 * 2 + 3', '((1 * 2) + 3)'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['2 ** 3 ** 2', '(2 ** (3 ** 2))'],
    ['2 ^ 3 ^ 2', '(2 ^ (3 ^ 2))'],
    ['-2 ** 2', '(-(2 ** 2))'],
    ['-a.b', '(-a.b)'],
    ['not a == b', '((not a) == b)'],
    ['!a && b', '((!a) && b)'],
    ['a or b and c', '(a or (b and c))'],
    ['a || b && c', '(a || (b && c))'],
    ['a == b and c != d', '((a == b) and (c != d))'],
    ['1..3 == x', '((1 .. 3) == x)'],
    ['1 + 1..5', '((1 + 1) .. 5)'],
    ['a in b or c', '((a in b) or c)'],
    ['a not in b', '(not (a in b))'],
    ['a not matches "x"', '(not (a matches "x"))'],
    ['a not contains b', '(not (a contains b))'],
    [
      'a startsWith b and a endsWith c',
      '((a startsWith b) and (a endsWith c))',
    ],
    ['a ?? b ?? c', '((a ?? b) ?? c)'],
    ['a + b ?? c', '(a + (b ?? c))'],
    ['1 < 2 < 3', '((1 < 2) && (2 < 3))'],
    ['a ? b : c ? d : e', '(a ? b : (c ? d : e))'],
    ['a > 1 ? "x" : "y"', '((a > 1) ? "x" : "y")'],
    ['a ?: b', '(a ? a : b)'],
    ['x | upper()', 'upper(x)'],
    ['x | split(",") | join("-")', 'join(split(x, ","), "-")'],
    ['x | filter(# > 1)', 'filter(x, {(# > 1)})'],
    ['filter(x, .a > 1)', 'filter(x, {(#.a > 1)})'],
    ['map(x, {#index})', 'map(x, {#index})'],
    ['reduce(x, #acc + #, 0)', 'reduce(x, {(#acc + #)}, 0)'],
    ['count(x)', 'count(x)'],
    ['sortBy(x, .n, "desc")', 'sortBy(x, {#.n}, "desc")'],
    ['a.b[0].c', 'a.b[0].c'],
    ['a?.b.c', 'a?.b.c'],
    ['a?.[0]', 'a?.[0]'],
    ['(a?.b).c', '(a?.b).c'],
    ['a.b(1, 2)', 'a.b(1, 2)'],
    ['a[1:]', 'a[1:]'],
    ['a[:2]', 'a[:2]'],
    ['a[:]', 'a[:]'],
    ['m.not', 'm["not"]'],
    ['[1, 2,]', '[1, 2]'],
    ['{a: 1, "b": 2, 3: 4, (k): 5,}', '{"a": 1, "b": 2, "3": 4, (k): 5}'],
    ['let x = 1; x + 1', '(let x = 1; (x + 1))'],
    ['if a { 1 } else if b { 2 } else { 3 }', '(a ? 1 : (b ? 2 : 3))'],
    ['1; 2', '(1; 2)'],
    ['0b101 + 0o17 + 0x1F + 1_000', '(((5 + 15) + 31) + 1000)'],
    ['.5 + 1e3 + 2.', '((0.5 + 1000.0) + 2.0)'],
    ['true and nil == false', '(true and (nil == false))'],
    ['$env["a b"]', '$env["a b"]'],
  ])('%s', (source, expected) => {
    expect(shape(source)).toBe(expected);
  });

  it.each([
    ['1 +', 'unexpected token EOF (1:4)'],
    ['(1', 'unexpected token EOF'],
    ['1)', 'unexpected token Bracket(")") (1:2)'],
    ['a b', 'unexpected token Identifier("b")'],
    ['a not b', 'unexpected token Identifier("b")'],
    [
      'a ?? b || c',
      'Operator (||) and coalesce expressions (??) cannot be mixed',
    ],
    ['# > 1', 'unexpected token Operator("#")'],
    ['.a', 'unexpected token Operator(".")'],
    ['a.1', 'unexpected token Number(".1")'],
    ['a.(b)', 'expected name'],
    [
      'a ?? b + 1',
      'Operator (+) and coalesce expressions (??) cannot be mixed',
    ],
    ['filter(x)', 'expected at least 2 arguments'],
    ['filter(x, a; b)', 'wrap predicate with brackets'],
    ['{[1]: 2}', 'a map key must be a quoted string'],
    ['x | 1', 'unexpected token Number("1")'],
    ['99999999999999999999', 'integer literal is too large'],
    ['1e999', 'float literal is too large'],
    ['0x', 'invalid number literal'],
    ['1.2.3', 'unexpected token Number(".3")'],
    ['let x = 1 x', 'unexpected token Identifier("x")'],
    ['if a { 1 }', 'unexpected token EOF'],
  ])('refuses %j', (source, message) => {
    expect(() => parse(source)).toThrow(message);
  });

  it('reports where the error is, with the expression', () => {
    const error = thrown(() => parse('ctx.stage +\n  * 2'));
    expect(error).toBeInstanceOf(ExpressionError);
    const e = error as ExpressionError;
    expect(e.position).toEqual({ offset: 14, line: 2, column: 3 });
    expect(e.source).toBe('ctx.stage +\n  * 2');
    expect(e.message).toBe(
      'unexpected token Operator("*") (2:3)\n |   * 2\n | ..^',
    );
  });

  it('bounds nesting', () => {
    expect(() =>
      parse(`${'('.repeat(MAX_NESTING + 1)}1${')'.repeat(MAX_NESTING + 1)}`),
    ).toThrow('nested too deeply');
    expect(() => parse(`${'-'.repeat(MAX_NESTING + 1)}1`)).toThrow(
      'nested too deeply',
    );
    expect(parse(`${'('.repeat(50)}1${')'.repeat(50)}`)).toMatchObject({
      type: 'int',
      value: 1,
    });
  });

  it('bounds the depth of long chains', () => {
    expect(() => parse(`a${'.b'.repeat(MAX_DEPTH)}`)).toThrow(
      'too deeply nested',
    );
    expect(() =>
      parse(
        Array(MAX_DEPTH + 2)
          .fill('1')
          .join(' + '),
      ),
    ).toThrow('too deeply nested');
    expect(parse(Array(100).fill('1').join(' + '))).toMatchObject({
      type: 'binary',
    });
  });

  it('bounds size', () => {
    expect(() => parse(`[${Array(6000).fill('[1]').join(',')}]`)).toThrow(
      'too large',
    );
    expect(() => parse('1'.padEnd(70_000, ' '))).toThrow('too long');
  });
});
