import { marshalYAML } from './yaml';

/**
 * Expected output from go.yaml.in/yaml/v3 v3.0.4 `encode_test.go` (marshalTests) and `sorter.go`, plus cases that
 * follow from its emitter rules, noted as derived.
 */
describe('marshalYAML (yaml.v3 Marshal)', () => {
  it.each<[string, unknown, string]>([
    ['nil', null, 'null\n'],
    ['empty map', {}, '{}\n'],
    ['empty list', [], '[]\n'],
    ['string', { v: 'hi' }, 'v: hi\n'],
    ['string that reads as bool', { v: 'true' }, 'v: "true"\n'],
    ['string false', { v: 'false' }, 'v: "false"\n'],
    ['bool', { v: true }, 'v: true\n'],
    ['int', { v: 10 }, 'v: 10\n'],
    ['negative int', { v: -10 }, 'v: -10\n'],
    ['big int', { v: 4294967296 }, 'v: 4294967296\n'],
    ['string that reads as int', { v: '10' }, 'v: "10"\n'],
    ['float', { v: 0.1 }, 'v: 0.1\n'],
    ['negative float', { v: -0.1 }, 'v: -0.1\n'],
    ['+Inf', { v: Infinity }, 'v: .inf\n'],
    ['-Inf', { v: -Infinity }, 'v: -.inf\n'],
    ['NaN', { v: NaN }, 'v: .nan\n'],
    ['null value', { v: null }, 'v: null\n'],
    ['empty string', { v: '' }, 'v: ""\n'],
    ['list in map', { v: ['A', 'B'] }, 'v:\n    - A\n    - B\n'],
    [
      'multi-line in list',
      { v: ['A', 'B\nC'] },
      'v:\n    - A\n    - |-\n      B\n      C\n',
    ],
    [
      'map in list in map',
      { v: ['A', 1, { B: [2, 3] }] },
      'v:\n    - A\n    - 1\n    - B:\n        - 2\n        - 3\n',
    ],
    ['nested map', { a: { b: 'c' } }, 'a:\n    b: c\n'],
    ['dash', { a: '-' }, "a: '-'\n"],
    ['int at top', 123, '123\n'],
    ['off (YAML 1.1 bool)', { a: 'off' }, 'a: "off"\n'],
    ['angle brackets', { a: '<foo>' }, 'a: <foo>\n'],
    ['base 60 float', { a: '1:1' }, 'a: "1:1"\n'],
    ['NUL', { a: '\x00' }, 'a: "\\0"\n'],
    ['unicode', { a: '你好' }, 'a: 你好\n'],
    [
      'timestamp-like string',
      { a: '2015-02-24T18:19:39Z' },
      'a: "2015-02-24T18:19:39Z"\n',
    ],
    ['colon space', { a: 'b: c' }, "a: 'b: c'\n"],
    ['hash', { a: 'Hello #comment' }, "a: 'Hello #comment'\n"],
    ['unicode and hash', { a: '你好 #comment' }, "a: '你好 #comment'\n"],
    [
      'map in list in map in map',
      { a: { b: [{ c: 1, d: 2 }] } },
      'a:\n    b:\n        - c: 1\n          d: 2\n',
    ],
    ['tabs in a literal', { a: '\tB\n\tC\n' }, 'a: |\n    \tB\n    \tC\n'],
    [
      'long strings do not wrap',
      {
        a: 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 ',
      },
      "a: 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 1234567890 '\n",
    ],
    // Kargo's own cases (pkg/promotion/evaluator_test.go, TestStepEvaluator_Config).
    ['Kargo: map', { foo: 'bar', count: 2 }, 'count: 2\nfoo: bar\n'],
    ['Kargo: list', ['one', 'two'], '- one\n- two\n'],
    ['Kargo: bool', true, 'true\n'],
    ['Kargo: number', 42, '42\n'],
    // Derived from the emitter rules (emitterc.go at v3.0.4).
    ['derived: map in top-level list', [{ a: 1, b: 2 }], '- a: 1\n  b: 2\n'],
    ['derived: list in list', [['a', 'b']], '- - a\n  - b\n'],
    [
      'derived: literal at the top',
      'hello\nworld',
      '|-\n    hello\n    world\n',
    ],
    ['derived: literal keeping a final newline', 'a\n', '|\n    a\n'],
    ['derived: literal with leading space', ' a\nb', '|4-\n     a\n    b\n'],
    ['derived: literal with two final newlines', 'a\n\n', '|+\n    a\n\n'],
    [
      'derived: trailing space forces double quotes',
      'hello\n  ',
      '"hello\\n  "\n',
    ],
    ['derived: astral character escaped', 'x😀', '"x\\U0001F600"\n'],
    ['derived: single quote doubled', { a: "'quoted'" }, `a: '''quoted'''\n`],
    ['derived: multi-line key', { 'a\nb': 1 }, '? |-\n    a\n    b\n: 1\n'],
    ['derived: empty key', { '': 1 }, '"": 1\n'],
    ['derived: octal-looking string', { a: '0777' }, 'a: "0777"\n'],
    ['derived: hex-looking string', { a: '0x1F' }, 'a: "0x1F"\n'],
    ['derived: version string stays plain', { a: '1.2.3' }, 'a: 1.2.3\n'],
    ['derived: float-looking string', { a: '1e3' }, 'a: "1e3"\n'],
    ['derived: leading space', { a: ' x' }, "a: ' x'\n"],
    ['derived: tab inside', { a: 'a\tb' }, 'a: "a\\tb"\n'],
    ['derived: carriage return', { a: 'a\rb' }, 'a: "a\\rb"\n'],
    ['derived: empty nested map and list', { a: {}, b: [] }, 'a: {}\nb: []\n'],
    ['derived: large float', 1e21, '1e+21\n'],
    ['derived: small float', 0.00001, '1e-05\n'],
  ])('%s', (_name, value, expected) => {
    expect(marshalYAML(value)).toBe(expected);
  });

  it('orders keys naturally, numbers by value (sorter.go)', () => {
    const value = { a10: 1, a2: 1, b: 1, a: 1, '10': 1, '9': 1, B: 1 };
    expect(marshalYAML(value)).toBe(
      '"9": 1\n"10": 1\nB: 1\na: 1\na2: 1\na10: 1\nb: 1\n',
    );
  });

  it('refuses values nested too deeply', () => {
    let value: unknown = 1;
    for (let i = 0; i < 1100; i++) value = [value];
    expect(() => marshalYAML(value)).toThrow('nested too deeply');
  });

  it('refuses what YAML cannot hold', () => {
    expect(() => marshalYAML({ a: new Map() })).toThrow('cannot marshal');
  });
});
