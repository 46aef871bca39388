import { ExpressionError } from './errors';
import { MAX_STEPS } from './evaluator';
import { evaluateExpression } from './templates';
import { ExprStruct } from './values';

const values = {
  n: 5,
  f: 2.5,
  s: 'héllo',
  t: true,
  list: [1, 2, 3],
  words: ['b', 'a', 'c'],
  people: [
    { name: 'ann', age: 31, tags: ['x'] },
    { name: 'bob', age: 17, tags: [] },
    { name: 'cid', age: 45, tags: ['x', 'y'] },
  ],
  map: { a: 1, b: { c: [10, 20] }, 'with space': 'yes', empty: null },
  nothing: null,
};

/** The error `fn` throws; fails the test when it throws none. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const evaluate = (source: string, extra: Record<string, unknown> = {}) =>
  evaluateExpression(source, {
    values: { ...values, ...extra },
    functions: {},
  });

describe('operators', () => {
  it.each<[string, unknown]>([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['7 / 2', 3.5],
    ['1 / 0', Infinity],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['2 ** 10', 1024],
    ['2 ^ 0.5', Math.SQRT2],
    ['-2 ** 2', -4],
    ['- n', -5],
    ['+ f', 2.5],
    ['"a" + "b"', 'ab'],
    ['1 == 1.0', true],
    ['1 != "1"', true],
    ['nil == nil', true],
    ['nil == false', false],
    ['[1, [2]] == [1, [2]]', true],
    ['{a: 1} == {a: 1}', true],
    ['{a: 1} == {a: 2}', false],
    ['2 < 3', true],
    ['3 <= 3', true],
    ['"abc" < "abd"', true],
    ['"b" >= "a"', true],
    ['1 < 2 < 3', true],
    ['3 > 2 > 2', false],
    ['true && false', false],
    ['true and true', true],
    ['false || true', true],
    ['false or false', false],
    ['not true', false],
    ['!false', true],
    ['nil || true', true],
    ['false && nothing.x', false],
    ['true || nothing.x', true],
    ['2 in list', true],
    ['4 in list', false],
    ['4 not in list', true],
    ['"a" in map', true],
    ['"z" in map', false],
    ['"empty" in map', true],
    ['1 in nil', false],
    ['s contains "ll"', true],
    ['s startsWith "hé"', true],
    ['s endsWith "lo"', true],
    ['s not endsWith "x"', true],
    ['"v1.2.3" matches "^v\\\\d+\\\\.\\\\d+"', true],
    ['"abc" matches "(?i)ABC"', true],
    ['"abc" not matches "x"', true],
    ['1..4', [1, 2, 3, 4]],
    ['3..1', []],
    ['nothing ?? "default"', 'default'],
    ['map.missing ?? 0', 0],
    ['n ?? 0', 5],
    ['t ? "yes" : "no"', 'yes'],
    ['nothing ? "yes" : "no"', 'no'],
    ['n > 3 ? n > 4 ? "big" : "mid" : "small"', 'big'],
    ['if n > 10 { "a" } else if n > 3 { "b" } else { "c" }', 'b'],
    ['let x = n * 2; let y = x + 1; y', 11],
    ['1; 2; 3', 3],
  ])('%s', (source, expected) => {
    expect(evaluate(source)).toEqual(expected);
  });
});

describe('members, indexes and slices', () => {
  it.each<[string, unknown]>([
    ['map.a', 1],
    ['map["a"]', 1],
    ['map["with space"]', 'yes'],
    ['map.b.c[1]', 20],
    ['map.missing', null],
    ['map.name', null],
    ['map.length', null],
    ['name', null],
    ['map.empty', null],
    ['list[0]', 1],
    ['list[-1]', 3],
    ['list[1.9]', 2],
    ['list[1:]', [2, 3]],
    ['list[:-1]', [1, 2]],
    ['list[-2:]', [2, 3]],
    ['list[5:]', []],
    ['list[2:1]', []],
    ['list[:]', [1, 2, 3]],
    ['s[1:3]', 'é'],
    ['"hello"[1:3]', 'el'],
    ['nothing?.a', null],
    ['nothing?.a.b.c', null],
    ['nothing?.[0]', null],
    ['map?.a', 1],
    ['map.b?.c?.[0]', 10],
    ['people[0].name', 'ann'],
    ['$env.n', 5],
    ['$env["n"]', 5],
    ['"n" in $env', true],
    ['unknownVariable', null],
    ['{"__proto__": 1}.__proto__', 1],
  ])('%s', (source, expected) => {
    expect(evaluate(source)).toEqual(expected);
  });

  it.each([
    ['nothing.a', 'cannot fetch a from <nil>'],
    ['unknownVariable.a', 'cannot fetch a from <nil>'],
    ['(nothing?.a).b', 'cannot fetch b from <nil>'],
    ['list[3]', 'index out of range: 3 (array length is 3)'],
    ['list[-4]', 'index out of range: -1 (array length is 3)'],
    ['list["a"]', 'cannot fetch a from []interface {}'],
    ['list.length', 'cannot fetch length from []interface {}'],
    ['map[1]', 'cannot use int as a key of map[string]interface {}'],
    ['s.length', 'cannot fetch length from string'],
    ['s[0]', 'cannot fetch 0 from string'],
    ['n[1:2]', 'cannot slice int'],
    ['list["a":]', 'non-integer slice index string'],
  ])('refuses %s', (source, message) => {
    expect(() => evaluate(source)).toThrow(message);
  });
});

describe('builtins', () => {
  it.each<[string, unknown]>([
    ['len("héllo")', 6],
    ['len(list)', 3],
    ['len(map)', 4],
    ['type(1)', 'int'],
    ['type(1.5)', 'float'],
    ['type("")', 'string'],
    ['type(nil)', 'nil'],
    ['type(list)', 'array'],
    ['type(map)', 'map'],
    ['abs(-3)', 3],
    ['ceil(1.2)', 2],
    ['floor(-1.2)', -2],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['int("42")', 42],
    ['int("-7")', -7],
    ['int(3.9)', 3],
    ['int(-3.9)', -3],
    ['float("1.5e2")', 150],
    ['float(2)', 2],
    ['string(42)', '42'],
    ['string(1.5)', '1.5'],
    ['string(nil)', '<nil>'],
    ['string(list)', '[1 2 3]'],
    ['string({"b": 1, "a": [true]})', 'map[a:[true] b:1]'],
    ['trim("  x \\t\\n")', 'x'],
    ['trim("__x__", "_")', 'x'],
    ['trimPrefix("v1.2", "v")', '1.2'],
    ['trimSuffix("app.git", ".git")', 'app'],
    ['trimPrefix(" x")', 'x'],
    ['upper("straße")', 'STRAßE'],
    ['lower("ÀB")', 'àb'],
    ['split("a,b,c", ",")', ['a', 'b', 'c']],
    ['split("a,b,c", ",", 2)', ['a', 'b,c']],
    ['split("a,b", ",", 0)', null],
    ['split("abc", "")', ['a', 'b', 'c']],
    ['splitAfter("a,b,c", ",")', ['a,', 'b,', 'c']],
    ['replace("a-b-c", "-", "+")', 'a+b+c'],
    ['replace("a-b-c", "-", "+", 1)', 'a+b-c'],
    ['replace("ab", "", "-")', '-a-b-'],
    ['repeat("ab", 3)', 'ababab'],
    ['join(["a", "b"], ", ")', 'a, b'],
    ['join(["a", "b"])', 'ab'],
    ['indexOf("héllo", "l")', 3],
    ['lastIndexOf("hello", "l")', 3],
    ['indexOf("abc", "z")', -1],
    ['hasPrefix("abc", "ab")', true],
    ['hasSuffix("abc", "bc")', true],
    ['max(1, 5, 3)', 5],
    ['max(list)', 3],
    ['min([4, 2], 3)', 2],
    ['mean([1, 2, 3, 4])', 2.5],
    ['mean([])', 0],
    ['median([3, 1, 2])', 2],
    ['median([4, 1, 2, 3])', 2.5],
    ['toJSON({"b": [1], "a": "x"})', '{\n  "a": "x",\n  "b": [\n    1\n  ]\n}'],
    ['toJSON("<&>")', '"\\u003c\\u0026\\u003e"'],
    ['fromJSON("{\\"a\\": [1, true]}").a[1]', true],
    ['toBase64("héllo")', 'aMOpbGxv'],
    ['fromBase64("aMOpbGxv")', 'héllo'],
    ['first(list)', 1],
    ['first([])', null],
    ['last(list)', 3],
    ['get(list, 1)', 2],
    ['get(list, 9)', null],
    ['get(list, -1)', 3],
    ['get(map, "a")', 1],
    ['get(map, "zz")', null],
    ['take(list, 2)', [1, 2]],
    ['take(list, 9)', [1, 2, 3]],
    ['keys({"b": 1, "a": 2})', ['a', 'b']],
    ['values({"b": 1, "a": 2})', [2, 1]],
    [
      'toPairs({"b": 1, "a": 2})',
      [
        ['a', 2],
        ['b', 1],
      ],
    ],
    ['fromPairs([["a", 1], ["b", 2]])', { a: 1, b: 2 }],
    ['reverse(list)', [3, 2, 1]],
    ['uniq([1, 2, 1, "1", [1], [1]])', [1, 2, '1', [1]]],
    ['concat([1], [2, 3], [])', [1, 2, 3]],
    ['flatten([1, [2, [3, [4]]]])', [1, 2, 3, 4]],
    ['sort(words)', ['a', 'b', 'c']],
    ['sort([3, 1, 2], "desc")', [3, 2, 1]],
    ['bitand(12, 10)', 8],
    ['bitor(12, 10)', 14],
    ['bitxor(12, 10)', 6],
    ['bitnand(10, 12)', 2],
    ['bitnot(10)', -11],
    ['bitshl(45, 2)', 180],
    ['bitshr(45, 2)', 11],
    ['bitushr(-5, 2)', 4611686018427387902],
    ['list | map(# * 2) | filter(# > 2)', [4, 6]],
    ['s | upper()', 'HÉLLO'],
  ])('%s', (source, expected) => {
    expect(evaluate(source)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['all(list, # > 0)', true],
    ['all([], false)', true],
    ['any(list, # > 2)', true],
    ['any([], true)', false],
    ['none(list, # > 3)', true],
    ['one(list, # == 2)', true],
    ['one(list, # > 1)', false],
    ['filter(people, .age > 18) | map(.name)', ['ann', 'cid']],
    ['map(people, {#index})', [0, 1, 2]],
    ['map(list, # * 10)', [10, 20, 30]],
    ['count(people, len(.tags) > 0)', 2],
    ['count([true, false, true])', 2],
    ['sum(list)', 6],
    ['sum(people, .age)', 93],
    ['find(people, .age > 40).name', 'cid'],
    ['find(list, # > 9)', null],
    ['findIndex(list, # == 2)', 1],
    ['findIndex(list, # == 9)', -1],
    ['findLast(list, # < 3)', 2],
    ['findLastIndex(list, # < 3)', 1],
    ['groupBy(list, # % 2 == 0)', { false: [1, 3], true: [2] }],
    ['groupBy(people, .age > 18)["true"] | map(.name)', ['ann', 'cid']],
    ['sortBy(people, .age) | map(.name)', ['bob', 'ann', 'cid']],
    ['sortBy(people, .name, "desc") | map(.age)', [45, 17, 31]],
    ['reduce(list, #acc + #)', 6],
    ['reduce(list, #acc + #, 10)', 16],
    ['reduce(list, #acc + #index, 0)', 3],
    [
      'filter(people, {let p = #; any(p.tags, # == "y")}) | map(.name)',
      ['cid'],
    ],
    ['map([[1, 2], [3]], {sum(#)})', [3, 3]],
  ])('%s', (source, expected) => {
    expect(evaluate(source)).toEqual(expected);
  });

  it.each([
    ['len(5)', 'invalid argument for len (type int)'],
    ['upper(1)', 'invalid argument for upper (type int, expected string)'],
    ['int("4x")', 'invalid operation: int(4x)'],
    ['int(nil)', 'invalid operation: int(<nil>)'],
    ['float("x")', 'invalid operation: float(x)'],
    ['join([1])', 'invalid argument for join: element is int, not string'],
    ['repeat("x", -1)', 'expected positive integer'],
    ['repeat("x", 2000000)', 'memory budget exceeded'],
    ['fromJSON("{")', 'fromJSON: invalid JSON'],
    ['fromBase64("!!")', 'illegal base64 data'],
    ['sort([1, "a"])', 'mismatched types'],
    ['sort([1], "up")', 'invalid order up, expected asc or desc'],
    ['keys(list)', 'expected map'],
    ['max()', 'not enough arguments to call max'],
    ['trim()', 'invalid number of arguments for trim'],
    [
      'filter(nil, true)',
      'invalid argument for filter (type <nil>, expected array)',
    ],
    ['filter(list, 1)', 'must be bool'],
    ['reduce([], #acc)', 'reduce of empty array with no initial value'],
    ['map(list, #other)', 'unknown pointer #other'],
    ['fromPairs([[1, 2]])', 'invalid pair key'],
    ['nope(1)', 'unknown func nope'],
  ])('refuses %s', (source, message) => {
    expect(() => evaluate(source)).toThrow(message);
  });
});

describe('type errors', () => {
  it.each([
    ['1 + "a"', 'invalid operation: + (mismatched types int and string)'],
    ['"a" - "b"', 'invalid operation: - (mismatched types string and string)'],
    ['1.5 % 2', 'invalid operation: % (mismatched types float64 and int)'],
    ['5 % 0', 'integer divide by zero'],
    ['1 < "a"', 'invalid operation: < (mismatched types int and string)'],
    ['-"a"', 'invalid operation: - string'],
    ['not 1', 'invalid operation: not on int (must be bool)'],
    ['1 && true', 'must be bool'],
    ['1 ? 2 : 3', 'must be bool'],
    ['1 contains "a"', 'mismatched types'],
    ['"a" matches 1', 'mismatched types'],
    ['"a" matches "("', 'error parsing regexp: missing closing )'],
    ['1 in 2', 'operator "in" not defined on int'],
    ['1.5..3', 'mismatched types'],
    ['{(1): 2}', 'a map key must be a string, got int'],
  ])('%s', (source, message) => {
    expect(() => evaluate(source)).toThrow(message);
  });

  it('points at the failing node', () => {
    const error = thrown(() => evaluate('map.a + map.b.c'));
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).message).toBe(
      'invalid operation: + (mismatched types int and []interface {}) (1:7)\n | map.a + map.b.c\n | ......^',
    );
  });
});

describe('functions', () => {
  it('calls only functions from the table, with evaluated arguments', () => {
    const calls: unknown[][] = [];
    const result = evaluateExpression('double(n) + 1', {
      values,
      functions: {
        double: (...args: unknown[]) => {
          calls.push(args);
          return (args[0] as number) * 2;
        },
      },
    });
    expect(result).toBe(11);
    expect(calls).toEqual([[5]]);
  });

  it('lets the table override builtins', () => {
    expect(
      evaluateExpression('len("abc")', {
        values: {},
        functions: { len: () => 'mine' },
      }),
    ).toBe('mine');
  });

  it('wraps what a function throws', () => {
    expect(() =>
      evaluateExpression('boom()', {
        values: {},
        functions: {
          boom: () => {
            throw new Error('kaput');
          },
        },
      }),
    ).toThrow('boom(): kaput');
  });

  it('refuses asynchronous functions and function results', () => {
    const env = (fn: () => unknown) => ({ values: {}, functions: { fn } });
    expect(() =>
      evaluateExpression(
        'fn()',
        env(() => Promise.resolve(1)),
      ),
    ).toThrow('must be synchronous');
    expect(() =>
      evaluateExpression(
        'fn()',
        env(() => () => 1),
      ),
    ).toThrow('returned a function');
  });

  it('calls a function the caller put in a plain object as a method', () => {
    const response = { header: (name: unknown) => `value of ${name}` };
    expect(
      evaluateExpression('response.header("Location")', {
        values: { response },
      }),
    ).toBe('value of Location');
  });

  it('calls struct methods and reads struct fields', () => {
    const point = new ExprStruct({
      typeName: 'geo.Point',
      fields: { X: 1, Y: 2 },
      methods: { Sum: () => 3 },
      toJSON: () => ({ x: 1, y: 2 }),
    });
    const env = { values: { point }, functions: {} };
    expect(evaluateExpression('point.X + point.Sum()', env)).toBe(4);
    expect(evaluateExpression('point', env)).toEqual({ x: 1, y: 2 });
    expect(evaluateExpression('"X" in point', env)).toBe(true);
    expect(() => evaluateExpression('point.Z', env)).toThrow(
      'type geo.Point has no field Z',
    );
    expect(() => evaluateExpression('point.X()', env)).toThrow(
      'type geo.Point has no method X',
    );
  });

  it('does not call functions stored as plain values by name', () => {
    expect(() =>
      evaluateExpression('fn()', { values: { fn: () => 1 }, functions: {} }),
    ).toThrow('unknown func fn');
  });
});

describe('sandbox', () => {
  const probe: Record<string, unknown> = { data: 1 };
  Object.defineProperty(probe, 'secretGetter', {
    enumerable: true,
    get: () => {
      throw new Error('getter must never run');
    },
  });
  class Hidden {
    field = 'x';
  }
  const env = {
    values: { probe, hidden: new Hidden(), date: new Date(0), list: [1] },
    functions: {},
  };

  it.each([
    "''.constructor",
    '"".constructor.constructor("return process")()',
    '{}.constructor',
    '{}.__proto__',
    'probe.__proto__',
    'probe["__proto__"]',
    'probe.constructor',
    'probe.prototype',
    'probe.toString',
    'probe.toString()',
    'probe.hasOwnProperty("data")',
    'probe.valueOf()',
    'list.constructor',
    'list.map',
    'list.length',
    'list["__proto__"]',
    'toString',
    'constructor',
    '__proto__',
    'hasOwnProperty',
    'valueOf',
    'hidden.field',
    'date.getTime()',
    'date.constructor',
    'probe.secretGetter',
    'process',
    'process.env',
    'globalThis.process',
    'require("fs")',
    'eval("1")',
    'Function("return 1")',
    'this',
  ])('%s fails or reaches nothing', source => {
    let result: unknown;
    try {
      result = evaluateExpression(source, env);
    } catch (error) {
      result = error;
    }
    // Either nothing (nil) or a refusal; never a value reached through JavaScript.
    const safe = result === null || result instanceof ExpressionError;
    expect(safe).toBe(true);
  });

  it.each([
    "''.constructor",
    '{}.constructor',
    'probe.__proto__',
    'probe.toString()',
    'hidden.field',
    'probe.secretGetter',
    'require("fs")',
  ])('%s throws', source => {
    expect(() => evaluateExpression(source, env)).toThrow(ExpressionError);
  });

  it('does not pollute prototypes through map literals', () => {
    const result = evaluateExpression('{"__proto__": {"polluted": true}}', env);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never changes the values it is given', () => {
    const data = { list: [3, 1, 2], map: { a: 1 } };
    const before = JSON.stringify(data);
    const result = evaluateExpression(
      '[sort(list), reverse(list), concat(list, [4]), sortBy(list, -#), map]',
      { values: data, functions: {} },
    );
    expect(result).toEqual([
      [1, 2, 3],
      [2, 1, 3],
      [3, 1, 2, 4],
      [3, 2, 1],
      { a: 1 },
    ]);
    expect(JSON.stringify(data)).toBe(before);
  });
});

describe('limits', () => {
  it('stops evaluations that take too many steps', () => {
    expect(() => evaluate('map(1..2000, map(1..2000, #))')).toThrow(
      `more than ${MAX_STEPS} steps`,
    );
  });

  it('stops evaluations that allocate too much', () => {
    expect(() => evaluate('1..100000000')).toThrow('memory budget exceeded');
    expect(() =>
      evaluate(
        'let a = repeat("x", 1000000); let b = a + a + a + a + a + a + a + a; b + b + b',
      ),
    ).toThrow('memory budget exceeded');
  });

  it('stops on data nested too deeply', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    expect(() => evaluate('toJSON(deep)', { deep })).toThrow(
      'nested too deeply',
    );
    expect(() => evaluate('deep == deep', { deep })).toThrow(
      'nested too deeply',
    );
    expect(() => evaluate('deep', { deep })).toThrow(ExpressionError);
  });
});
