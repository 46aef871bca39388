import { parseJsonText, parseSjsonPath, setJsonValue } from './sjson';

describe('setJsonValue', () => {
  // Cases of tidwall/sjson v1.2.5's TestBasic and TestSetDotKeyIssue10 (sjson_test.go), which compare
  // parsed results.
  it.each<[string, string, string | number | boolean, unknown]>([
    ['[{"hi":"world"}]', '0.hiw', 'planet', [{ hi: 'world', hiw: 'planet' }]],
    ['', '0', true, [true]],
    ['', '1', true, [null, true]],
    ['[1]', '2', true, [1, null, true]],
    ['[1,null,false]', '1', true, [1, true, false]],
    [
      '{"a":1,"b":{"hello":"when","this":[0,1,2]},"c":false}',
      'b.this.1',
      0,
      { a: 1, b: { hello: 'when', this: [0, 0, 2] }, c: false },
    ],
    [
      '{"a":1,"b":{"hello":"when","this":[0,null,2]},"c":false}',
      'b.this.4',
      4,
      { a: 1, b: { hello: 'when', this: [0, null, 2, null, 4] }, c: false },
    ],
    ['', 'b.this.4', 4, { b: { this: [null, null, null, null, 4] } }],
    ['', '1.this.4', 4, [null, { this: [null, null, null, null, 4] }]],
    ['', ':1.this.4', 4, { '1': { this: [null, null, null, null, 4] } }],
    ['', '\\:1.this.4', 4, { ':1': { this: [null, null, null, null, 4] } }],
    [
      '',
      '\\:\\\\1.this.4.\\.HI',
      4,
      { ':\\1': { this: [null, null, null, null, { '.HI': 4 }] } },
    ],
    ['{"app.token":"abc"}', 'app\\.token', 'cde', { 'app.token': 'cde' }],
    ['', 'b.this.😇', '', { b: { this: { '😇': '' } } }],
    ['[1234]', '0', 1234.5, [1234.5]],
    ['["x"]', '0', '1234.5', ['1234.5']],
    ['{"arr":[1]}', 'arr.-1', 1, { arr: [1, 1] }],
    ['{"a":"x"}', 'a', '\\', { a: '\\' }],
    ['{"a":"x"}', 'a', 'C:\\Windows\\System32', { a: 'C:\\Windows\\System32' }],
  ])('sets %j %s = %j', (json, key, value, expected) => {
    expect(JSON.parse(setJsonValue(json, key, value))).toEqual(expected);
  });

  it('replaces an existing value where it stands', () => {
    const json = '{\n\t"app": {\n\t\t"version": "1.0.0"\n\t},\n\t"n": 1\n}\n';
    expect(setJsonValue(json, 'app.version', '1.0.1')).toBe(
      '{\n\t"app": {\n\t\t"version": "1.0.1"\n\t},\n\t"n": 1\n}\n',
    );
    expect(setJsonValue(json, 'n', 2.5)).toBe(
      '{\n\t"app": {\n\t\t"version": "1.0.0"\n\t},\n\t"n": 2.5\n}\n',
    );
    expect(setJsonValue('{"a": {"b": [1, {"c": 2}]}}', 'a.b.1.c', false)).toBe(
      '{"a": {"b": [1, {"c": false}]}}',
    );
  });

  it('appends a new key compactly before the closing brace, as sjson does', () => {
    expect(setJsonValue('{\n  "a": 1\n}\n', 'threshold', 100)).toBe(
      '{\n  "a": 1\n,"threshold":100}',
    );
    expect(setJsonValue('{"settings": {}}', 'settings.newKey', 'added')).toBe(
      '{"settings": {"newKey":"added"}}',
    );
    expect(setJsonValue('{"x": {"a": 1 }}', 'x.b.c', 'd')).toBe(
      '{"x": {"a": 1 ,"b":{"c":"d"}}}',
    );
  });

  it('appends to arrays, keeping their formatting with -1 and compacting them when padding', () => {
    expect(setJsonValue('  [ 1,2  ] ', '-1', 3)).toBe('[ 1,2  ,3]');
    expect(setJsonValue('{"l": [ 1, 2 ]}', 'l.4', 5)).toBe(
      '{"l": [1,2,null,null,5]}',
    );
    expect(setJsonValue('{"l": []}', 'l.1', 'x')).toBe('{"l": [null,"x"]}');
    expect(setJsonValue('{"l": []}', 'l.-1.name', 'x')).toBe(
      '{"l": [{"name":"x"}]}',
    );
  });

  it('turns an empty document or a scalar in the way into the container it needs', () => {
    expect(setJsonValue('', 'app.version', '1.0.1')).toBe(
      '{"app":{"version":"1.0.1"}}',
    );
    expect(setJsonValue('  \n', 'a', 1)).toBe('{"a":1}');
    expect(setJsonValue('{"a": 5}', 'a.b', 1)).toBe('{"a": {"b":1}}');
    expect(setJsonValue('"text"', 'a', 1)).toBe('{"a":1}');
  });

  it('writes strings as sjson does: plain ASCII as is, everything else through Go’s json.Marshal', () => {
    expect(setJsonValue('{}', 'a', 'a<b&c')).toBe('{"a":"a<b&c"}');
    expect(setJsonValue('{}', 'a', 'é<b')).toBe('{"a":"é\\u003cb"}');
    expect(setJsonValue('{}', 'a', 'line\nbreak "q"')).toBe(
      '{"a":"line\\nbreak \\"q\\""}',
    );
  });

  it("writes numbers as Go’s FormatFloat(f, 'f', -1, 64) does", () => {
    expect(setJsonValue('{}', 'a', 1e21)).toBe('{"a":1000000000000000000000}');
    expect(setJsonValue('{}', 'a', 1e-7)).toBe('{"a":0.0000001}');
  });

  it('finds the first of duplicate keys and unescaped keys', () => {
    expect(setJsonValue('{"a":1,"a":2}', 'a', 3)).toBe('{"a":3,"a":2}');
    expect(setJsonValue('{"\\u0061b":1}', 'ab', 3)).toBe('{"\\u0061b":3}');
  });

  it.each([
    ['{"l": [1]}', 'l.x', "cannot set array element for non-numeric key 'x'"],
    ['{"l": [1]}', 'l.:5', "cannot set array element for non-numeric key '5'"],
    ['{}', 'items.#', 'gjson query syntax'],
    ['{}', 'a.*', 'gjson query syntax'],
    ['{}', 'a..b', 'empty part'],
    ['{}', '', 'path cannot be empty'],
    ['{"a": }', 'a', 'invalid JSON'],
    ['{"a": 1} x', 'a', 'invalid JSON'],
    ["{'a': 1}", 'a', 'invalid JSON'],
    ['{}', 'a.1000001', 'larger than'],
  ])('refuses %j %s', (json, key, message) => {
    expect(() => setJsonValue(json, key, 1)).toThrow(message);
  });

  it('finds an existing array element with a forced part, as gjson looks it up', () => {
    expect(setJsonValue('{"l": [1]}', 'l.:0', 2)).toBe('{"l": [2]}');
  });

  it('allows gjson’s special characters when escaped', () => {
    expect(setJsonValue('{}', 'a\\*b\\#', 1)).toBe('{"a*b#":1}');
  });
});

describe('parseSjsonPath', () => {
  it('splits, unescapes and marks forced keys', () => {
    expect(parseSjsonPath('a.b\\.c.:1.\\:2')).toEqual([
      { part: 'a', force: false },
      { part: 'b.c', force: false },
      { part: '1', force: true },
      { part: ':2', force: false },
    ]);
  });
});

describe('parseJsonText', () => {
  it('knows where every value is', () => {
    const text = ' {"a": [1, "x"], "b": {"c": null}} ';
    const node = parseJsonText(text);
    expect(node).toMatchObject({
      type: 'object',
      start: 1,
      end: text.length - 1,
    });
    const members = node.type === 'object' ? node.members : [];
    expect(
      members.map(m => [m.key, text.slice(m.value.start, m.value.end)]),
    ).toEqual([
      ['a', '[1, "x"]'],
      ['b', '{"c": null}'],
    ]);
  });
});
