import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import {
  findScalarNode,
  quoteIfNecessary,
  renderYamlScalar,
  setYamlValues,
  splitKey,
} from './yamlValues';

const vectors = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../../test-vectors/kargo/04-promotion-steps/yaml-update.json',
    ),
    'utf8',
  ),
);

type SplitKeyCase = { name: string; key: string; expected: any };
const splitKeyCases: SplitKeyCase[] = vectors.splitKey.cases;

describe('splitKey (Kargo TestSplitKey vectors)', () => {
  it.each(splitKeyCases.filter(c => c.expected.parts))(
    '$name',
    ({ key, expected }) => {
      expect(splitKey(key)).toEqual(expected.parts);
    },
  );

  it.each(splitKeyCases.filter(c => c.expected.errorContains))(
    '$name',
    ({ key, expected }) => {
      expect(() => splitKey(key)).toThrow(expected.errorContains);
    },
  );

  it('quotes the key in its messages as Go does', () => {
    expect(() => splitKey('a..b')).toThrow('empty key part in key "a..b"');
    expect(() => splitKey('  ')).toThrow('empty key');
  });

  it('ignores surrounding space and a dangling backslash, as Kargo does', () => {
    expect(splitKey(' a.b ')).toEqual(['a', 'b']);
    expect(splitKey('a\\')).toEqual(['a']);
  });
});

describe('quoteIfNecessary (Kargo TestQuoteIfNecessary vectors)', () => {
  it.each<{ input: unknown; expected: unknown }>(
    vectors.quoteIfNecessary.cases,
  )('$input', ({ input, expected }) => {
    expect(quoteIfNecessary(input)).toEqual(expected);
  });
});

describe('findScalarNode (Kargo TestFindScalarNode vectors)', () => {
  const document: string = vectors.findScalarNode.document;
  const doc = parseDocument(document);

  const cases: { keyPath: string; expected: any }[] =
    vectors.findScalarNode.cases;

  it.each(cases.filter(c => c.expected.errorContains))(
    '$keyPath',
    ({ keyPath, expected }) => {
      expect(() => findScalarNode(doc.contents, keyPath.split('.'))).toThrow(
        expected.errorContains,
      );
    },
  );

  it.each(cases.filter(c => !c.expected.errorContains))(
    '$keyPath',
    ({ keyPath, expected }) => {
      const offset = findScalarNode(doc.contents, keyPath.split('.')).range![0];
      const before = document.slice(0, offset);
      expect(before.split('\n').length - 1).toBe(expected.line);
      expect(offset - (before.lastIndexOf('\n') + 1)).toBe(expected.col);
    },
  );
});

