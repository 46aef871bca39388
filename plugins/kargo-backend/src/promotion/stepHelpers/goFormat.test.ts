import {
  goAtoi,
  goFormatFloat,
  goJsonString,
  goParseBoolOk,
  goParseFloatOk,
  goQuote,
  goTrimSpace,
  jsonValid,
} from './goFormat';

// Expected values are what the Go standard library returns for the same input (strconv, encoding/json).
describe('goQuote', () => {
  it.each([
    ['plain', '"plain"'],
    ['42', '"42"'],
    ['{"key": "value"}', '"{\\"key\\": \\"value\\"}"'],
    ['back\\slash', '"back\\\\slash"'],
    ['tab\tnew\nline\r', '"tab\\tnew\\nline\\r"'],
    ['\u0007\b\f\v', '"\\a\\b\\f\\v"'],
    ['\u0000\u001f\u007f', '"\\x00\\x1f\\x7f"'],
    ['héllo wörld ✓ 日本', '"héllo wörld ✓ 日本"'],
    ['non\u00a0breaking', '"non\\u00a0breaking"'],
    ['zero\u200bwidth', '"zero\\u200bwidth"'],
    ['emoji 🚀', '"emoji 🚀"'],
    ['private \u{f0000}', '"private \\U000f0000"'],
  ])('quotes %j as %s', (input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });
});

describe('goParseFloatOk', () => {
  it.each([
    '0',
    '1',
    '42',
    '-1.5',
    '+3',
    '.5',
    '5.',
    '1e10',
    '1E-7',
    '1_000',
    '0x1p-2',
    '0X1.8P+1',
    'inf',
    '-Infinity',
    '+INF',
    'NaN',
    'nan',
    '00012',
    '4.9e-324',
  ])('accepts %s', value => {
    expect(goParseFloatOk(value)).toBe(true);
  });

  it.each([
    '',
    ' 1',
    '1 ',
    '.',
    'e5',
    '1e',
    '1e+',
    '_1',
    '1_',
    '1__0',
    '1_.5',
    '0x1F',
    '0x',
    '-nan',
    'infinit',
    'infinityx',
    '1.2.3',
    '1e400',
    'fake-tag',
    'true',
  ])('rejects %j', value => {
    expect(goParseFloatOk(value)).toBe(false);
  });
});

describe('goParseBoolOk', () => {
  it.each([
    '1',
    't',
    'T',
    'TRUE',
    'true',
    'True',
    '0',
    'f',
    'F',
    'FALSE',
    'false',
    'False',
  ])('accepts %s', value => {
    expect(goParseBoolOk(value)).toBe(true);
  });

  it.each(['yes', 'on', 'tRUE', 'y', ''])('rejects %j', value => {
    expect(goParseBoolOk(value)).toBe(false);
  });
});

describe('jsonValid', () => {
  it.each(['null', '[1, 2, 3]', '{"key": "value"}', '"s"', ' 5 '])(
    'accepts %j',
    value => {
      expect(jsonValid(value)).toBe(true);
    },
  );

  it.each(['', 'string', '{key: 1}', '[1,]'])('rejects %j', value => {
    expect(jsonValid(value)).toBe(false);
  });
});

describe('goAtoi', () => {
  it('parses decimal integers', () => {
    expect(goAtoi('0')).toBe(0);
    expect(goAtoi('+12')).toBe(12);
    expect(goAtoi('-3')).toBe(-3);
    expect(goAtoi('007')).toBe(7);
  });

  it.each([
    ['first', 'strconv.Atoi: parsing "first": invalid syntax'],
    ['', 'strconv.Atoi: parsing "": invalid syntax'],
    ['1_0', 'strconv.Atoi: parsing "1_0": invalid syntax'],
    ['0x1', 'strconv.Atoi: parsing "0x1": invalid syntax'],
    [
      '9223372036854775808',
      'strconv.Atoi: parsing "9223372036854775808": value out of range',
    ],
  ])('refuses %j with Go’s message', (value, message) => {
    expect(() => goAtoi(value)).toThrow(message);
  });
});

describe('goJsonString', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    [
      '<a href="x">&</a>',
      '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"',
    ],
    ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['\u0001\u001f', '"\\u0001\\u001f"'],
    ['\u007f', '"\u007f"'],
    ['line\u2028sep\u2029', '"line\\u2028sep\\u2029"'],
    ['héllo 🚀', '"héllo 🚀"'],
  ])('encodes %j as %s', (input, expected) => {
    expect(goJsonString(input)).toBe(expected);
  });
});

describe('goFormatFloat', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [100, '100'],
    [425, '425'],
    [1.5, '1.5'],
    [-2.25, '-2.25'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.25e-10, '0.000000000125'],
    [123456789.125, '123456789.125'],
  ])('formats %p as %s', (value, expected) => {
    expect(goFormatFloat(value)).toBe(expected);
  });
});

describe('goTrimSpace', () => {
  it('trims what Go counts as space, and nothing else', () => {
    expect(goTrimSpace(' \t\n\u0085\u00a0key\u3000 ')).toBe('key');
    expect(goTrimSpace('\ufeffkey')).toBe('\ufeffkey');
  });
});
