import {
  compareGoStrings,
  formatGo,
  formatGoFloat,
  goParseBool,
  goParseFloat,
  goQuote,
  goUnmarshalJSON,
  marshalJSON,
} from './golang';
import { ExprStruct } from './values';

describe('marshalJSON (encoding/json)', () => {
  it.each<[string, unknown, string]>([
    ['null', null, 'null'],
    ['undefined as null', undefined, 'null'],
    ['bool', true, 'true'],
    ['int', 42, '42'],
    ['float', 3.14, '3.14'],
    ['small float uses an exponent', 1e-7, '1e-7'],
    ['large float uses an exponent', 1e21, '1e+21'],
    ['float below 1e21 does not', 1e20, '100000000000000000000'],
    ['string', 'a"b\\c', '"a\\"b\\\\c"'],
    ['HTML characters escaped', '<a&b>', '"\\u003ca\\u0026b\\u003e"'],
    ['line and paragraph separators', '\u2028\u2029', '"\\u2028\\u2029"'],
    [
      'control characters',
      '\n\r\t\b\f\x01\x1f',
      '"\\n\\r\\t\\b\\f\\u0001\\u001f"',
    ],
    ['DEL is not escaped', '\x7f', '"\x7f"'],
    ['non-ASCII is not escaped', 'é😀', '"é😀"'],
    ['lone surrogate', '\ud800', '"\\ufffd"'],
    ['sorted keys', { b: 1, a: 2, B: 3 }, '{"B":3,"a":2,"b":1}'],
    ['array', [1, 'a', null], '[1,"a",null]'],
    [
      'struct as its JSON view',
      new ExprStruct({
        typeName: 'T',
        fields: { Kind: 'W' },
        toJSON: () => ({ kind: 'W' }),
      }),
      '{"kind":"W"}',
    ],
  ])('%s', (_name, value, expected) => {
    expect(marshalJSON(value)).toBe(expected);
  });

  it('indents like MarshalIndent', () => {
    expect(
      marshalJSON({ foo: 'bar', count: 2, list: [1, { a: [] }], e: {} }, '  '),
    ).toBe(
      '{\n  "count": 2,\n  "e": {},\n  "foo": "bar",\n  "list": [\n    1,\n    {\n      "a": []\n    }\n  ]\n}',
    );
  });

  it.each([NaN, Infinity, -Infinity])('refuses %s', value => {
    expect(() => marshalJSON(value)).toThrow('json: unsupported value');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => marshalJSON({ a: new Date(0) })).toThrow('unsupported type');
    expect(() => marshalJSON(() => 1)).toThrow('unsupported type');
  });

  it('refuses cycles instead of recursing forever', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => marshalJSON(cyclic)).toThrow('nested too deeply');
  });
});

describe('goQuote (strconv.Quote, %q)', () => {
  it.each([
    ['foo', '"foo"'],
    ['a"b', '"a\\"b"'],
    ['back\\slash', '"back\\\\slash"'],
    ['\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['\x1b\x00\x7f', '"\\x1b\\x00\\x7f"'],
    ['héllo 世界 😀', '"héllo 世界 😀"'],
    ['\u00a0\u00ad', '"\\u00a0\\u00ad"'],
    ['\u{e0001}', '"\\U000e0001"'],
    ['', '""'],
  ])('%j', (input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });
});

describe('goParseFloat (strconv.ParseFloat)', () => {
  it.each<[string, number | undefined]>([
    ['42', 42],
    ['-3.5', -3.5],
    ['+1', 1],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-2', 0.01],
    ['007', 7],
    ['inf', Infinity],
    ['+Inf', Infinity],
    ['-infinity', -Infinity],
    ['0x1p-2', 0.25],
    ['0x1.8p1', 3],
    ['0x10', undefined],
    ['1e400', undefined],
    ['1_000', undefined],
    ['', undefined],
    ['.', undefined],
    ['1.2.3', undefined],
    [' 1', undefined],
    ['infin', undefined],
    ['+nan', undefined],
    ['true', undefined],
  ])('%j', (input, expected) => {
    expect(goParseFloat(input)).toBe(expected);
  });

  it('reads NaN', () => {
    expect(goParseFloat('NaN')).toBeNaN();
    expect(goParseFloat('nan')).toBeNaN();
  });
});

describe('goParseBool (strconv.ParseBool)', () => {
  it.each<[string, boolean | undefined]>([
    ['1', true],
    ['t', true],
    ['T', true],
    ['TRUE', true],
    ['true', true],
    ['True', true],
    ['0', false],
    ['f', false],
    ['F', false],
    ['FALSE', false],
    ['false', false],
    ['False', false],
    ['tRUE', undefined],
    ['yes', undefined],
    ['', undefined],
  ])('%j', (input, expected) => {
    expect(goParseBool(input)).toBe(expected);
  });
});

describe('goUnmarshalJSON', () => {
  it('reads JSON', () => {
    expect(goUnmarshalJSON(' {"a": [1, null]} ')).toEqual({
      value: { a: [1, null] },
    });
  });

  it('refuses invalid JSON and numbers beyond float64', () => {
    expect(goUnmarshalJSON('{a: 1}')).toBeUndefined();
    expect(goUnmarshalJSON('[1e999]')).toBeUndefined();
  });

  it('keeps __proto__ as data', () => {
    const parsed = goUnmarshalJSON('{"__proto__": {"polluted": true}}');
    const value = parsed?.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(value)).toEqual(['__proto__']);
  });
});

describe('formatGo (fmt %v)', () => {
  it.each<[unknown, string]>([
    [null, '<nil>'],
    [true, 'true'],
    [42, '42'],
    [1.5, '1.5'],
    [1234567.5, '1.2345675e+06'],
    [0.00001, '1e-05'],
    ['text', 'text'],
    [[1, 'a', [true]], '[1 a [true]]'],
    [{ b: 1, a: { c: null } }, 'map[a:map[c:<nil>] b:1]'],
  ])('%j', (value, expected) => {
    expect(formatGo(value)).toBe(expected);
  });

  it('formats floats as strconv.FormatFloat(f, g, -1)', () => {
    expect(formatGoFloat(1e21)).toBe('1e+21');
    expect(formatGoFloat(123456)).toBe('123456');
    expect(formatGoFloat(NaN)).toBe('NaN');
    expect(formatGoFloat(-Infinity)).toBe('-Inf');
  });
});

describe('compareGoStrings (byte order)', () => {
  it('orders by code point, astral characters after the rest of the BMP', () => {
    expect(compareGoStrings('a', 'b')).toBeLessThan(0);
    expect(compareGoStrings('ab', 'a')).toBeGreaterThan(0);
    expect(compareGoStrings('\uffff', '😀')).toBeLessThan(0);
    expect(compareGoStrings('😀', '\uffff')).toBeGreaterThan(0);
    expect(compareGoStrings('same', 'same')).toBe(0);
  });
});