describe('setYamlValues', () => {
  describe('Kargo TestSetValuesInBytes vectors', () => {
    const cases: { name: string; input: any; expected: any }[] =
      vectors.setValuesInBytes.cases;
    const expand = (template: string, input: any) =>
      template.replace('{{LONG}}', input.paragraph.repeat(input.repeat));

    it.each(cases.filter(c => !c.expected.errorContains))(
      '$name',
      ({ input, expected }) => {
        const file = input.fileTemplate
          ? expand(input.fileTemplate, input)
          : input.file;
        const want = expected.fileTemplate
          ? expand(expected.fileTemplate, input)
          : expected.file;
        expect(setYamlValues(file, input.updates)).toBe(want);
      },
    );

    it.each(cases.filter(c => c.expected.errorContains))(
      '$name',
      ({ input, expected }) => {
        expect(() => setYamlValues(input.file, input.updates)).toThrow(
          expected.errorContains,
        );
      },
    );
  });

  it('keeps comments, including one after the updated value, and everything else byte for byte', () => {
    const file = [
      '# Helm values',
      'image:',
      '  repository: "ghcr.io/example/app"   # quoted on purpose',
      '  tag: v1.0.0 # bumped by Kargo',
      '',
      'replicas:    3',
      "labels: {team: 'a', tier: web}",
      'list: [a, b]',
      '',
    ].join('\n');
    expect(
      setYamlValues(file, [
        { key: 'image.tag', value: 'v1.1.0' },
        { key: 'replicas', value: 5 },
        { key: 'labels.tier', value: 'api' },
        { key: 'list.1', value: 'c, d' },
      ]),
    ).toBe(
      [
        '# Helm values',
        'image:',
        '  repository: "ghcr.io/example/app"   # quoted on purpose',
        '  tag: v1.1.0 # bumped by Kargo',
        '',
        'replicas:    5',
        "labels: {team: 'a', tier: api}",
        'list: [a, "c, d"]',
        '',
      ].join('\n'),
    );
  });

  it('keeps CRLF line endings and a missing final newline', () => {
    expect(
      setYamlValues('a: 1\r\nb: x # c\r\nc: 3', [
        { key: 'b', value: 'yellow' },
        { key: 'c', value: 4 },
      ]),
    ).toBe('a: 1\r\nb: yellow # c\r\nc: 4');
  });

  it('replaces a block or multi-line scalar without leaving its lines behind', () => {
    const file =
      'script: |\n  echo one\n  echo two\nnext: 1\nfolded: "a\n  b"\nz: 2\n';
    expect(
      setYamlValues(file, [
        { key: 'script', value: 'echo three' },
        { key: 'folded', value: 'c' },
      ]),
    ).toBe('script: echo three\nnext: 1\nfolded: c\nz: 2\n');
  });

  it('fills an empty value and keeps the anchor and tag of a value', () => {
    expect(
      setYamlValues('a:\nb: # note\nc: &x old\nd: !!str old\n', [
        { key: 'a', value: 'one' },
        { key: 'b', value: 'two' },
        { key: 'c', value: 'three' },
        { key: 'd', value: 'four' },
      ]),
    ).toBe('a: one\nb: two # note\nc: &x three\nd: !!str four\n');
  });

  it('addresses keys with dots, numeric keys with a colon, and quoted keys', () => {
    const file =
      'example.com/version: v1\n"quoted key": 1\nports:\n  "8080": http\nitems:\n- 0\n';
    expect(
      setYamlValues(file, [
        { key: 'example\\.com/version', value: 'v2' },
        { key: 'quoted key', value: 2 },
        { key: 'ports.:8080', value: 'https' },
        { key: 'items.0', value: 1 },
      ]),
    ).toBe(
      'example.com/version: v2\n"quoted key": 2\nports:\n  "8080": https\nitems:\n- 1\n',
    );
  });

  it('lets a later update of the same key win', () => {
    expect(
      setYamlValues('a: 1\n', [
        { key: 'a', value: 2 },
        { key: 'a', value: 3 },
      ]),
    ).toBe('a: 3\n');
  });

  it('updates the first document of a stream only', () => {
    expect(setYamlValues('a: 1\n---\na: 1\n', [{ key: 'a', value: 2 }])).toBe(
      'a: 2\n---\na: 1\n',
    );
  });

  it.each([
    ['missing.key', 'error finding key missing.key: key path not found'],
    ['a.b', 'error finding key a.b: key path not found'],
    ['list', 'error finding key list: key path does not address a scalar node'],
    ['list.5', 'error finding key list.5: key path not found'],
    ['list.x', 'strconv.Atoi: parsing "x": invalid syntax'],
    [
      'alias',
      'error finding key alias: key path does not address a scalar node',
    ],
    ['a\\n', 'error splitting key a\\n: invalid escape sequence'],
  ])('refuses %s', (key, message) => {
    expect(() =>
      setYamlValues('a: 1\nlist: [x]\nbase: &b {x: 1}\nalias: *b\n', [
        { key, value: 1 },
      ]),
    ).toThrow(message);
  });

  it('refuses YAML the Go parser refuses', () => {
    expect(() => setYamlValues(':', [])).toThrow('error unmarshaling input');
    expect(() => setYamlValues('a: *nope\n', [])).toThrow(
      "unknown anchor 'nope' referenced",
    );
  });

  it('refuses an update of an empty document', () => {
    expect(() => setYamlValues('', [{ key: 'a', value: 1 }])).toThrow(
      'key path not found',
    );
  });
});

describe('renderYamlScalar', () => {
  it.each<[unknown, string]>([
    ['fake-tag', 'fake-tag'],
    ['Dark side', 'Dark side'],
    ['42', '"42"'],
    ['1.0', '"1.0"'],
    ['true', '"true"'],
    ['null', '"null"'],
    ['[1, 2, 3]', '"[1, 2, 3]"'],
    ['{"key": "value"}', '"{\\"key\\": \\"value\\"}"'],
    [42, '42'],
    [1.5, '1.5'],
    [false, 'false'],
    [null, 'null'],
    // Kargo would write these raw; they would not read back as the same string.
    ['', '""'],
    ['~', '"~"'],
    ['yes', '"yes"'],
    ['on', '"on"'],
    ['a: b', '"a: b"'],
    ['# not a comment', '"# not a comment"'],
    ['two\nlines', '"two\\nlines"'],
    [' padded', '" padded"'],
    ['*alias', '"*alias"'],
    ['0x1F', '"0x1F"'],
    ['2024-01-01', '"2024-01-01"'],
  ])('writes %j as %s', (value, expected) => {
    expect(renderYamlScalar(value, 'k')).toBe(expected);
  });

  it('quotes what a flow collection would split', () => {
    expect(renderYamlScalar('a, b', 'k', false)).toBe('a, b');
    expect(renderYamlScalar('a, b', 'k', true)).toBe('"a, b"');
  });

  it.each([[{ a: 1 }], [[1]], [undefined]])('refuses %j', value => {
    expect(() => renderYamlScalar(value, 'image')).toThrow(
      'value for key "image" is not a scalar',
    );
  });
});
